import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createVisitInvite, decodeVisitInvite, encodeVisitInvite, InviteBook, invitesThroughRelays, inviteSecondsLeft, VisitInviteError, type VisitInvite } from './visitInvite.ts'

const relay = '/ip4/10.233.0.1/tcp/39091/ws/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
const otherRelay = '/dns4/relay.anamnesis.example/tcp/443/wss/p2p/12D3KooWFPdzn3RpAefVfuEZKEB3JsykhSq2nVNqw2Ewg3oC8BWw'
const patientPeer = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const address = `${relay}/p2p-circuit/webrtc/p2p/${patientPeer}`
const patient = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const now = Date.UTC(2026, 10, 26, 9, 0, 0)

const toBase64Url = (bytes: Uint8Array | number[]): string => Buffer.from(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes)).toString('base64url')
const fromBase64Url = (text: string): number[] => [...Buffer.from(text, 'base64url')]

/** Unsigned LEB128, as the invite writes numbers. */
function varint(value: number): number[] {
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  return [...out, rest]
}

/** An invite's bytes field by field, as the format says (version 2), each field replaceable by the test. */
function inviteBytes(fields: Partial<Record<'version' | 'patient' | 'chain' | 'token' | 'expiry' | 'peer' | 'relays', number[]>> = {}): number[] {
  const peer = [...peerIdFromString(patientPeer).toMultihash().bytes]
  const relayBytes = [...multiaddr(relay).bytes]
  return [
    ...(fields.version ?? [2]),
    ...(fields.patient ?? [...Buffer.from(patient.slice(2), 'hex')]),
    ...(fields.chain ?? varint(31337)),
    ...(fields.token ?? Array.from({ length: 16 }, (_, i) => i)),
    ...(fields.expiry ?? varint(1_764_147_600)),
    ...(fields.peer ?? [peer.length, ...peer]),
    ...(fields.relays ?? [1, relayBytes.length, ...relayBytes])
  ]
}

