import decodeQR from 'qr/decode.js'
import { describe, expect, it } from 'vitest'
import { DEMO_NOW, demoPatient } from '../history/index.ts'
import { CARD_KEY_LENGTH, formatCardLink } from './cardLink.ts'
import { cardQrModules, cardQrVersion } from './cardQrCode.ts'
import { CARD_BUDGET_BYTES, CARD_HEADER, fitCard, formatCard, offlineTier, parseCard, readCard, type OfflineTier } from './emergencyCard.ts'
import { EmergencyError } from './EmergencyError.ts'
import type { EmergencyProfile } from './emergencyProfile.ts'
import { summaryItems } from './emergencySummary.ts'

const LINK = formatCardLink({
  patient: '0xd3e0000000000000000000000000000000000001',
  keeper: '/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
  key: new Uint8Array(CARD_KEY_LENGTH).fill(9),
  expires: 1_830_000_000,
  flags: ['L']
})
/** The demo patient's emergency profile: a blood group and a contact. */
const PROFILE: EmergencyProfile = {
  bloodGroup: 'O-',
  contacts: [{ name: 'Ada Demo', relation: 'daughter', phone: '+44 20 7946 0000' }],
  implants: [],
  excluded: [],
  offCard: []
}

function demoCard(profile = PROFILE) {
  const demo = demoPatient({ records: 400 })
  const items = summaryItems({ patient: demo.patient, entries: demo.entries, profile, now: DEMO_NOW })
  return fitCard(offlineTier(items, profile, LINK))
}

/** The text a QR reader gets from the code's modules, drawn at 4 pixels a module. */
function scan(modules: boolean[][]): string {
  const scale = 4
  const size = modules.length * scale
  const data = new Uint8Array(size * size * 4).fill(255)
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) data.fill(0, ((y * scale + dy) * size + x * scale + dx) * 4, ((y * scale + dy) * size + x * scale + dx) * 4 + 3)
    })
  )
  return decodeQR({ width: size, height: size, data })
}

describe("the demo patient's card", () => {
  it('holds blood group, allergies, conditions, medicines and a contact, with the link, in a version 15 code at most', () => {
    const { text, tier, leftOff } = demoCard()
    expect(text.split('\n')[0]).toBe(CARD_HEADER)
    expect(tier.bloodGroup).toBe('O-')
    expect(tier.allergies).toEqual([{ substance: 'Penicillin', critical: true, reaction: 'Urticaria' }])
    expect(tier.conditions).toEqual(['Hypertensive disorder', 'Diabetes mellitus type 2', 'Osteoarthritis of knee'])
    expect(tier.medicines).toEqual(['Amlodipine', 'Metformin', 'Ibuprofen'])
    expect(tier.contacts).toEqual(PROFILE.contacts)
    expect(leftOff).toEqual([])
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(CARD_BUDGET_BYTES)
    expect(cardQrVersion(text)).toBeLessThanOrEqual(15)
  })

  it('reads back from its QR code, the link included, names with accents too', () => {
    const { text } = demoCard({ ...PROFILE, name: 'José Ñúñez' })
    const read = parseCard(scan(cardQrModules(text)))
    expect(read.tier.name).toBe('José Ñúñez')
    expect(read.link?.patient).toBe('0xd3e0000000000000000000000000000000000001')
    expect(read.link?.key).toEqual(new Uint8Array(CARD_KEY_LENGTH).fill(9))
  })

  it('leaves off what the patient keeps in the summary but not on the card', () => {
    const { tier } = demoCard({ ...PROFILE, offCard: ['profile:bloodGroup', 'profile:contact:0'] })
    expect(tier.bloodGroup).toBeUndefined()
    expect(tier.contacts).toEqual([])
    const demo = demoPatient({ records: 400 })
    const items = summaryItems({ patient: demo.patient, entries: demo.entries, profile: PROFILE, now: DEMO_NOW })
    const diabetes = items.find((i) => i.label === 'Diabetes mellitus type 2')?.key ?? ''
    const offCard = offlineTier(items, { ...PROFILE, offCard: [diabetes] })
    expect(offCard.conditions).toEqual(['Hypertensive disorder', 'Osteoarthritis of knee'])
    expect(items.find((i) => i.key === diabetes)?.included).toBe(true)
  })

  it('leaves off, and names, what does not fit, keeping allergies and the first contact', () => {
    const many: EmergencyProfile = { ...PROFILE, name: 'Demo Patient', language: 'Portuguese', organDonor: true, contacts: [...PROFILE.contacts, { name: 'Second Contact', phone: '+44 20 7946 0001' }] }
    const { tier, leftOff } = fitCard(offlineTier(summaryItems({ patient: '0xd3e0000000000000000000000000000000000001', entries: demoPatient({ records: 400 }).entries, profile: many, now: DEMO_NOW }), many, LINK))
    expect(tier.allergies).toHaveLength(1)
    expect(tier.contacts[0]?.name).toBe('Ada Demo')
    expect(leftOff.length).toBeGreaterThan(0)
    expect(tier.name).toBe('Demo Patient')
    expect(leftOff.at(-1)).toBe('Organ donor')
    // Strict order: once something does not fit, nothing after it sneaks in.
    expect(tier.organDonor).toBeUndefined()
  })
})

