// A card's code is untrusted input: whatever text a damaged or hostile code holds, reading it gives
// a card or an EmergencyError with a message, never another error; and every card written reads back.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fuzzRuns } from '../../test/support/fuzz.ts'
import { parseCardLink } from './cardLink.ts'
import { CARD_HEADER, formatCard, parseCard, readCard, type OfflineTier } from './emergencyCard.ts'
import { EmergencyError } from './EmergencyError.ts'
import { BLOOD_GROUPS } from './emergencyProfile.ts'

const only = (run: () => unknown): void => {
  try {
    run()
  } catch (error) {
    if (!(error instanceof EmergencyError)) throw error
    expect(error.message.length).toBeGreaterThan(10)
  }
}

const TAGS = ['NAME', 'BLOOD', 'SEVERE ALLERGY', 'ALLERGY', 'DIRECTIVE', 'CONDITIONS', 'MEDICINES', 'CONTACT', 'LANGUAGE', 'ORGAN DONOR', 'FULL', 'OTHER']
const line = fc.tuple(fc.constantFrom(...TAGS), fc.constantFrom(': ', ':', ' '), fc.string({ unit: 'binary', maxLength: 40 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined })).map(
  ([tag, sep, value, extra]) => `${tag}${sep}${value}${extra === undefined ? '' : ` | ${extra}`}`
)
const words = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s !== '' && !/[|;\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s))
const tier: fc.Arbitrary<OfflineTier> = fc.record(
  {
    name: words,
    bloodGroup: fc.constantFrom(...BLOOD_GROUPS),
    allergies: fc.array(fc.record({ substance: words, critical: fc.boolean(), reaction: words }, { requiredKeys: ['substance', 'critical'] }), { maxLength: 5 }),
    conditions: fc.array(words, { maxLength: 5 }),
    medicines: fc.array(words, { maxLength: 5 }),
    contacts: fc.array(fc.record({ name: words, phone: fc.stringMatching(/^\+?[0-9][0-9 ]{4,12}[0-9]$/), relation: words }, { requiredKeys: ['name', 'phone'] }), { maxLength: 4 }),
    language: words,
    organDonor: fc.boolean()
  },
  { requiredKeys: ['allergies', 'conditions', 'medicines', 'contacts'] }
)

describe('reading a card from an untrusted code', () => {
  it('gives a card or an EmergencyError for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => only(() => parseCard(text))), { numRuns: fuzzRuns() })
  })

  it('gives a card or an EmergencyError for a card header and any lines', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        only(() => parseCard([CARD_HEADER, ...lines].join('\n')))
        expect(readCard([CARD_HEADER, ...lines].join('\n'))).toBeDefined()
      }),
      { numRuns: fuzzRuns() }
    )
  })

  it('gives a link or an EmergencyError for any text or bytes', () => {
    const base64url = fc.uint8Array({ maxLength: 300 }).map((b) => btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), base64url, base64url.map((t) => `AQ${t}`)), (text) => only(() => parseCardLink(text))), { numRuns: fuzzRuns() })
  })

  it('reads back every card it writes, allergies of high risk first', () => {
    fc.assert(
      fc.property(tier, (written) => {
        const read = parseCard(formatCard(written)).tier
        const sorted = [...written.allergies].sort((a, b) => Number(b.critical) - Number(a.critical))
        expect(read).toEqual({ ...written, allergies: sorted })
      }),
      { numRuns: fuzzRuns() }
    )
  })
})
