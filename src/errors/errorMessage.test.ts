import { BaseError, UserRejectedRequestError } from 'viem'
import { describe, expect, it } from 'vitest'
import { AnamnesisError } from './AnamnesisError.ts'
import { errorMessage } from './errorMessage.ts'

describe('errorMessage', () => {
  it('gives a domain error its message, not its details', () => {
    expect(errorMessage(new AnamnesisError('X', 'Choose a date in the future.', { details: 'ExpiryNotInFuture' }))).toBe('Choose a date in the future.')
  })

  it("gives a viem error its short message, without viem's docs, details and version lines", () => {
    const error = new BaseError('HTTP request failed.', { details: 'fetch failed' })
    expect(error.message).toContain('Version:')
    expect(errorMessage(error)).toBe('HTTP request failed.')
    expect(errorMessage(new UserRejectedRequestError(new Error('no')))).toBe('User rejected the request.')
  })

  it("gives a plain Error its message, or its name when the message is empty", () => {
    expect(errorMessage(new Error('Camera not allowed'))).toBe('Camera not allowed')
    expect(errorMessage(new DOMException('', 'NotAllowedError'))).toBe('NotAllowedError')
  })

  it('reads a string, a wallet’s plain rejection object and anything else', () => {
    expect(errorMessage('timed out')).toBe('timed out')
    expect(errorMessage({ code: 4001, message: 'User rejected the request.' })).toBe('User rejected the request.')
    expect(errorMessage(42)).toBe('42')
    expect(errorMessage(undefined)).toBe('undefined')
    expect(errorMessage({})).toBe('[object Object]')
  })
})