/** What decoding `encoded` throws: the VisitInviteError's code and message, failing the test on anything else. */
function refusal(encoded: string): { code: string; message: string } {
  try {
    decodeVisitInvite(encoded)
  } catch (error) {
    if (error instanceof VisitInviteError) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('the invite was accepted')
}

describe('visit invites', () => {
  it('round-trips through the URL-safe form, every field', () => {
    const invite = createVisitInvite({ addresses: [address], patient: patient.toLowerCase(), chainId: 31337, now })
    const encoded = encodeVisitInvite(invite)
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/)
    const read = decodeVisitInvite(encoded)
    expect(read).toEqual(invite)
    expect(read).toEqual({ v: 2, addresses: [address], patient, chainId: 31337, token: invite.token, expires: Math.floor(now / 1000) + 600 })
    expect(invite.token).toMatch(/^[0-9a-f]{32}$/)
    expect(inviteSecondsLeft(invite, now)).toBe(600)
  })

  it('round-trips several relays, a secp256k1 device, and the largest chain id and expiry', () => {
    const secpPeer = '16Uiu2HAmCCBhv13FhgrmDrk4yXY3AULiHb4iSZbCwXH2rjrn2PWi'
    const addresses = [`${relay}/p2p-circuit/webrtc/p2p/${secpPeer}`, `${otherRelay}/p2p-circuit/webrtc/p2p/${secpPeer}`]
    const invite: VisitInvite = { ...createVisitInvite({ addresses, patient, chainId: Number.MAX_SAFE_INTEGER, now }), expires: Number.MAX_SAFE_INTEGER }
    expect(decodeVisitInvite(encodeVisitInvite(invite))).toEqual(invite)
  })

  it('round-trips any patient, chain, token and expiry', () => {
    const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }).filter((b) => b.some((x) => x !== 0)),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (patientBytes, chainId, token, expires) => {
          const invite: VisitInvite = { ...createVisitInvite({ addresses: [address], patient: `0x${hex(patientBytes)}`, chainId, now }), token: hex(token), expires }
          expect(decodeVisitInvite(encodeVisitInvite(invite))).toEqual(invite)
        }
      ),
      { numRuns: 500 }
    )
  })

  it('is short: an invite through one relay takes 137 bytes, 183 characters', () => {
    const encoded = encodeVisitInvite(createVisitInvite({ addresses: [address], patient, chainId: 31337, now }))
    expect(fromBase64Url(encoded)).toHaveLength(137)
    expect(encoded).toHaveLength(183)
  })

  it('reads the bytes of the format as written down, field by field', () => {
    const read = decodeVisitInvite(toBase64Url(inviteBytes()))
    expect(read).toEqual({ v: 2, addresses: [address], patient, chainId: 31337, token: '000102030405060708090a0b0c0d0e0f', expires: 1_764_147_600 })
  })

  it('gives each invite its own token', () => {
    const a = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    const b = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    expect(a.token).not.toBe(b.token)
  })

  it('refuses to make an invite before the device is reachable', () => {
    expect(() => createVisitInvite({ addresses: [], patient, chainId: 1 })).toThrow(/not reachable yet/)
  })

  it('refuses to make an invite of addresses it cannot carry: not through a relay, or to two devices', () => {
    const twoDevices = [address, `${otherRelay}/p2p-circuit/webrtc/p2p/12D3KooWS7yqP4jtCBU4mVcG4QLcZn3J4CPoYw1hVuodA8ycpq7z`]
    for (const addresses of [['/ip4/1.2.3.4/tcp/1'], [`/ip4/10.233.0.1/tcp/39091/ws/p2p-circuit/webrtc/p2p/${patientPeer}`], twoDevices]) {
      expect(() => createVisitInvite({ addresses, patient, chainId: 1 })).toThrow(expect.objectContaining({ code: 'INVITE_MALFORMED', message: expect.stringContaining('not addresses through a relay') as string }))
    }
  })

  it.each([
    ['nothing', '', 'it is not an invite'],
    ['not base64url', 'not base64 at all!', 'it is not an invite'],
    ['padded base64', `${toBase64Url(inviteBytes().slice(0, -1))}=`, 'it is not an invite'],
    ['base64 with stray bits in its last character', `${toBase64Url(inviteBytes()).slice(0, -1)}${String.fromCharCode(toBase64Url(inviteBytes()).charCodeAt(toBase64Url(inviteBytes()).length - 1) + 1)}`, 'it is not an invite'],
    ['oversized', 'A'.repeat(3000), 'it is longer than any invite'],
    ['the old JSON form', toBase64Url([...Buffer.from(JSON.stringify({ v: 1, addresses: [address], patient, chainId: 1, token: '0'.repeat(32), expires: 1 }))]), 'it is of invite version 123, which this app does not read'],
    ['an unknown version', toBase64Url(inviteBytes({ version: [3] })), 'it is of invite version 3, which this app does not read'],
    ['the zero patient address', toBase64Url(inviteBytes({ patient: Array<number>(20).fill(0) })), "the patient's address"],
    ['chain id 0', toBase64Url(inviteBytes({ chain: [0] })), 'the chain'],
    ['a chain id not in its shortest form', toBase64Url(inviteBytes({ chain: [0x81, 0x00] })), 'the chain'],
    ['a chain id beyond safe integers', toBase64Url(inviteBytes({ chain: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] })), 'the chain'],
    ['a chain id that never ends', toBase64Url(inviteBytes({ chain: Array<number>(9).fill(0xff) })), 'the chain'],
    ['expiry 0', toBase64Url(inviteBytes({ expiry: [0] })), 'the expiry'],
    ["an empty patient's device", toBase64Url(inviteBytes({ peer: [0] })), "the patient's device"],
    ["an oversized patient's device", toBase64Url(inviteBytes({ peer: [65, ...Array<number>(65).fill(1)] })), "the patient's device"],
    ["a patient's device that is no peer id", toBase64Url(inviteBytes({ peer: [4, 0x12, 0x02, 0xaa, 0xbb] })), "the patient's device"],
    ['no relay', toBase64Url(inviteBytes({ relays: [0] })), 'no address to reach the patient'],
    ['nine relays', toBase64Url(inviteBytes({ relays: [9] })), 'no address to reach the patient'],
    ['an empty relay address', toBase64Url(inviteBytes({ relays: [1, 0] })), 'a relay address'],
    ['a relay address that is no multiaddr', toBase64Url(inviteBytes({ relays: [1, 3, 0xff, 0xff, 0xff] })), 'a relay address'],
    ['a relay address without its peer id', toBase64Url(inviteBytes({ relays: [1, ...lengthPrefixed(multiaddr('/ip4/10.233.0.1/tcp/39091/ws').bytes)] })), 'a relay address'],
    ['a relay address that is a circuit itself', toBase64Url(inviteBytes({ relays: [1, ...lengthPrefixed(multiaddr(`${relay}/p2p-circuit/p2p/12D3KooWFPdzn3RpAefVfuEZKEB3JsykhSq2nVNqw2Ewg3oC8BWw`).bytes)] })), 'a relay address'],
    ['a byte after its end', toBase64Url([...inviteBytes(), 0]), 'it has bytes after its end']
  ])('says a damaged link is damaged: %s', (_, encoded, what) => {
    const { code, message } = refusal(encoded)
    expect(code).toBe('INVITE_MALFORMED')
    expect(message).toMatch(/^This visit link is damaged \(.+\)\. Ask the patient to show a new one\.$/)
    expect(message).toContain(`(${what}`)
  })

  it('says where a truncated link ends, for every length short of the whole', () => {
    const bytes = inviteBytes()
    const fieldAt = (length: number): string => {
      if (length < 1) return 'it is not an invite'
      if (length < 21) return "it is cut short at the patient's address"
      if (length < 24) return 'it is cut short at the chain'
      if (length < 40) return 'it is cut short at the token'
      if (length < 45) return 'it is cut short at the expiry'
      if (length < 84) return "it is cut short at the patient's device"
      if (length < 85) return 'it is cut short at the relays'
      return 'it is cut short at a relay address'
    }
    for (let length = 0; length < bytes.length; length++) {
      expect(refusal(toBase64Url(bytes.slice(0, length))).message).toBe(`This visit link is damaged (${fieldAt(length)}). Ask the patient to show a new one.`)
    }
  })

  it('gives any text an invite or a VisitInviteError, and nothing else', () => {
    const valid = inviteBytes()
    const readsOrRefuses = (encoded: string): void => {
      try {
        decodeVisitInvite(encoded)
      } catch (error) {
        expect(error).toBeInstanceOf(VisitInviteError)
      }
    }
    fc.assert(fc.property(fc.string({ maxLength: 300 }), readsOrRefuses), { numRuns: 2_000 })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => readsOrRefuses(toBase64Url(bytes))), { numRuns: 2_000 })
    // A valid invite with one byte changed, anywhere.
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, change) => {
        const changed = [...valid]
        changed[at] = ((changed[at] ?? 0) + change) % 256
        readsOrRefuses(toBase64Url(changed))
      }),
      { numRuns: 2_000 }
    )
  })
})

function lengthPrefixed(bytes: Uint8Array): number[] {
  return [bytes.length, ...bytes]
}

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
    const ours = createVisitInvite({ addresses: [address], patient, chainId: 1, now })
    expect(invitesThroughRelays(ours, [relay])).toBe(true)
    expect(invitesThroughRelays(ours, ['/ip4/10.233.0.1/tcp/39092/ws/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'])).toBe(false)
    const mixed = createVisitInvite({ addresses: [address, `${otherRelay}/p2p-circuit/webrtc/p2p/${patientPeer}`], patient, chainId: 1, now })
    expect(invitesThroughRelays(mixed, [relay])).toBe(false)
    expect(invitesThroughRelays({ ...ours, addresses: [] }, [relay])).toBe(false)
  })
})
