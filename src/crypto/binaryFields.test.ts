import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { readU32be, u32be, U32_MAX } from './binaryFields.ts'

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
