import { describe, expect, it } from 'vitest'
import { ChainError } from './ChainError.ts'
import { decodeTerms, encodeTerms, MAX_EMERGENCY_GRANT_SECONDS, MAX_GRANT_SECONDS, prepareTerms, toUnixSeconds } from './grantTerms.ts'

const now = 1_780_272_000n // 1 June 2026, 00:00 UTC
const read = { categories: ['conditions', 'medications'] as const, mayWrite: false }

describe('grant terms', () => {
  it('packs the expiry into bits 0-63 and the scope into bits 64-79, as the contract stores them', () => {
    expect(encodeTerms({ expiry: now + 1n, scope: read })).toBe((now + 1n) | (3n << 64n))
    expect(encodeTerms({ expiry: 1n, scope: { categories: ['notes'], mayWrite: true } })).toBe(1n | (0x8100n << 64n))
  })

  it('reads back what it packs', () => {
    const terms = encodeTerms({ expiry: now + 86_400n, scope: read })
    expect(decodeTerms(terms)).toEqual({ expiry: now + 86_400n, scope: { categories: ['conditions', 'medications'], mayWrite: false } })
  })

  it('refuses terms from the chain with bits above the scope', () => {
    expect(() => decodeTerms(1n << 80n)).toThrow(ChainError)
  })

  it('takes a Date or unix seconds, rounding milliseconds down', () => {
    expect(toUnixSeconds(new Date(1_780_272_000_999))).toBe(now)
    expect(toUnixSeconds(now)).toBe(now)
    expect(() => toUnixSeconds(new Date('not a date'))).toThrow('not a valid date')
  })
})

describe('prepareTerms checks an expiry as the contract will', () => {
  it('accepts the first second after now and exactly one year', () => {
    expect(prepareTerms({ expiry: now + 1n, scope: read, now, maxSeconds: MAX_GRANT_SECONDS })).toBe((now + 1n) | (3n << 64n))
    expect(prepareTerms({ expiry: now + MAX_GRANT_SECONDS, scope: read, now, maxSeconds: MAX_GRANT_SECONDS })).toBe((now + MAX_GRANT_SECONDS) | (3n << 64n))
  })

  it('refuses an expiry that is now or in the past', () => {
    expect(() => prepareTerms({ expiry: now, scope: read, now, maxSeconds: MAX_GRANT_SECONDS })).toThrow('The end date has already passed')
    expect(() => prepareTerms({ expiry: new Date(0), scope: read, now, maxSeconds: MAX_GRANT_SECONDS })).toThrow(ChainError)
  })

  it('refuses a grant of a year and a second, naming the limit', () => {
    expect(() => prepareTerms({ expiry: now + MAX_GRANT_SECONDS + 1n, scope: read, now, maxSeconds: MAX_GRANT_SECONDS })).toThrow('at most one year')
  })

  it('refuses an emergency grant of 72 hours and a second, naming the limit', () => {
    expect(MAX_EMERGENCY_GRANT_SECONDS).toBe(259_200n)
    expect(() => prepareTerms({ expiry: now + MAX_EMERGENCY_GRANT_SECONDS + 1n, scope: read, now, maxSeconds: MAX_EMERGENCY_GRANT_SECONDS })).toThrow('at most 72 hours')
  })

  it('refuses an empty scope', () => {
    expect(() => prepareTerms({ expiry: now + 60n, scope: { categories: [], mayWrite: true }, now, maxSeconds: MAX_GRANT_SECONDS })).toThrow('at least one kind of record')
  })
})
