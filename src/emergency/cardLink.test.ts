import { describe, expect, it } from 'vitest'
import { CARD_ID_LENGTH, CARD_KEY_LENGTH, cardIdOf, cardLinkExpired, formatCardLink, parseCardLink, type CardLink } from './cardLink.ts'
import { EmergencyError } from './EmergencyError.ts'

const KEEPER = '/ip4/203.0.113.5/tcp/443/tls/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const link: CardLink = {
  patient: '0xd3e0000000000000000000000000000000000001',
  keeper: KEEPER,
  key: Uint8Array.from({ length: CARD_KEY_LENGTH }, (_, i) => 255 - i),
  expires: 1_830_000_000,
  flags: ['L'],
  label: 'Emergency summary'
}

const refusal = (text: string): string => {
  try {
    parseCardLink(text)
  } catch (error) {
    expect(error).toBeInstanceOf(EmergencyError)
    expect((error as EmergencyError).code).toBe('INVALID_LINK')
    return (error as Error).message
  }
  throw new Error(`"${text}" was accepted`)
}

describe('the card link', () => {
  it('reads back what was written, every field', () => {
    const text = formatCardLink(link)
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(parseCardLink(text)).toEqual(link)
    const bare = { ...link, flags: [] as const }
    delete (bare as Partial<CardLink>).label
    expect(parseCardLink(formatCardLink(bare))).toEqual(bare)
  })

  it('stays short enough to share a wallet card\'s code with the offline tier', () => {
    expect(formatCardLink({ ...link, label: '' }).length).toBeLessThan(160)
  })

  it('refuses to write a link that names no keeper peer, or a key of the wrong size', () => {
    expect(() => formatCardLink({ ...link, keeper: '/ip4/203.0.113.5/tcp/443' })).toThrow(/does not end in \/p2p/)
    expect(() => formatCardLink({ ...link, keeper: 'https://keeper.example' })).toThrow(/not a multiaddr/)
    expect(() => formatCardLink({ ...link, key: new Uint8Array(16) })).toThrow(/32-byte key/)
    expect(() => formatCardLink({ ...link, patient: '0xD3E0000000000000000000000000000000000001' })).toThrow(/lowercase wallet address/)
    expect(() => formatCardLink({ ...link, expires: 1.5 })).toThrow(/expiry/)
    expect(() => formatCardLink({ ...link, label: 'x'.repeat(81) })).toThrow(/label longer/)
  })

  it('refuses damaged, cut, padded, unknown and foreign links with a reason', () => {
    const text = formatCardLink(link)
    expect(refusal(`${text}=`)).toMatch(/not base64url/)
    expect(refusal(text.slice(0, 60))).toMatch(/cut short/)
    expect(refusal('')).toMatch(/empty/)
    expect(refusal(`C${text.slice(1)}`)).toMatch(/version/)
    const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
    const reencode = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const flags = bytes.slice()
    flags[1] = 0x80
    expect(refusal(reencode(flags))).toMatch(/flags/)
    const keeper = bytes.slice()
    keeper[2 + 20 + 32 + 4 + 1] = 0xff
    expect(refusal(reencode(keeper))).toMatch(/keeper address/)
    const control = Uint8Array.from([...bytes.slice(0, bytes.length - 1), 0x07])
    expect(refusal(reencode(control))).toMatch(/control characters/)
    expect(refusal('A'.repeat(700))).toMatch(/too long/)
  })

  it("derives the card's id from its key: a new key, a new id, and the id does not give the key away", () => {
    const id = cardIdOf(link.key)
    expect(id).toHaveLength(CARD_ID_LENGTH)
    expect(cardIdOf(link.key)).toEqual(id)
    expect(cardIdOf(new Uint8Array(CARD_KEY_LENGTH))).not.toEqual(id)
    expect(Buffer.from(link.key).includes(Buffer.from(id.slice(0, 4)))).toBe(false)
    expect(() => cardIdOf(new Uint8Array(31))).toThrow(/32-byte key/)
  })

  it('says when it has expired', () => {
    expect(cardLinkExpired(link, link.expires * 1000 - 1)).toBe(false)
    expect(cardLinkExpired(link, link.expires * 1000)).toBe(true)
  })
})
