import { describe, expect, it } from 'vitest'
import { createVisitInvite, encodeVisitInvite } from '../../p2p/visitInvite.ts'
import { readVisitLink } from './readVisitLink.ts'
import { joinPath, visitLink } from './visitLink.ts'

const invite = encodeVisitInvite(
  createVisitInvite({
    addresses: ['/ip4/10.0.0.1/tcp/9090/ws/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf/p2p-circuit/webrtc/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'],
    patient: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    chainId: 31337
  })
)

describe('visit links', () => {
  it('puts the invite in the join route of the fragment', () => {
    expect(visitLink('https://anamnesis.example/', invite)).toBe(`https://anamnesis.example/#/visit/join/${invite}`)
    expect(joinPath(invite)).toBe(`/visit/join/${invite}`)
  })

  it.each([
    ['the app at a root', 'http://127.0.0.1:4173/'],
    ['an IPFS gateway path', 'https://ipfs.example/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/'],
    ['a subdomain gateway with an index file', 'https://bafybeig.ipfs.dweb.example/index.html'],
    ['a native IPFS address', 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/']
  ])('reads the invite from a link to %s', (_, address) => {
    expect(readVisitLink(visitLink(address, invite))).toEqual({ ok: true, invite })
  })

  it('reads the fragment alone, and a trailing slash', () => {
    expect(readVisitLink(`#/visit/join/${invite}`)).toEqual({ ok: true, invite })
    expect(readVisitLink(`https://anamnesis.example/#/visit/join/${invite}/`)).toEqual({ ok: true, invite })
  })

  it('drops whitespace around and inside a pasted link', () => {
    const link = visitLink('https://anamnesis.example/', invite)
    expect(readVisitLink(`  ${link}\n`)).toEqual({ ok: true, invite })
    expect(readVisitLink(`${link.slice(0, 60)}\r\n  ${link.slice(60)}`)).toEqual({ ok: true, invite })
  })

  it('asks for a link when there is none', () => {
    expect(readVisitLink(' \n\t')).toMatchObject({ ok: false, code: 'EMPTY' })
  })

  it.each([
    ['a link to another site', 'https://example.org/'],
    ['a link to another route of the app', 'https://anamnesis.example/#/visit'],
    ['the audit route', '#/audit'],
    ['an invite outside the fragment', `https://anamnesis.example/visit/join/${invite}`],
    ['an invite alone', invite],
    ['plain text', 'hello doctor'],
    ['a deeper route', `#/visit/join/${invite}/more`]
  ])('says %s is not a visit link', (_, text) => {
    expect(readVisitLink(text)).toEqual({ ok: false, code: 'NOT_A_VISIT_LINK', message: expect.stringContaining('This is not an Anamnesis visit link') as string })
  })

  it.each([
    ['a garbled invite', 'https://anamnesis.example/#/visit/join/not-an-invite!'],
    ['a cut invite', `https://anamnesis.example/#/visit/join/${invite.slice(0, 40)}`],
    ['no invite', 'https://anamnesis.example/#/visit/join/']
  ])('says a link with %s is damaged', (_, text) => {
    expect(readVisitLink(text)).toEqual({ ok: false, code: 'INVITE_MALFORMED', message: expect.stringContaining('This visit link is damaged') as string })
  })
})
