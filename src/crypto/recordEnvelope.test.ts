import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import {
  decodeEnvelope,
  encodeEnvelope,
  openRecord,
  parseEnvelope,
  recordAssociatedData,
  sealRecord,
  sealRecordWithNonce,
  type RecordBinding,
  type RecordEnvelope
} from './recordEnvelope.ts'

const key = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
const otherKey = new Uint8Array(32).fill(7)
const patient = '0x1111111111111111111111111111111111111111'
const doctor = '0x2222222222222222222222222222222222222222'
const binding: RecordBinding = { recordId: '6f9619ff-8b86-4d11-b42d-00c04fc964ff', epoch: 3, writer: patient }
const plaintext = utf8ToBytes('{"resourceType":"AllergyIntolerance","code":{"text":"penicillin"}}')

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

function flip(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = bytes.slice()
  copy[index] = (copy[index] ?? 0) ^ (1 << bit)
  return copy
}

describe('recordAssociatedData', () => {
  it('is the documented layout: label, epoch, id and writer, each length-prefixed or fixed', () => {
    const aad = recordAssociatedData({ recordId: 'r1', epoch: 258, writer: 'w' })
    expect(bytesToHex(aad)).toBe(
      '0000001c' + bytesToHex(utf8ToBytes('anamnesis/record-envelope/v1')) + '00000102' + '00000002' + bytesToHex(utf8ToBytes('r1')) + '00000001' + '77'
    )
  })

  it('cannot be made equal by moving bytes between the id and the writer', () => {
    const a = recordAssociatedData({ recordId: 'ab', epoch: 0, writer: 'c' })
    const b = recordAssociatedData({ recordId: 'a', epoch: 0, writer: 'bc' })
    expect(bytesToHex(a)).not.toBe(bytesToHex(b))
  })

  it('refuses an empty record id or writer and an epoch outside u32', () => {
    expectCryptoError(() => recordAssociatedData({ ...binding, recordId: '' }), 'INVALID_INPUT', /record id/)
    expectCryptoError(() => recordAssociatedData({ ...binding, writer: '' }), 'INVALID_INPUT', /writer/)
    expectCryptoError(() => recordAssociatedData({ ...binding, epoch: -1 }), 'INVALID_INPUT', /epoch/)
    expectCryptoError(() => recordAssociatedData({ ...binding, epoch: 2 ** 32 }), 'INVALID_INPUT', /epoch/)
    expectCryptoError(() => recordAssociatedData({ ...binding, epoch: 1.5 }), 'INVALID_INPUT', /epoch/)
  })
})

