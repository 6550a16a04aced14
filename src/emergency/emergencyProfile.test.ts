import { describe, expect, it } from 'vitest'
import { EMPTY_PROFILE, parseProfile } from './emergencyProfile.ts'

describe('parseProfile', () => {
  it('keeps a sound profile, trimmed, empty texts left out', () => {
    expect(
      parseProfile({ name: ' Ada ', bloodGroup: 'B+', contacts: [{ name: 'Bob', phone: '+1 555 0100', relation: '' }], note: 'line one\nline two', language: '', implants: [], excluded: ['a', 'a'] })
    ).toEqual({ name: 'Ada', bloodGroup: 'B+', contacts: [{ name: 'Bob', phone: '+1 555 0100' }], note: 'line one\nline two', implants: [], excluded: ['a'], offCard: [] })
    expect(parseProfile({})).toEqual(EMPTY_PROFILE)
  })

  it('names the field at fault', () => {
    expect(() => parseProfile({ bloodGroup: 'Z' })).toThrow(/blood group must be one of/)
    expect(() => parseProfile({ contacts: [{ name: 'Bob', phone: 'call me' }] })).toThrow(/contact 1 phone must be a phone number/)
    expect(() => parseProfile({ contacts: [{ phone: '+1 555 0100' }] })).toThrow(/contact 1 name is missing/)
    expect(() => parseProfile({ name: 'a\nb' })).toThrow(/name must be one line/)
    expect(() => parseProfile({ name: 'x'.repeat(121) })).toThrow(/longer than 120/)
    expect(() => parseProfile({ password: 'x' })).toThrow(/password is not a field/)
    expect(() => parseProfile({ organDonor: 'yes' })).toThrow(/organ donor must be yes or no/)
    expect(() => parseProfile({ contacts: Array(5).fill({ name: 'a', phone: '123' }) })).toThrow(/more than 4/)
    expect(() => parseProfile([])).toThrow(/must be an object/)
  })
})
