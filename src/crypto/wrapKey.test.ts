import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { firstEpochKeyring, newEpochKey } from './deriveDataKey.ts'
import { categoryKey } from './categoryKeys.ts'
import { parseKeyField } from './categorySlot.ts'
import { addEpochKey, type EpochKeyring } from './keyring.ts'
import {
  decodeWrappedKey,
  decodeWrappedKeys,
  encodeWrappedKey,
  encodeWrappedKeys,
  parseWrappedKey,
  unwrapDataKey,
  wrapDataKey,
  wrapDataKeyWith,
  wrapInfo,
  wrapKeyringFor,
  WRAPPED_KEY_LENGTH,
  type WrappedKey
} from './wrapKey.ts'
import vectors from './vectors/rfc7748-x25519.json' with { type: 'json' }

const doctorSecret = hexToBytes(vectors.diffieHellman.bobPrivate)
const doctorPublic = hexToBytes(vectors.diffieHellman.bobPublic)
const strangerSecret = hexToBytes(vectors.diffieHellman.alicePrivate)
const dataKey = new Uint8Array(32).map((_, i) => i)

function expectCryptoError(run: () => unknown, code: CryptoError['code'], message: RegExp): void {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(CryptoError)
  expect((caught as CryptoError).code).toBe(code)
  expect((caught as CryptoError).message).toMatch(message)
}

const flip = (bytes: Uint8Array, index: number): Uint8Array => {
  const copy = bytes.slice()
  copy[index] = (copy[index] ?? 0) ^ 1
  return copy
}

