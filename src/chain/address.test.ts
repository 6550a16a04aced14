import { describe, expect, it } from 'vitest'
import { parseAddress, shortAddress } from './address.ts'

describe('parseAddress', () => {
  it('returns the checksummed address, whatever the case it was typed in', () => {
    expect(parseAddress(' 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 ', 'doctor')).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
  })

  it('names the role and the expected form when the text is not an address', () => {
    expect(() => parseAddress('0x1234', 'doctor')).toThrow(/The doctor's address "0x1234" is not an Ethereum address: it should be 0x followed by 40 hexadecimal digits/)
  })

  it('catches a mistyped character through the checksum', () => {
    expect(() => parseAddress('0x70997970C51812dc3A010C7d01b50e0d17dc79C9', 'guardian')).toThrow(/has a typo/)
  })

  it('refuses the zero address', () => {
    expect(() => parseAddress('0x0000000000000000000000000000000000000000', 'patient')).toThrow(/cannot be the zero address/)
  })
})

describe('shortAddress', () => {
  it('keeps the first and last four hex digits, in the case given', () => {
    expect(shortAddress('0x12Aa000000000000000000000000000000000Cab')).toBe('0x12Aa…0Cab')
  })
})
