import { describe, expect, it } from 'vitest'
import { parseAnswerKeepers, parseVisitAnswer, peerText } from './visitProtocol.ts'

describe('text a peer sends, as a screen shows it', () => {
  it('keeps a plain name, letters of any script included', () => {
    expect(peerText('Dr Ada Lovelace')).toBe('Dr Ada Lovelace')
    expect(peerText('Dr Žofie Nováková, 王医生')).toBe('Dr Žofie Nováková, 王医生')
    // A zero-width non-joiner is part of Persian spelling.
    expect(peerText('دکتر می‌خواهد')).toBe('دکتر می‌خواهد')
  })

  it('drops bidi overrides and invisible characters that would reorder or hide the words around them', () => {
    // "Dr Smith" written with a right-to-left override, then a zero-width space and a line separator.
    expect(peerText('Dr \u202Ehtims\u202C\u200B\u2028 (GP)')).toBe('Dr htims (GP)')
    expect(peerText('\u2066Dr\u2069\u00A0\u00A0Who')).toBe('Dr Who')
  })

  it('turns control characters and runs of white space into one space', () => {
    expect(peerText('  Dr\n\tNo\u0007 \r\n')).toBe('Dr No')
  })
})

const KEEPER = '/ip4/10.233.0.1/tcp/9092/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const WALLET = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const APPROVED = { t: 'approved', expiry: 1_800_000_000, scope: 3, transactionHash: `0x${'ab'.repeat(32)}` }
const named = (...addresses: unknown[]) => addresses.map((address) => ({ address, keeper: WALLET }))

describe("the keepers a patient's approval names", () => {
  it('keeps up to four WebSockets addresses that end in a peer id, each with its wallet', () => {
    const wss = '/dns4/keeper.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
    const tlsWs = '/dns4/keeper.example/tcp/443/tls/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
    const lower = WALLET.toLowerCase()
    expect(parseAnswerKeepers(named(KEEPER, wss, tlsWs))).toEqual([KEEPER, wss, tlsWs].map((address) => ({ address, keeper: lower })))
    expect(parseAnswerKeepers([])).toEqual([])
    expect(parseVisitAnswer({ ...APPROVED, keepers: named(KEEPER) })).toEqual({ ...APPROVED, keepers: [{ address: KEEPER, keeper: lower }] })
    expect(parseVisitAnswer(APPROVED)).toEqual(APPROVED)
  })

  it.each([
    ['five keepers', named(KEEPER, KEEPER, KEEPER, KEEPER, KEEPER)],
    ['an address over 200 characters', named(`/dns4/${'k'.repeat(160)}.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN`)],
    ['an address naming no peer', named('/ip4/10.233.0.1/tcp/9092/ws')],
    ['a peer id that is not one', named('/ip4/10.233.0.1/tcp/9092/ws/p2p/not-a-peer')],
    ['an address through a relay', named(`${KEEPER}/p2p-circuit/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN`)],
    ['a plain TCP address, which a browser cannot dial', named('/ip4/10.233.0.1/tcp/9092/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')],
    ['text that is no multiaddr', named('https://keeper.example')],
    ['a number for an address', named(42)],
    ['a keeper without a wallet', [{ address: KEEPER }]],
    ['a wallet that is not one', [{ address: KEEPER, keeper: '0x1234' }]],
    ['a bare address, not a keeper', [KEEPER]],
    ['a string, not a list', KEEPER]
  ])('refuses %s, and an approval that carries it is no visit answer', (_, keepers) => {
    expect(parseAnswerKeepers(keepers)).toBeUndefined()
    expect(parseVisitAnswer({ ...APPROVED, keepers })).toBeUndefined()
  })
})
