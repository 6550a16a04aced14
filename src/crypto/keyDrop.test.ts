import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { categoryKey } from './categoryKeys.ts'
import { categorySlot, MAX_EPOCH } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { createKeyDrop, decodeKeyDrop, isKeyDrop, openKeyDrop, readKeyDropHeader } from './keyDrop.ts'
import { ENVELOPE_VERSION } from './recordEnvelope.ts'
import { WRAPPED_KEY_LENGTH } from './wrapKey.ts'

const person = (seed: number): { publicKey: Uint8Array; secretKey: Uint8Array } => {
  const secretKey = new Uint8Array(32).fill(seed)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}
const key = new Uint8Array(32).map((_, i) => i)
const asOf = { block: 1234n, time: Date.UTC(2026, 10, 26, 9) }
const ITEM = 32 + WRAPPED_KEY_LENGTH

describe('a key drop that starts a new epoch', () => {
  const patient = person(9)
  const stays = person(1)
  const alsoStays = person(2)
  const revoked = person(3)
  const drop = createKeyDrop({ epoch: 4, key, asOf, owner: patient.publicKey, readers: [{ publicKey: stays.publicKey }, { publicKey: alsoStays.publicKey }] })

  it('gives the patient\'s own key and each remaining reader the new epoch\'s key, and the revoked reader nothing', () => {
    expect(openKeyDrop(drop, patient).keys).toEqual([{ field: 4, key }])
    expect(openKeyDrop(drop, stays).keys).toEqual([{ field: 4, key }])
    expect(openKeyDrop(drop, alsoStays).keys).toEqual([{ field: 4, key }])
    expect(openKeyDrop(drop, revoked)).toEqual({ epoch: 4, asOf, count: 3, keys: [], failed: 0 })
  })

  it('says in the clear which epoch it starts and which ledger block chose its readers', () => {
    expect(readKeyDropHeader(drop)).toEqual({ epoch: 4, asOf, count: 3 })
  })

  it('carries only the categories a reader was granted, each under its slot', () => {
    const partial = createKeyDrop({ epoch: 4, key, asOf, owner: patient.publicKey, readers: [{ publicKey: stays.publicKey, categories: [0, 5] }] })
    expect(openKeyDrop(partial, stays).keys).toEqual([
      { field: categorySlot(4, 0), key: categoryKey(key, 0) },
      { field: categorySlot(4, 5), key: categoryKey(key, 5) }
    ])
    expect(openKeyDrop(partial, patient).keys).toEqual([{ field: 4, key }])
  })

  it('gives a reader with earlier keys their categories of every epoch so far, and no whole key', () => {
    const older = new Uint8Array(32).fill(7)
    const guardian = person(4)
    const drop = createKeyDrop({ epoch: 4, key, asOf, owner: patient.publicKey, readers: [{ publicKey: guardian.publicKey, categories: [2], earlier: [{ epoch: 1, key: older }] }] })
    expect(openKeyDrop(drop, guardian).keys).toEqual([
      { field: categorySlot(1, 2), key: categoryKey(older, 2) },
      { field: categorySlot(4, 2), key: categoryKey(key, 2) }
    ])
    expect(() => createKeyDrop({ epoch: 4, key, asOf, owner: patient.publicKey, readers: [{ publicKey: guardian.publicKey, categories: [2], earlier: [{ epoch: 4, key: older }] }] })).toThrow(/only earlier epochs/)
    expect(() => createKeyDrop({ epoch: 4, key, asOf, owner: patient.publicKey, readers: [{ publicKey: guardian.publicKey, earlier: [{ epoch: 1, key: older }] }] })).toThrow(/name the categories/)
  })

  it('for a new key of the patient\'s, carries every earlier epoch\'s key for it too, and none for the old key', () => {
    const renewed = person(10)
    const old = [
      { epoch: 0, key: new Uint8Array(32).fill(1) },
      { epoch: 3, key: new Uint8Array(32).fill(3) }
    ]
    const replaced = createKeyDrop({ epoch: 4, key, asOf, owner: renewed.publicKey, earlier: old, readers: [] })
    expect(openKeyDrop(replaced, renewed).keys).toEqual([{ field: 4, key }, { field: 0, key: old[0]?.key }, { field: 3, key: old[1]?.key }])
    expect(openKeyDrop(replaced, patient).keys).toEqual([])
    expect(() => createKeyDrop({ epoch: 4, key, asOf, owner: renewed.publicKey, earlier: [{ epoch: 4, key }], readers: [] })).toThrow(/only earlier epochs' keys/)
  })

  it('keeps the keys that open when one of them was altered', () => {
    const partial = createKeyDrop({ epoch: 4, key, asOf, owner: patient.publicKey, readers: [{ publicKey: stays.publicKey, categories: [0, 5] }] })
    const damaged = partial.slice()
    // The last byte of the reader's first key (the item after the patient's): its tag no longer checks.
    const at = 24 + 2 * ITEM - 1
    damaged[at] = (damaged[at] ?? 0) ^ 1
    const opened = openKeyDrop(damaged, stays)
    expect(opened.keys).toEqual([{ field: categorySlot(4, 5), key: categoryKey(key, 5) }])
    expect(opened.failed).toBe(1)
  })

  it('is told apart from a record envelope by its first byte, and names its recipients only', () => {
    expect(isKeyDrop(drop)).toBe(true)
    expect(isKeyDrop(Uint8Array.of(ENVELOPE_VERSION, 0, 0, 0, 0, 0))).toBe(false)
    expect(decodeKeyDrop(drop).items.map((item) => item.recipient)).toEqual([patient.publicKey, stays.publicKey, alsoStays.publicKey])
  })

  it('refuses a damaged drop, and one that would start epoch 0 or go past the last epoch, with a clear error', () => {
    expect(() => readKeyDropHeader(drop.slice(0, drop.length - 1))).toThrow(/wrong length/)
    expect(() => readKeyDropHeader(Uint8Array.of(0x4b, 9, 0, 1))).toThrow(/version 9/)
    const epochZero = drop.slice()
    epochZero.set([0, 0, 0, 0], 2)
    expect(() => readKeyDropHeader(epochZero)).toThrow(/epoch 0 is not one a drop starts/)
    expect(() => createKeyDrop({ epoch: 0, key, asOf, owner: patient.publicKey, readers: [] })).toThrow(CryptoError)
    expect(() => createKeyDrop({ epoch: MAX_EPOCH + 1, key, asOf, owner: patient.publicKey, readers: [] })).toThrow(/epoch is an integer from 0 to 134217727/)
    expect(() => createKeyDrop({ epoch: 1, key, asOf: { block: -1n, time: 0 }, owner: patient.publicKey, readers: [] })).toThrow(/ledger block and time/)
    expect(() => createKeyDrop({ epoch: 1, key, asOf, owner: new Uint8Array(31), readers: [] })).toThrow(/32 bytes/)
  })

  it('refuses a key in it for a later epoch than the one it starts', () => {
    // Rewritten by hand: the patient's item claims epoch 5 in a drop for epoch 4. It no longer opens, and is counted.
    const forged = createKeyDrop({ epoch: 5, key, asOf, owner: patient.publicKey, readers: [] })
    forged.set([0, 0, 0, 4], 2)
    expect(openKeyDrop(forged, patient)).toMatchObject({ epoch: 4, keys: [], failed: 1 })
  })
})
