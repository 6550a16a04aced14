import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { categoryKey } from './categoryKeys.ts'
import { categorySlot } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { createKeyDrop, decodeKeyDrop, isKeyDrop, openKeyDrop } from './keyDrop.ts'
import { ENVELOPE_VERSION } from './recordEnvelope.ts'

const reader = (seed: number): { publicKey: Uint8Array; secretKey: Uint8Array } => {
  const secretKey = new Uint8Array(32).fill(seed)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}
const key = new Uint8Array(32).map((_, i) => i)

describe('a key drop after a revocation', () => {
  const stays = reader(1)
  const alsoStays = reader(2)
  const revoked = reader(3)
  const drop = createKeyDrop(4, key, [{ publicKey: stays.publicKey }, { publicKey: alsoStays.publicKey }])

  it('gives each remaining reader the new epoch\'s key, and the revoked reader nothing', () => {
    expect(openKeyDrop(drop, stays)).toEqual([{ epoch: 4, key }])
    expect(openKeyDrop(drop, alsoStays)).toEqual([{ epoch: 4, key }])
    expect(openKeyDrop(drop, revoked)).toEqual([])
  })

  it('carries only the categories a reader was granted, each under its slot', () => {
    const partial = createKeyDrop(4, key, [{ publicKey: stays.publicKey, categories: [0, 5] }])
    expect(openKeyDrop(partial, stays)).toEqual([
      { epoch: categorySlot(4, 0), key: categoryKey(key, 0) },
      { epoch: categorySlot(4, 5), key: categoryKey(key, 5) }
    ])
  })

  it('is told apart from a record envelope by its first byte, and names its recipients only', () => {
    expect(isKeyDrop(drop)).toBe(true)
    expect(isKeyDrop(Uint8Array.of(ENVELOPE_VERSION, 0, 0, 0, 0, 0))).toBe(false)
    expect(decodeKeyDrop(drop).map((item) => item.recipient)).toEqual([stays.publicKey, alsoStays.publicKey])
  })

  it('refuses a damaged drop with a clear error', () => {
    expect(() => decodeKeyDrop(drop.slice(0, drop.length - 1))).toThrow(/wrong length/)
    expect(() => decodeKeyDrop(Uint8Array.of(0x4b, 9, 0, 1))).toThrow(/version 9/)
    expect(() => createKeyDrop(1, key, [])).toThrow(CryptoError)
    expect(() => createKeyDrop(1, key, [{ publicKey: stays.publicKey, categories: [] }])).toThrow(CryptoError)
  })
})
