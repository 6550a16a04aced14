import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { MIN_PADDED_LENGTH, pad, padmeLength, unpad } from './padding.ts'

describe('padmeLength', () => {
  it('rounds as the Padmé formula does: 2^(E-S) units, E = floor(log2 L), S = floor(log2 E) + 1', () => {
    expect([0, 1, 2, 3, 4, 8, 9, 10, 11, 100, 1000, 1024, 1025].map(padmeLength)).toEqual([0, 1, 2, 3, 4, 8, 10, 10, 12, 104, 1024, 1024, 1088])
  })

  it('never shrinks and adds at most 12 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 26 }), (length) => {
        const padded = padmeLength(length)
        expect(padded).toBeGreaterThanOrEqual(length)
        expect(padded).toBeLessThanOrEqual(length * 1.12 + 1)
      })
    )
  })
})

describe('pad and unpad', () => {
  it('round-trip any plaintext and give at least the minimum size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (data) => {
        const padded = pad(data)
        expect(padded.length).toBeGreaterThanOrEqual(MIN_PADDED_LENGTH)
        expect(unpad(padded)).toEqual(data)
      })
    )
  })

  it('refuse a length field beyond the data and non-zero padding', () => {
    const padded = pad(Uint8Array.of(1, 2, 3))
    const tooLong = padded.slice()
    tooLong[3] = 255
    expect(() => unpad(tooLong)).toThrow(/claims 255 bytes/)
    const dirty = padded.slice()
    dirty[200] = 1
    expect(() => unpad(dirty)).toThrow(CryptoError)
    expect(() => unpad(dirty)).toThrow(/non-zero padding/)
  })
})