describe('sealRecord and openRecord', () => {
  it('round-trips a record and carries the id and epoch in the clear, not the writer', () => {
    const envelope = sealRecord(plaintext, key, binding)
    expect(envelope).toMatchObject({ v: 1, id: binding.recordId, epoch: 3 })
    expect(envelope.nonce).toHaveLength(24)
    expect(Object.keys(envelope).sort()).toEqual(['ciphertext', 'epoch', 'id', 'nonce', 'v'])
    expect(openRecord(envelope, key, patient)).toEqual(plaintext)
  })

  it('uses a fresh nonce each time', () => {
    expect(bytesToHex(sealRecord(plaintext, key, binding).nonce)).not.toBe(bytesToHex(sealRecord(plaintext, key, binding).nonce))
  })

  it('is deterministic for a given nonce (a pinned known answer, so the format cannot drift)', () => {
    const nonce = hexToBytes('404142434445464748494a4b4c4d4e4f5051525354555657')
    const envelope = sealRecordWithNonce(utf8ToBytes('hello'), key, { recordId: 'r1', epoch: 0, writer: 'w' }, nonce)
    expect(envelope.ciphertext).toHaveLength(256 + 16)
    // Pinned when the format was fixed: a change here means old records no longer open.
    expect(bytesToHex(envelope.ciphertext.subarray(0, 16))).toBe('f10c73f133959836941277d3f6ae9d55')
    expect(bytesToHex(envelope.ciphertext.subarray(-16))).toBe('c49dd42358696ede47ef2d995f2d967b')
    expect(openRecord(envelope, key, 'w')).toEqual(utf8ToBytes('hello'))
  })

  it('pads: records of different small sizes give ciphertexts of one size', () => {
    const short = sealRecord(utf8ToBytes('{}'), key, binding)
    const longer = sealRecord(new Uint8Array(200).fill(65), key, binding)
    expect(short.ciphertext.length).toBe(longer.ciphertext.length)
  })

  it('opens an empty plaintext', () => {
    expect(openRecord(sealRecord(new Uint8Array(0), key, binding), key, patient)).toEqual(new Uint8Array(0))
  })

  describe('fails with a clear CryptoError, never garbage', () => {
    const envelope = sealRecord(plaintext, key, binding)
    const opens = (changed: RecordEnvelope, withKey = key, writer = patient) => () => openRecord(changed, withKey, writer)

    it('with the wrong key', () => {
      expectCryptoError(opens(envelope, otherKey), 'DECRYPTION_FAILED', /did not decrypt.*Nothing of it is shown/)
    })

    it('with a flipped bit in the ciphertext body', () => {
      expectCryptoError(opens({ ...envelope, ciphertext: flip(envelope.ciphertext, 0) }), 'DECRYPTION_FAILED', /did not decrypt/)
      expectCryptoError(opens({ ...envelope, ciphertext: flip(envelope.ciphertext, 100, 7) }), 'DECRYPTION_FAILED', /did not decrypt/)
    })

    it('with a flipped bit in the tag', () => {
      expectCryptoError(opens({ ...envelope, ciphertext: flip(envelope.ciphertext, envelope.ciphertext.length - 1) }), 'DECRYPTION_FAILED', /did not decrypt/)
    })

    it('with a flipped bit in the nonce', () => {
      expectCryptoError(opens({ ...envelope, nonce: flip(envelope.nonce, 23, 3) }), 'DECRYPTION_FAILED', /did not decrypt/)
    })

    it('moved to another record id', () => {
      expectCryptoError(opens({ ...envelope, id: '00000000-0000-4000-8000-000000000000' }), 'DECRYPTION_FAILED', /Record 00000000-0000-4000-8000-000000000000 \(epoch 3\)/)
    })

    it('moved to another epoch, even one whose key is the same', () => {
      expectCryptoError(opens({ ...envelope, epoch: 4 }), 'DECRYPTION_FAILED', /epoch 4/)
    })

    it('claimed by another writer', () => {
      expectCryptoError(opens(envelope, key, doctor), 'DECRYPTION_FAILED', new RegExp(`writer is not ${doctor}`))
    })

    it('truncated', () => {
      expectCryptoError(opens({ ...envelope, ciphertext: envelope.ciphertext.subarray(0, 20) }), 'DECRYPTION_FAILED', /did not decrypt/)
      expectCryptoError(opens({ ...envelope, ciphertext: envelope.ciphertext.subarray(0, 15) }), 'INVALID_ENVELOPE', /tag/)
    })

    it('with a key of the wrong length', () => {
      expectCryptoError(() => sealRecord(plaintext, new Uint8Array(16), binding), 'INVALID_KEY', /32 bytes; got 16/)
      expectCryptoError(opens(envelope, new Uint8Array(31)), 'INVALID_KEY', /32 bytes; got 31/)
    })
  })

  it('property: any plaintext, id, epoch and writer round-trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.string({ minLength: 1, maxLength: 60 }),
        (data, dataKey, recordId, epoch, writer) => {
          const envelope = sealRecord(data, dataKey, { recordId, epoch, writer })
          expect(openRecord(envelope, dataKey, writer)).toEqual(data)
          expect(openRecord(decodeEnvelope(encodeEnvelope(envelope)), dataKey, writer)).toEqual(data)
        }
      ),
      { numRuns: 200 }
    )
  })

  it('property: any single flipped bit of nonce or ciphertext is refused', () => {
    const envelope = sealRecord(plaintext, key, binding)
    const length = envelope.nonce.length + envelope.ciphertext.length
    fc.assert(
      fc.property(fc.integer({ min: 0, max: length - 1 }), fc.integer({ min: 0, max: 7 }), (index, bit) => {
        const changed =
          index < 24
            ? { ...envelope, nonce: flip(envelope.nonce, index, bit) }
            : { ...envelope, ciphertext: flip(envelope.ciphertext, index - 24, bit) }
        expect(() => openRecord(changed, key, patient)).toThrow(CryptoError)
      }),
      { numRuns: 300 }
    )
  })
})

describe('envelope encoding', () => {
  it('encodes to the documented bytes and back', () => {
    const envelope = sealRecord(plaintext, key, binding)
    const bytes = encodeEnvelope(envelope)
    expect(bytes[0]).toBe(1)
    expect(bytesToHex(bytes.subarray(1, 5))).toBe('00000003')
    expect(bytes[5]).toBe(36)
    expect(bytes.length).toBe(1 + 4 + 1 + 36 + 24 + envelope.ciphertext.length)
    expect(decodeEnvelope(bytes)).toEqual(envelope)
  })

  it('refuses malformed envelopes from a peer with a reason', () => {
    const envelope = sealRecord(plaintext, key, binding)
    expectCryptoError(() => parseEnvelope(null), 'INVALID_ENVELOPE', /expected an object/)
    expectCryptoError(() => parseEnvelope({ ...envelope, v: 2 }), 'INVALID_ENVELOPE', /version 2/)
    expectCryptoError(() => parseEnvelope({ ...envelope, id: 5 }), 'INVALID_ENVELOPE', /id/)
    expectCryptoError(() => parseEnvelope({ ...envelope, epoch: '3' }), 'INVALID_ENVELOPE', /epoch/)
    expectCryptoError(() => parseEnvelope({ ...envelope, nonce: new Uint8Array(12) }), 'INVALID_ENVELOPE', /nonce must be 24 bytes/)
    expectCryptoError(() => parseEnvelope({ ...envelope, ciphertext: [1, 2, 3] }), 'INVALID_ENVELOPE', /ciphertext/)
    expectCryptoError(() => decodeEnvelope(new Uint8Array(3)), 'INVALID_ENVELOPE', /too short/)
    expectCryptoError(() => decodeEnvelope(Uint8Array.of(9, 0, 0, 0, 0, 0, 0)), 'INVALID_ENVELOPE', /version 9/)
    expectCryptoError(() => decodeEnvelope(encodeEnvelope(envelope).subarray(0, 50)), 'INVALID_ENVELOPE', /truncated/)
  })
})
