import { describe, expect, it } from 'vitest'
import { createEntry, validateRecord, type HistoryEntry, type HistoryRecord } from '../history/index.ts'
import { EMPTY_PROFILE, type EmergencyProfile } from './emergencyProfile.ts'
import { profileRecord, readCardInUse, readProfileRecord, storedProfile } from './profileRecord.ts'

const PATIENT = '0x1111111111111111111111111111111111111111'
const DOCTOR = '0x2222222222222222222222222222222222222222'
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0)
const PROFILE: EmergencyProfile = {
  name: 'Ada',
  bloodGroup: 'AB-',
  contacts: [
    { name: 'Bob', relation: 'husband', phone: '+1 555 0100' },
    { name: 'Eve', phone: '+1 555 0101' }
  ],
  advanceDirective: 'Do not resuscitate',
  organDonor: false,
  language: 'French',
  implants: ['Pacemaker', 'Hip replacement, left'],
  note: 'Two lines\nof note',
  excluded: ['Condition/htn', 'profile:organDonor'],
  offCard: ['profile:bloodGroup', 'AllergyIntolerance/pen']
}
const write = (record: HistoryRecord, writer = PATIENT, amends?: HistoryEntry, now = NOW): HistoryEntry =>
  createEntry({ record, writer, patient: PATIENT, now, ...(amends === undefined ? {} : { amends: amends.id }) })

describe('the emergency profile as a record of the history', () => {
  it('is a record the history accepts, and reads back the same', () => {
    for (const profile of [PROFILE, EMPTY_PROFILE]) {
      const record = profileRecord(profile, PATIENT, NOW)
      expect(validateRecord(record, { now: NOW, patient: PATIENT })).toBe(record)
      expect(readProfileRecord(record)).toEqual(profile)
    }
  })

  it("is the latest version of the patient's own profile; a doctor's is ignored", () => {
    const first = write(profileRecord(EMPTY_PROFILE, PATIENT, NOW - 1000), PATIENT, undefined, NOW - 1000)
    const second = write(profileRecord(PROFILE, PATIENT, NOW), PATIENT, first)
    const stored = storedProfile([first, second], PATIENT)
    expect(stored).toEqual({ profile: PROFILE, entryId: second.id, savedAt: NOW })
    const forged = write(profileRecord({ ...EMPTY_PROFILE, bloodGroup: 'O+' }, PATIENT, NOW), DOCTOR)
    expect(storedProfile([forged], PATIENT)).toEqual({ profile: EMPTY_PROFILE })
    expect(storedProfile([first, second, forged], PATIENT).profile.bloodGroup).toBe('AB-')
    expect(storedProfile([], PATIENT)).toEqual({ profile: EMPTY_PROFILE })
  })

  it('says why a stored profile cannot be read, and starts from an empty one', () => {
    const record = profileRecord(PROFILE, PATIENT, NOW)
    const root = record.extension?.[0]
    root?.extension?.push({ url: 'https://anamnesis.health/fhir/StructureDefinition/emergency-profile-password', valueString: 'x' })
    const stored = storedProfile([write(record)], PATIENT)
    expect(stored.profile).toEqual(EMPTY_PROFILE)
    expect(stored.problem).toMatch(/part this app does not know/)
    const badGroup = profileRecord(PROFILE, PATIENT, NOW)
    const group = badGroup.extension?.[0]?.extension?.find((e) => e.url.endsWith('-bloodGroup'))
    if (group !== undefined) group.valueCode = 'Z'
    expect(storedProfile([write(badGroup)], PATIENT).problem).toMatch(/blood group must be one of/)
  })

  it('keeps the card in use with the profile, and an incomplete card is no card', () => {
    const card = { key: Uint8Array.from({ length: 32 }, (_, i) => i), keeper: '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWKeeper', expires: 1_800_000_000 }
    const record = profileRecord(PROFILE, PATIENT, NOW, card)
    expect(validateRecord(record, { now: NOW, patient: PATIENT })).toBe(record)
    expect(readProfileRecord(record)).toEqual(PROFILE)
    const stored = storedProfile([write(record)], PATIENT)
    expect(stored.card).toEqual(card)
    expect(stored.profile).toEqual(PROFILE)
    const cut = profileRecord(PROFILE, PATIENT, NOW, card)
    const cardPart = cut.extension?.[0]?.extension?.find((e) => e.url.endsWith('-card'))
    cardPart?.extension?.splice(0, 1)
    expect(readCardInUse(cut)).toBeUndefined()
    expect(storedProfile([write(profileRecord(PROFILE, PATIENT, NOW))], PATIENT).card).toBeUndefined()
  })
})
