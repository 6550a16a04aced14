import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { deriveDataKey, derivedKeyring } from './deriveDataKey.ts'
import { addEpochKey, currentKey, decodeKeyring, encodeKeyring, keyForEpoch } from './keyring.ts'
import { openRecord, sealRecord } from './recordEnvelope.ts'

// A patient's keyring as the app makes it: every epoch's key derived from their secret.
const secret = sha256(utf8ToBytes('keyring test: the patient\'s encryption secret'))
const owner = '0x1111111111111111111111111111111111111111'
const patientKeyring = (current: number) => derivedKeyring(secret, owner, current)

describe('epoch keyring', () => {
  it('starts at epoch 0 with a 32-byte key', () => {
    const a = patientKeyring(0)
    expect(a.current).toBe(0)
    expect(currentKey(a).key).toHaveLength(32)
  })

  it('moves to a new epoch with a new key, keeps the old ones readable and leaves the old keyring as it was', () => {
    const first = patientKeyring(0)
    const second = addEpochKey(first, 1, deriveDataKey(secret, owner, 1))
    expect(second.current).toBe(1)
    expect(keyForEpoch(second, 0)).toEqual(keyForEpoch(first, 0))
    expect(keyForEpoch(second, 1)).not.toEqual(keyForEpoch(second, 0))
    expect(first.current).toBe(0)
    expect(first.keys.has(1)).toBe(false)

    const old = sealRecord(utf8ToBytes('before revocation'), keyForEpoch(first, 0), { recordId: 'a', epoch: 0, writer: 'p' })
    expect(openRecord(old, keyForEpoch(second, old.epoch), 'p')).toEqual(utf8ToBytes('before revocation'))
  })

  it('a reader holds only the epochs wrapped for them, and is told plainly about the others', () => {
    const patient = patientKeyring(2)
    const reader = addEpochKey(undefined, 1, keyForEpoch(patient, 1))
    expect(reader.current).toBe(1)
    expect(() => keyForEpoch(reader, 2)).toThrow(CryptoError)
    expect(() => keyForEpoch(reader, 2)).toThrow(/No data key for epoch 2: this record was written after your access ended/)
  })

  it('refuses to replace a known epoch key with a different one', () => {
    const ring = patientKeyring(0)
    expect(addEpochKey(ring, 0, keyForEpoch(ring, 0))).toBe(ring)
    expect(() => addEpochKey(ring, 0, new Uint8Array(32))).toThrow(/already known/)
    expect(() => addEpochKey(ring, -1, new Uint8Array(32))).toThrow(/epoch/)
    expect(() => addEpochKey(ring, 1, new Uint8Array(31))).toThrow(/32 bytes; got 31/)
  })

  it('encodes to bytes and back', () => {
    const ring = patientKeyring(2)
    const bytes = encodeKeyring(ring)
    expect(bytes).toHaveLength(9 + 3 * 36)
    const back = decodeKeyring(bytes)
    expect(back.current).toBe(2)
    expect([...back.keys.entries()]).toEqual([...ring.keys.entries()])
    expect(() => decodeKeyring(bytes.subarray(0, 20))).toThrow(/wrong length/)
    expect(() => decodeKeyring(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0))).toThrow(/unknown format/)
  })
})