describe('wrapDataKey and unwrapDataKey', () => {
  it('the reader unwraps the data key of the epoch', () => {
    const wrapped = wrapDataKey(dataKey, doctorPublic, 5)
    expect(wrapped.epoch).toBe(5)
    expect(wrapped.ciphertext).toHaveLength(48)
    expect(unwrapDataKey(wrapped, doctorSecret)).toEqual(dataKey)
  })

  it('uses a fresh ephemeral key each time, so two wraps share nothing', () => {
    const a = wrapDataKey(dataKey, doctorPublic, 1)
    const b = wrapDataKey(dataKey, doctorPublic, 1)
    expect(bytesToHex(a.ephemeralPublicKey)).not.toBe(bytesToHex(b.ephemeralPublicKey))
    expect(bytesToHex(a.ciphertext)).not.toBe(bytesToHex(b.ciphertext))
  })

  it('binds both public keys and the epoch in the HKDF info, with a domain label', () => {
    const ephemeral = new Uint8Array(32).fill(0xee)
    expect(bytesToHex(wrapInfo(258, ephemeral, doctorPublic))).toBe(
      '0000001a' + bytesToHex(utf8ToBytes('anamnesis/wrap-data-key/v1')) + '00000102' + 'ee'.repeat(32) + vectors.diffieHellman.bobPublic
    )
  })

  it('is deterministic for given randomness (pinned, so the format cannot drift)', () => {
    const wrapped = wrapDataKeyWith(dataKey, doctorPublic, 0, strangerSecret, new Uint8Array(24))
    expect(bytesToHex(wrapped.ephemeralPublicKey)).toBe(vectors.diffieHellman.alicePublic)
    expect(unwrapDataKey(wrapped, doctorSecret)).toEqual(dataKey)
    expect(bytesToHex(encodeWrappedKey(wrapped))).toBe(bytesToHex(encodeWrappedKey(wrapDataKeyWith(dataKey, doctorPublic, 0, strangerSecret, new Uint8Array(24)))))
  })

  describe('fails with a clear CryptoError', () => {
    const wrapped = wrapDataKey(dataKey, doctorPublic, 2)
    const unwraps = (changed: WrappedKey, secret = doctorSecret) => () => unwrapDataKey(changed, secret)

    it('for a reader it was not wrapped for', () => {
      expectCryptoError(unwraps(wrapped, strangerSecret), 'UNWRAP_FAILED', /epoch 2 was not wrapped for this encryption key/)
    })

    it('with a flipped bit in the sealed key, its tag, the nonce or the ephemeral key', () => {
      expectCryptoError(unwraps({ ...wrapped, ciphertext: flip(wrapped.ciphertext, 0) }), 'UNWRAP_FAILED', /was not wrapped|altered/)
      expectCryptoError(unwraps({ ...wrapped, ciphertext: flip(wrapped.ciphertext, 47) }), 'UNWRAP_FAILED', /altered/)
      expectCryptoError(unwraps({ ...wrapped, nonce: flip(wrapped.nonce, 10) }), 'UNWRAP_FAILED', /altered/)
      expectCryptoError(unwraps({ ...wrapped, ephemeralPublicKey: flip(wrapped.ephemeralPublicKey, 3) }), 'UNWRAP_FAILED', /altered/)
    })

    it('relabelled with another epoch', () => {
      expectCryptoError(unwraps({ ...wrapped, epoch: 3 }), 'UNWRAP_FAILED', /epoch 3/)
    })

    it('for a low-order reader key, whose shared secret would be zero', () => {
      expectCryptoError(() => wrapDataKey(dataKey, new Uint8Array(32), 0), 'INVALID_KEY', /low-order/)
      const lowOrder = hexToBytes('0100000000000000000000000000000000000000000000000000000000000000')
      expectCryptoError(() => wrapDataKey(dataKey, lowOrder, 0), 'INVALID_KEY', /low-order/)
    })

    it('for keys of the wrong length', () => {
      expectCryptoError(() => wrapDataKey(new Uint8Array(16), doctorPublic, 0), 'INVALID_KEY', /data key has 32 bytes; got 16/)
      expectCryptoError(() => wrapDataKey(dataKey, new Uint8Array(33), 0), 'INVALID_KEY', /public key has 32 bytes; got 33/)
      expectCryptoError(unwraps(wrapped, new Uint8Array(31)), 'INVALID_KEY', /secret key has 32 bytes; got 31/)
    })
  })

  it('property: any data key and epoch round-trip through the binary form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (key, epoch, readerSecret) => {
        const readerPublic = x25519.getPublicKey(readerSecret)
        const bytes = encodeWrappedKey(wrapDataKey(key, readerPublic, epoch))
        expect(bytes).toHaveLength(WRAPPED_KEY_LENGTH)
        expect(unwrapDataKey(decodeWrappedKey(bytes), readerSecret)).toEqual(key)
      }),
      { numRuns: 100 }
    )
  })
})

describe('wrapped key encoding', () => {
  it('is 109 bytes: version, epoch, ephemeral key, nonce, sealed key', () => {
    const wrapped = wrapDataKey(dataKey, doctorPublic, 7)
    const bytes = encodeWrappedKey(wrapped)
    expect(bytes).toHaveLength(109)
    expect(bytesToHex(bytes.subarray(0, 5))).toBe('0100000007')
    expect(bytes.subarray(5, 37)).toEqual(wrapped.ephemeralPublicKey)
    expect(bytes.subarray(37, 61)).toEqual(wrapped.nonce)
    expect(bytes.subarray(61)).toEqual(wrapped.ciphertext)
    expect(decodeWrappedKey(bytes)).toEqual(wrapped)
  })

  it('refuses malformed input with a reason', () => {
    const wrapped = wrapDataKey(dataKey, doctorPublic, 7)
    expectCryptoError(() => decodeWrappedKey(new Uint8Array(108)), 'INVALID_WRAPPED_KEY', /expected 109 bytes, got 108 bytes/)
    expectCryptoError(() => decodeWrappedKey(new Uint8Array(109)), 'INVALID_WRAPPED_KEY', /version 0/)
    expectCryptoError(() => parseWrappedKey({ ...wrapped, ciphertext: new Uint8Array(32) }), 'INVALID_WRAPPED_KEY', /48 bytes/)
    expectCryptoError(() => parseWrappedKey({ ...wrapped, ephemeralPublicKey: 'x' }), 'INVALID_WRAPPED_KEY', /ephemeral/)
    expectCryptoError(() => parseWrappedKey('nope'), 'INVALID_WRAPPED_KEY', /expected an object/)
  })
})

