import { describe, expect, it } from 'vitest'
import { AnamnesisError } from './AnamnesisError.ts'
import { errorMessage } from './errorMessage.ts'
import { isStorageFull, STORAGE_FULL_MESSAGE } from './storageFull.ts'

const quota = (): DOMException => new DOMException('The quota has been exceeded.', 'QuotaExceededError')

describe('isStorageFull', () => {
  it("knows IndexedDB's and the Cache API's QuotaExceededError, and Firefox's older name", () => {
    expect(isStorageFull(quota())).toBe(true)
    expect(isStorageFull(new DOMException('', 'NS_ERROR_DOM_QUOTA_REACHED'))).toBe(true)
  })

  it('finds it down a chain of causes', () => {
    expect(isStorageFull(new AnamnesisError('WRAPPED', 'outer', { cause: new Error('mid', { cause: quota() }) }))).toBe(true)
  })

  it('is false for other failures, plain values and a cause chain that loops', () => {
    expect(isStorageFull(new DOMException('', 'AbortError'))).toBe(false)
    expect(isStorageFull(new Error('QuotaExceededError'))).toBe(false)
    expect(isStorageFull('QuotaExceededError')).toBe(false)
    expect(isStorageFull(undefined)).toBe(false)
    const a = new Error('a')
    Object.assign(a, { cause: new Error('b', { cause: a }) })
    expect(isStorageFull(a)).toBe(false)
  })
})

describe('errorMessage of a full disk', () => {
  it("says what to do instead of the browser's own words", () => {
    expect(errorMessage(quota())).toBe(STORAGE_FULL_MESSAGE)
    expect(STORAGE_FULL_MESSAGE).toMatch(/^Your browser has no room left to store this: nothing was written\. Free space on this device/)
  })

  it("leaves a domain error's own message alone", () => {
    expect(errorMessage(new AnamnesisError('STORAGE_FULL', 'No room for this record.', { cause: quota() }))).toBe('No room for this record.')
  })
})
