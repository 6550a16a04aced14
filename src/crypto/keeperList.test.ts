import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { keeperListVersion, MAX_KEEPERS, MAX_SEALED_KEEPER_LIST, openKeeperList, sealKeeperList, type KeeperListEntry } from './keeperList.ts'

const own = x25519.keygen()
const stranger = x25519.keygen()
const keeper = (i: number): KeeperListEntry => ({
  address: `/dns4/keeper-${i}.hospital.example/tcp/443/wss/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2X${i}`,
  keeper: `0x${String(i).repeat(40).slice(0, 40)}`
})

describe('the keeper list sealed to the patient\'s own key', () => {
  it('opens with the patient\'s secret key to the same list, and names the key version it was sealed for', () => {
    const list = [keeper(1), keeper(2)]
    const sealed = sealKeeperList(list, own.publicKey, 3)
    expect(openKeeperList(sealed, own.secretKey)).toEqual(list)
    expect(keeperListVersion(sealed)).toBe(3)
  })

  it('says nothing in the clear: no address, no host name, and the same size for one keeper as for none', () => {
    const sealed = sealKeeperList([keeper(1)], own.publicKey, 1)
    const text = new TextDecoder('latin1').decode(sealed)
    expect(text).not.toContain('hospital')
    expect(text).not.toContain('1111111111')
    expect(sealKeeperList([], own.publicKey, 1).length).toBe(sealed.length)
    // Sealed twice, the bytes differ: the ledger cannot tell an unchanged list from a new one.
    expect(sealKeeperList([keeper(1)], own.publicKey, 1)).not.toEqual(sealed)
  })

  it('fits the ledger with the most keepers a list holds, and refuses more', () => {
    const full = Array.from({ length: MAX_KEEPERS }, (_, i) => keeper(i))
    expect(sealKeeperList(full, own.publicKey, 1).length).toBeLessThanOrEqual(MAX_SEALED_KEEPER_LIST)
    expect(() => sealKeeperList([...full, keeper(9)], own.publicKey, 1)).toThrow(/at most 4 keepers/)
  })

  it('refuses an entry that is not a keeper: an address without a peer id, an owner that is not an address', () => {
    expect(() => sealKeeperList([{ address: '/ip4/127.0.0.1/tcp/4003/ws', keeper: keeper(1).keeper }], own.publicKey, 1)).toThrow(CryptoError)
    expect(() => sealKeeperList([{ address: keeper(1).address, keeper: '0x1234' }], own.publicKey, 1)).toThrow(/40 lowercase hex/)
  })

  it('does not open with another key, nor once altered, nor from bytes that are not a sealed list', () => {
    const sealed = sealKeeperList([keeper(1)], own.publicKey, 1)
    expect(() => openKeeperList(sealed, stranger.secretKey)).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }))
    const altered = sealed.slice()
    altered[altered.length - 20] = (altered[altered.length - 20] ?? 0) ^ 1
    expect(() => openKeeperList(altered, own.secretKey)).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }))
    // The version is bound: a list relabelled for another key version does not open.
    const relabelled = sealed.slice()
    relabelled[4] = 2
    expect(() => openKeeperList(relabelled, own.secretKey)).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }))
    expect(() => openKeeperList(new Uint8Array(10), own.secretKey)).toThrow(expect.objectContaining({ code: 'INVALID_ENVELOPE' }))
    expect(keeperListVersion(new Uint8Array(0))).toBeUndefined()
  })
})