describe('a keyring wrapped for one reader', () => {
  it('carries every key of every epoch, oldest first, and the reader unwraps each one; a stranger none', () => {
    const secondOfTwo = newEpochKey()
    const keyring = addEpochKey(addEpochKey(addEpochKey(firstEpochKeyring(strangerSecret, '0x1111111111111111111111111111111111111111'), 2, newEpochKey()), 1, newEpochKey()), 2, secondOfTwo)
    const bytes = encodeWrappedKeys(wrapKeyringFor(keyring, doctorPublic))
    expect(bytes).toHaveLength(4 * WRAPPED_KEY_LENGTH)
    const keys = decodeWrappedKeys(bytes)
    expect(keys.map((key) => key.epoch)).toEqual([0, 1, 2, 2])
    expect(keys.map((key) => unwrapDataKey(key, doctorSecret))).toEqual([...keyring.keys.get(0) ?? [], ...keyring.keys.get(1) ?? [], ...keyring.keys.get(2) ?? []])
    expect(unwrapDataKey(keys[3] as WrappedKey, doctorSecret)).toEqual(secondOfTwo)
    expect(() => unwrapDataKey(keys[2] as WrappedKey, strangerSecret)).toThrow(CryptoError)
  })

  it("hands on the category keys a guardian holds, only the categories asked for, each key once", () => {
    const patientKeyring = addEpochKey(firstEpochKeyring(strangerSecret, '0x1111111111111111111111111111111111111111'), 1, newEpochKey())
    // What the patient's drops gave the guardian: categories 2 and 5 of both epochs, epoch 1's category 2 twice.
    let guardianKeyring: EpochKeyring | undefined
    for (const wrapped of [...wrapKeyringFor(patientKeyring, doctorPublic, [2, 5]), ...wrapKeyringFor(patientKeyring, doctorPublic, [2])]) {
      guardianKeyring = addEpochKey(guardianKeyring, wrapped.epoch, unwrapDataKey(wrapped, doctorSecret))
    }
    if (guardianKeyring === undefined) throw new Error('no keyring')
    expect(guardianKeyring.keys.size).toBe(0)
    const treating = x25519.keygen()
    const handed = wrapKeyringFor(guardianKeyring, treating.publicKey, [2, 7])
    expect(handed.map((key) => parseKeyField(key.epoch))).toEqual([
      { epoch: 0, category: 2 },
      { epoch: 1, category: 2 }
    ])
    expect(handed.map((key) => unwrapDataKey(key, treating.secretKey))).toEqual([categoryKey(patientKeyring.keys.get(0)?.[0] ?? new Uint8Array(), 2), categoryKey(patientKeyring.keys.get(1)?.[0] ?? new Uint8Array(), 2)])
    // A whole keyring asked for categories gives the same keys as the categories derived from it.
    expect(wrapKeyringFor(patientKeyring, treating.publicKey, [2]).map((key) => unwrapDataKey(key, treating.secretKey))).toEqual(handed.map((key) => unwrapDataKey(key, treating.secretKey)))
  })

  it('refuses a list cut short or empty', () => {
    const bytes = encodeWrappedKeys(wrapKeyringFor(firstEpochKeyring(strangerSecret, '0x1111111111111111111111111111111111111111'), doctorPublic))
    expectCryptoError(() => decodeWrappedKeys(bytes.subarray(0, 100)), 'INVALID_WRAPPED_KEY', /multiple of 109 bytes, got 100 bytes/)
    expectCryptoError(() => decodeWrappedKeys(new Uint8Array(0)), 'INVALID_WRAPPED_KEY', /multiple of 109/)
  })
})