const refusal = (text: unknown): EmergencyError => {
  try {
    parseCard(text)
  } catch (error) {
    expect(error).toBeInstanceOf(EmergencyError)
    return error as EmergencyError
  }
  throw new Error('the card was accepted')
}

describe('parseCard', () => {
  const tier: OfflineTier = {
    bloodGroup: 'A+',
    allergies: [
      { substance: 'Latex', critical: false },
      { substance: 'Peanuts', critical: true, reaction: 'Anaphylaxis' }
    ],
    conditions: ['Epilepsy'],
    medicines: ['Levetiracetam'],
    contacts: [{ name: 'Sam', phone: '+1 555 0100' }]
  }

  it('puts allergies of high risk first, whatever the order of the lines', () => {
    expect(parseCard(formatCard(tier)).tier.allergies.map((a) => a.substance)).toEqual(['Peanuts', 'Latex'])
  })

  it('tells a code that is no card, a newer card and a damaged one apart', () => {
    expect(refusal('https://example.org/').code).toBe('NOT_A_CARD')
    expect(refusal(42).code).toBe('NOT_A_CARD')
    expect(refusal('ANAMNESIS EMERGENCY CARD 2\nBLOOD: A+').code).toBe('UNSUPPORTED_VERSION')
    const text = formatCard(tier)
    expect(refusal(`${text}\nBLOOD: B+`).message).toMatch(/line \d+ gives BLOOD a second time/)
    expect(refusal(text.replace('BLOOD: A+', 'BLOOD: C+')).message).toMatch(/blood group "C\+"/)
    expect(refusal(`${text}\nPASSWORD: x`).message).toMatch(/not part of an emergency card/)
    expect(refusal(`${text}\nCONTACT: Sam | call me`).message).toMatch(/phone number/)
    expect(refusal(`${text}\nDIRECTIVE: a\u0007b`).message).toMatch(/control characters/)
    expect(refusal(`${text}\nLANGUAGE: ${'x'.repeat(121)}`).message).toMatch(/too long/)
    expect(refusal(`${CARD_HEADER}\nCONDITIONS: ${Array(13).fill('x').join('; ')}`).message).toMatch(/more than 12/)
    expect(refusal(`${CARD_HEADER}\nMEDICINES: a;; b`).message).toMatch(/not "a; b; c"|empty/)
    expect(refusal(`${text}\nCONDITIONS: again`).message).toMatch(/second time/)
  })

  it('keeps the offline tier of a card whose link is damaged, and says why the rest cannot be reached', () => {
    const read = parseCard(`${formatCard(tier)}\nFULL: ${LINK.slice(0, 40)}`)
    expect(read.tier.bloodGroup).toBe('A+')
    expect(read.link).toBeUndefined()
    expect(read.linkProblem).toMatch(/cut short/)
  })

  it('readCard never throws: it gives the card or the message to show', () => {
    expect(readCard('hello')).toEqual({ error: expect.stringMatching(/not an Anamnesis emergency card/) as unknown })
    expect(readCard(formatCard(tier))).toMatchObject({ card: { tier: { bloodGroup: 'A+' } } })
  })
})
