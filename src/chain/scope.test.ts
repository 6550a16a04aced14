import { describe, expect, it } from 'vitest'
import { ChainError } from './ChainError.ts'
import { decodeScope, describeScope, encodeScope, MAY_WRITE_BIT, recordCategories } from './scope.ts'

describe('scope encoding', () => {
  it('gives each category the bit of its place, conditions first', () => {
    expect(recordCategories.map((category) => encodeScope({ categories: [category], mayWrite: false }))).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256])
  })

  it('sets the write bit (bit 15) for write access', () => {
    expect(encodeScope({ categories: ['conditions', 'medications'], mayWrite: true })).toBe(0b11 | MAY_WRITE_BIT)
    expect(MAY_WRITE_BIT).toBe(0x8000)
  })

  it('matches the contract test vectors: every category with write access is 0x81FF', () => {
    expect(encodeScope({ categories: recordCategories, mayWrite: true })).toBe(0x81ff)
  })

  it('refuses a scope of nothing, even with write access', () => {
    expect(() => encodeScope({ categories: [], mayWrite: false })).toThrow(ChainError)
    expect(() => encodeScope({ categories: [], mayWrite: true })).toThrow('Choose at least one kind of record')
  })

  it('refuses a category it does not know', () => {
    expect(() => encodeScope({ categories: ['dreams' as never], mayWrite: false })).toThrow('"dreams" is not a record category')
  })

  it('round-trips every mask the contract accepts', () => {
    for (let mask = 1; mask <= 0x1ff; mask++) {
      for (const write of [0, MAY_WRITE_BIT]) {
        expect(encodeScope(decodeScope(mask | write))).toBe(mask | write)
      }
    }
  })

  it('decodes a mask in category order', () => {
    expect(decodeScope(0b1_1000_0001 | MAY_WRITE_BIT)).toEqual({ categories: ['conditions', 'familyHistory', 'notes'], mayWrite: true })
  })

  it('refuses a mask from the chain with bits the app does not know', () => {
    expect(() => decodeScope(1 << 9)).toThrow('update the app')
    expect(() => decodeScope(0x10000)).toThrow(ChainError)
  })
})

describe('describeScope', () => {
  it('lists the categories in words, in their order', () => {
    expect(describeScope({ categories: ['medications', 'conditions'], mayWrite: false })).toBe('read access to conditions, medications')
  })

  it('says when the doctor may also write', () => {
    expect(describeScope({ categories: ['familyHistory'], mayWrite: true })).toBe('read and write access to family history')
  })

  it('says "all records" for every category', () => {
    expect(describeScope({ categories: recordCategories, mayWrite: false })).toBe('read access to all records')
  })
})
