import { utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { addEpochKey, createKeyring, currentKey, decodeKeyring, encodeKeyring, keyForEpoch, rotateKeyring } from './keyring.ts'
import { openRecord, sealRecord } from './recordEnvelope.ts'

describe('epoch keyring', () => {
  it('starts at epoch 0 with a random 32-byte key', () => {
    const a = createKeyring()
    expect(a.current).toBe(0)
    expect(currentKey(a).key).toHaveLength(32)
    expect(currentKey(a).key).not.toEqual(currentKey(createKeyring()).key)
  })

  it('rotates to a new epoch with a new key and keeps the old ones readable', () => {
    const first = createKeyring()
    const second = rotateKeyring(first)
    expect(second.current).toBe(1)
    expect(keyForEpoch(second, 0)).toEqual(keyForEpoch(first, 0))
    expect(keyForEpoch(second, 1)).not.toEqual(keyForEpoch(second, 0))
    expect(first.current).toBe(0)
    expect(first.keys.has(1)).toBe(false)

    const old = sealRecord(utf8ToBytes('before revocation'), keyForEpoch(first, 0), { recordId: 'a', epoch: 0, writer: 'p' })
    expect(openRecord(old, keyForEpoch(second, old.epoch), 'p')).toEqual(utf8ToBytes('before revocation'))
  })

  it('a reader holds only the epochs wrapped for them, and is told plainly about the others', () => {
    const patient = rotateKeyring(rotateKeyring(createKeyring()))
    const reader = addEpochKey(undefined, 1, keyForEpoch(patient, 1))
    expect(reader.current).toBe(1)
    expect(() => keyForEpoch(reader, 2)).toThrow(CryptoError)
    expect(() => keyForEpoch(reader, 2)).toThrow(/No data key for epoch 2: this record was written after your access ended/)
  })

  it('refuses to replace a known epoch key with a different one', () => {
    const ring = createKeyring()
    expect(addEpochKey(ring, 0, keyForEpoch(ring, 0))).toBe(ring)
    expect(() => addEpochKey(ring, 0, new Uint8Array(32))).toThrow(/already known/)
    expect(() => addEpochKey(ring, -1, new Uint8Array(32))).toThrow(/epoch/)
    expect(() => addEpochKey(ring, 1, new Uint8Array(31))).toThrow(/32 bytes; got 31/)
  })

  it('encodes to bytes and back', () => {
    const ring = rotateKeyring(rotateKeyring(createKeyring()))
    const bytes = encodeKeyring(ring)
    expect(bytes).toHaveLength(9 + 3 * 36)
    const back = decodeKeyring(bytes)
    expect(back.current).toBe(2)
    expect([...back.keys.entries()]).toEqual([...ring.keys.entries()])
    expect(() => decodeKeyring(bytes.subarray(0, 20))).toThrow(/wrong length/)
    expect(() => decodeKeyring(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0))).toThrow(/unknown format/)
  })
})
