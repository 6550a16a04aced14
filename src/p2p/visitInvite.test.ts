import { describe, expect, it } from 'vitest'
import { createVisitInvite, decodeVisitInvite, encodeVisitInvite, InviteBook, invitesThroughRelays, inviteSecondsLeft, VisitInviteError } from './visitInvite.ts'

const address = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc/p2p/12D3KooWPatient'
const patient = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const now = Date.UTC(2026, 10, 26, 9, 0, 0)

describe('visit invites', () => {
  it('round-trips through the URL-safe form', () => {
    const invite = createVisitInvite({ addresses: [address], patient, chainId: 31337, now })
    const encoded = encodeVisitInvite(invite)
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeVisitInvite(encoded)).toEqual(invite)
    expect(invite.token).toMatch(/^[0-9a-f]{32}$/)
    expect(inviteSecondsLeft(invite, now)).toBe(600)
  })

  it('gives each invite its own token', () => {
    const a = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    const b = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    expect(a.token).not.toBe(b.token)
  })

  it('refuses to make an invite before the device is reachable', () => {
    expect(() => createVisitInvite({ addresses: [], patient, chainId: 1 })).toThrow(/not reachable yet/)
  })

  it.each([
    ['not base64 at all!', 'it is not an invite'],
    [btoa('[]'), 'it is not an invite'],
    [encodeVisitInvite({ ...createVisitInvite({ addresses: [address], patient, chainId: 1 }), patient: '0x123' }), "the patient's address"],
    [encodeVisitInvite({ ...createVisitInvite({ addresses: [address], patient, chainId: 1 }), addresses: ['/ip4/1.2.3.4/tcp/1'] }), 'an address is not a peer address'],
    [encodeVisitInvite({ ...createVisitInvite({ addresses: [address], patient, chainId: 1 }), token: 'short' }), 'the token']
  ])('says a damaged link is damaged: %s', (encoded, what) => {
    expect(() => decodeVisitInvite(encoded)).toThrow(VisitInviteError)
    expect(() => decodeVisitInvite(encoded)).toThrow(what)
  })
})

describe('InviteBook', () => {
  it('accepts an invite once, before it expires', () => {
    const book = new InviteBook()
    const invite = createVisitInvite({ addresses: [address], patient, chainId: 1, now, seconds: 60 })
    book.issue(invite)
    expect(() => book.redeem(invite.token, now + 59_000)).not.toThrow()
    expect(() => book.redeem(invite.token, now + 59_000)).toThrow(expect.objectContaining({ code: 'INVITE_USED' }))
  })

  it('refuses an expired invite, and one it never issued', () => {
    const book = new InviteBook()
    const invite = createVisitInvite({ addresses: [address], patient, chainId: 1, now, seconds: 60 })
    book.issue(invite)
    expect(() => book.redeem(invite.token, now + 61_000)).toThrow(expect.objectContaining({ code: 'INVITE_EXPIRED' }))
    expect(() => book.redeem('0'.repeat(32), now)).toThrow(expect.objectContaining({ code: 'INVITE_UNKNOWN' }))
  })

  it('forgets a cancelled invite', () => {
    const book = new InviteBook()
    const invite = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    book.issue(invite)
    book.cancel(invite.token)
    expect(() => book.redeem(invite.token, now)).toThrow(expect.objectContaining({ code: 'INVITE_UNKNOWN' }))
  })

  it("knows an invite whose every address goes through this deployment's relays from one that names other hosts", () => {
    const relay = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWRelay'
    const ours = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    expect(invitesThroughRelays(ours, [relay])).toBe(true)
    expect(invitesThroughRelays(ours, ['/ip4/127.0.0.1/tcp/9091/ws/p2p/12D3KooWRelay'])).toBe(false)
    const mixed = createVisitInvite({ addresses: [address, '/dns4/elsewhere.example/tcp/443/wss/p2p/12D3KooWOther/p2p-circuit/webrtc/p2p/12D3KooWPatient'], patient, chainId: 1, now })
    expect(invitesThroughRelays(mixed, [relay])).toBe(false)
    expect(invitesThroughRelays({ ...ours, addresses: [] }, [relay])).toBe(false)
  })
})
