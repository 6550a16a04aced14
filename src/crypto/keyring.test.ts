import { utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { categoryKeysFor, sealingKey } from './categoryKeys.ts'
import { categorySlot, MAX_EPOCH } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { firstEpochKeyring, newEpochKey } from './deriveDataKey.ts'
import { addEpochKey, currentKey, keyForEpoch, MAX_KEYS_PER_EPOCH, wholeKeys } from './keyring.ts'
import { openRecord, openRecordWithAny, sealRecord } from './recordEnvelope.ts'

// A patient's keyring as a device starts it: epoch 0 derived from their secret, later epochs random.
const secret = new Uint8Array(32).fill(5)
const owner = '0x1111111111111111111111111111111111111111'
const start = () => firstEpochKeyring(secret, owner)

describe('epoch keyring', () => {
  it('starts at epoch 0 with a 32-byte key', () => {
    const a = start()
    expect(a.current).toBe(0)
    expect(currentKey(a).key).toHaveLength(32)
  })

  it('moves to a new epoch with a new key, keeps the old ones readable and leaves the old keyring as it was', () => {
    const first = start()
    const second = addEpochKey(first, 1, newEpochKey())
    expect(second.current).toBe(1)
    expect(keyForEpoch(second, 0)).toEqual(keyForEpoch(first, 0))
    expect(keyForEpoch(second, 1)).not.toEqual(keyForEpoch(second, 0))
    expect(first.current).toBe(0)
    expect(first.keys.has(1)).toBe(false)

    const old = sealRecord(utf8ToBytes('before revocation'), keyForEpoch(first, 0), { recordId: 'a', epoch: 0, writer: 'p' })
    expect(openRecord(old, keyForEpoch(second, old.epoch), 'p')).toEqual(utf8ToBytes('before revocation'))
  })

  it('a reader holds only the epochs wrapped for them, and is told plainly about the others', () => {
    const patient = addEpochKey(addEpochKey(start(), 1, newEpochKey()), 2, newEpochKey())
    const reader = addEpochKey(undefined, 1, keyForEpoch(patient, 1))
    expect(reader.current).toBe(1)
    expect(() => keyForEpoch(reader, 2)).toThrow(CryptoError)
    expect(() => keyForEpoch(reader, 2)).toThrow(/No data key for epoch 2: this record was written after your access ended/)
  })

  it('keeps a second key of an epoch (two devices moved at once): the sealing one first, both open what they sealed', () => {
    const ring = start()
    const mine = newEpochKey()
    const theirs = newEpochKey()
    const withMine = addEpochKey(ring, 1, mine, { sealing: true })
    const both = addEpochKey(withMine, 1, theirs)
    expect(keyForEpoch(both, 1)).toEqual(mine)
    expect(both.keys.get(1)).toEqual([mine, theirs])
    // Every device settles on the other drop: its key moves first and seals from now on.
    const settled = addEpochKey(both, 1, theirs, { sealing: true })
    expect(keyForEpoch(settled, 1)).toEqual(theirs)
    expect(settled.keys.get(1)).toEqual([theirs, mine])
    expect(sealingKey(settled, 3)).toEqual(sealingKey(addEpochKey(undefined, 1, theirs), 3))
    // A record sealed under the key that lost still opens: every key of the epoch is tried.
    const lost = sealRecord(utf8ToBytes('written on the laptop'), mine, { recordId: 'r', epoch: 1, writer: 'p' })
    expect(openRecordWithAny(lost, settled.keys.get(1) ?? [], 'p')?.plaintext).toEqual(utf8ToBytes('written on the laptop'))
    expect(categoryKeysFor(settled, 1, 2)).toHaveLength(4)
    expect(wholeKeys(settled).map(({ epoch }) => epoch)).toEqual([0, 1, 1])
  })

  it('returns the same keyring when nothing changes, and copies the key it files', () => {
    const ring = start()
    expect(addEpochKey(ring, 0, keyForEpoch(ring, 0))).toBe(ring)
    expect(addEpochKey(ring, 0, keyForEpoch(ring, 0), { sealing: true })).toBe(ring)
    const key = newEpochKey()
    const next = addEpochKey(ring, 1, key)
    key.fill(0)
    expect(keyForEpoch(next, 1)).not.toEqual(key)
  })

  it('files category keys by their slot, apart from whole keys', () => {
    const key = newEpochKey()
    const reader = addEpochKey(undefined, categorySlot(3, 2), key)
    expect(reader.current).toBe(3)
    expect(reader.keys.size).toBe(0)
    expect(reader.categories?.get(3)?.get(2)).toEqual([key])
    expect(sealingKey(reader, 2)).toEqual({ epoch: 3, key })
    expect(() => sealingKey(reader, 1)).toThrow(/does not cover category 1/)
  })

  it('refuses a field that names no epoch, a key of the wrong size, and one key too many for an epoch', () => {
    const ring = start()
    expect(() => addEpochKey(ring, -1, new Uint8Array(32))).toThrow(/epoch field/)
    expect(() => addEpochKey(ring, 1, new Uint8Array(31))).toThrow(/32 bytes; got 31/)
    // Epochs stop below 2^27, so a whole epoch's number never reads as a category slot (2^31 and above).
    expect(() => addEpochKey(ring, MAX_EPOCH + 1, new Uint8Array(32))).toThrow(/epoch field/)
    expect(() => addEpochKey(ring, 2 ** 31 - 1, new Uint8Array(32))).toThrow(/epoch field/)
    let full = ring
    for (let i = 1; i < MAX_KEYS_PER_EPOCH; i++) full = addEpochKey(full, 0, newEpochKey())
    expect(full.keys.get(0)).toHaveLength(MAX_KEYS_PER_EPOCH)
    expect(() => addEpochKey(full, 0, newEpochKey())).toThrow(/already has 8 keys/)
  })
})
