import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { fitsUtf8, readU32be, strictUtf8Text, u32be, U32_MAX, utf8Bytes } from './binaryFields.ts'

describe('u32be and readU32be', () => {
  it('write and read a u32 big-endian, at either end of its range', () => {
    expect([...u32be(0x01020304)]).toEqual([1, 2, 3, 4])
    expect([...u32be(0)]).toEqual([0, 0, 0, 0])
    expect([...u32be(U32_MAX)]).toEqual([0xff, 0xff, 0xff, 0xff])
    for (const value of [0, 1, 255, 256, 0x7fff_ffff, 0x8000_0000, U32_MAX]) expect(readU32be(Uint8Array.of(9, ...u32be(value), 9), 1)).toBe(value)
  })

  it('read within a view of a larger buffer', () => {
    const bytes = Uint8Array.of(0xaa, 0xbb, 0, 0, 1, 0, 0xcc).subarray(2)
    expect(readU32be(bytes, 0)).toBe(256)
  })

  it('refuse a value that is not a u32, and a read past the end', () => {
    for (const value of [-1, 2 ** 32, 1.5, Number.NaN]) expect(() => u32be(value)).toThrow(CryptoError)
    expect(() => readU32be(Uint8Array.of(1, 2, 3), 0)).toThrow(RangeError)
    expect(() => readU32be(Uint8Array.of(1, 2, 3, 4, 5).subarray(2), 0)).toThrow(RangeError)
  })
})

describe('the UTF-8 helpers', () => {
  it('tell whether a text fits a number of bytes of UTF-8 at the bounds: 1, 2, 3 and 4 bytes a character', () => {
    expect(fitsUtf8('a'.repeat(255), 255)).toBe(true)
    expect(fitsUtf8('a'.repeat(256), 255)).toBe(false)
    expect(fitsUtf8('é'.repeat(127) + 'a', 255)).toBe(true)
    expect(fitsUtf8('é'.repeat(128), 255)).toBe(false)
    expect(fitsUtf8('€'.repeat(85), 255)).toBe(true)
    expect(fitsUtf8('€'.repeat(86), 255)).toBe(false)
    // Four bytes for two UTF-16 units: 63 fit in 255 bytes though their 126 units could take 378.
    expect(fitsUtf8('🩺'.repeat(63), 255)).toBe(true)
    expect(fitsUtf8('🩺'.repeat(64), 255)).toBe(false)
    // A lone surrogate is written as U+FFFD, three bytes.
    expect(fitsUtf8('\ud800'.repeat(85), 255)).toBe(true)
    expect(fitsUtf8('\ud800'.repeat(86), 255)).toBe(false)
  })

  it('agree with the UTF-8 length of any text, for any limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), fc.integer({ min: 0, max: 400 }), (text, maxBytes) => {
        expect(fitsUtf8(text, maxBytes)).toBe(new TextEncoder().encode(text).length <= maxBytes)
      }),
      { numRuns: 2000 }
    )
  })

  it('encode and decode UTF-8, and refuse bytes that are not UTF-8 when decoding', () => {
    expect(strictUtf8Text(utf8Bytes('rythme 🫀 régulier'))).toBe('rythme 🫀 régulier')
    expect(() => strictUtf8Text(Uint8Array.of(0x61, 0xff, 0x62))).toThrow(TypeError)
    // The decoder keeps nothing between calls: a truncated character is refused, and the next text reads whole.
    expect(() => strictUtf8Text(Uint8Array.of(0xe2, 0x82))).toThrow(TypeError)
    expect(strictUtf8Text(Uint8Array.of(0xe2, 0x82, 0xac))).toBe('€')
    // Byte for byte: a leading byte order mark is text, not dropped.
    expect(strictUtf8Text(utf8Bytes('\ufeffid'))).toBe('\ufeffid')
  })

  it('refuse to encode what is not a string, rather than write it as other bytes', () => {
    expect(() => utf8Bytes(undefined as unknown as string)).toThrow(TypeError)
    expect(() => utf8Bytes(123 as unknown as string)).toThrow(TypeError)
  })
})
