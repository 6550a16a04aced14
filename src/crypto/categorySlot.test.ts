import { describe, expect, it } from 'vitest'
import { categorySlot, MAX_EPOCH, parseKeyField } from './categorySlot.ts'

describe('the epoch field of a wrapped key', () => {
  it('names a whole epoch below 2^27, and a category of an epoch at 2^31 and above', () => {
    expect(parseKeyField(0)).toEqual({ epoch: 0 })
    expect(parseKeyField(MAX_EPOCH)).toEqual({ epoch: MAX_EPOCH })
    expect(parseKeyField(categorySlot(0, 0))).toEqual({ epoch: 0, category: 0 })
    expect(parseKeyField(categorySlot(MAX_EPOCH, 15))).toEqual({ epoch: MAX_EPOCH, category: 15 })
    expect(categorySlot(MAX_EPOCH, 15)).toBe(0xffff_ffff)
  })

  it('never reads a whole epoch as a slot: a number between the two names nothing and is refused', () => {
    // A whole epoch numbered 2^31 + 37 would read as category 5 of epoch 2: a key filed in the wrong place.
    for (const field of [MAX_EPOCH + 1, 2 ** 31 - 1, -1, 1.5, 2 ** 32]) expect(() => parseKeyField(field)).toThrow(/names an epoch from 0 to 134217727 or a category slot/)
    expect(() => categorySlot(MAX_EPOCH + 1, 0)).toThrow(/epoch is an integer from 0 to 134217727/)
    expect(() => categorySlot(1, 16)).toThrow(/category is an integer from 0 to 15/)
  })
})
