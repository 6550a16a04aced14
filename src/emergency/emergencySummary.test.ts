import type { Composition } from '@medplum/fhirtypes'
import { describe, expect, it } from 'vitest'
import { createEntry, draftAllergy, draftDiagnosis, draftMedication, type HistoryEntry, type HistoryRecord } from '../history/index.ts'
import { emergencySummary, summaryItems } from './emergencySummary.ts'
import { EMPTY_PROFILE, type EmergencyProfile } from './emergencyProfile.ts'

const PATIENT = '0x1111111111111111111111111111111111111111'
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0)
const context = (id: string) => ({ patient: PATIENT, now: NOW - 86_400_000, id })
const write = (record: HistoryRecord, amends?: HistoryEntry): HistoryEntry =>
  createEntry({ record, writer: PATIENT, patient: PATIENT, now: NOW, ...(amends === undefined ? {} : { amends: amends.id }) })

const penicillin = write(draftAllergy({ substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Hives' }, context('pen')))
const cats = write(draftAllergy({ substance: 'Cats', criticality: 'low' }, context('cats')))
const hypertension = write(draftDiagnosis({ icd10: 'I10', onset: '2019-05-02' }, context('htn')))
const amlodipine = write(draftMedication({ medicine: 'Amlodipine', dose: '5 mg every morning', linksTo: 'Condition/htn' }, context('amlo')))
const history: HistoryEntry[] = [
  penicillin,
  cats,
  hypertension,
  amlodipine,
  // Latest versions count: the dose was corrected.
  write(draftMedication({ medicine: 'Amlodipine', dose: '10 mg every morning', linksTo: 'Condition/htn' }, context('amlo')), amlodipine),
  // Cats was entered in error, a suspected asthma refuted, a sprain resolved, a medicine stopped.
  write({ ...cats.record, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'entered-in-error' }] }, clinicalStatus: undefined } as HistoryRecord, cats),
  write({ ...draftDiagnosis({ text: 'Asthma' }, context('asthma')), verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }] } }),
  write(draftDiagnosis({ text: 'Sprained ankle', onset: '2024-01-02', resolved: '2024-02-01' }, context('sprain'))),
  write({ ...(draftMedication({ medicine: 'Ibuprofen' }, context('ibu'))), status: 'stopped' })
]
const summarise = (profile: EmergencyProfile = EMPTY_PROFILE) => emergencySummary({ patient: PATIENT, entries: history, profile, now: NOW })
const sectionOf = (composition: Composition, code: string) => composition.section?.find((s) => s.code?.coding?.[0]?.code === code)

describe('emergencySummary', () => {
  it('keeps what matters in an emergency, from the latest version of each record', () => {
    const { items } = summarise()
    expect(items.map((i) => [i.section, i.label, i.detail])).toEqual([
      ['allergies', 'Penicillin', 'high risk; reaction: Hives'],
      ['problems', 'Essential (primary) hypertension', undefined],
      ['medications', 'Amlodipine', '10 mg every morning']
    ])
  })

  it('leaves out what the patient unticks, from the items, the narrative and the entries', () => {
    const before = summarise()
    const after = summarise({ ...EMPTY_PROFILE, excluded: ['Condition/htn'] })
    expect(after.items.find((i) => i.key === 'Condition/htn')?.included).toBe(false)
    const composition = after.bundle.entry?.[0]?.resource as Composition
    const problems = sectionOf(composition, '11450-4')
    // A required section emptied by the patient says nothing of what was left out.
    expect(problems?.entry).toBeUndefined()
    expect(problems?.emptyReason?.coding?.[0]?.code).toBe('unavailable')
    expect(JSON.stringify(after.bundle)).not.toContain('hypertension')
    expect(JSON.stringify(before.bundle)).toContain('hypertension')
    // The medicine's link to the left-out condition keeps no reference to it.
    const medicine = after.bundle.entry?.map((e) => e.resource).find((r) => r?.resourceType === 'MedicationStatement')
    expect(JSON.stringify(medicine)).not.toContain('Condition/htn')
  })

  it('puts the profile in: blood group, implants, contacts, language, directive, note', () => {
    const profile: EmergencyProfile = {
      name: 'Ada',
      bloodGroup: 'AB-',
      contacts: [{ name: 'Bob', relation: 'husband', phone: '+1 555 0100' }],
      advanceDirective: 'Do not resuscitate',
      organDonor: false,
      language: 'French',
      implants: ['Pacemaker'],
      note: 'Type 1 diabetic',
      excluded: ['profile:organDonor'],
      offCard: []
    }
    const { bundle, items } = summarise(profile)
    const json = JSON.stringify(bundle)
    for (const text of ['AB-', '278154007', 'Pacemaker', 'Bob', '+1 555 0100', 'French', 'Do not resuscitate', 'Type 1 diabetic']) expect(json).toContain(text)
    expect(json).not.toContain('Organ donor')
    expect(items.find((i) => i.key === 'profile:organDonor')?.included).toBe(false)
    const patient = bundle.entry?.[1]?.resource
    expect(patient).toMatchObject({ resourceType: 'Patient', id: PATIENT, name: [{ text: 'Ada' }], communication: [{ language: { text: 'French' }, preferred: true }] })
  })

  it('is the same document for the same input, and escapes the narrative', () => {
    expect(JSON.stringify(summarise())).toBe(JSON.stringify(summarise()))
    const { bundle } = summarise({ ...EMPTY_PROFILE, note: '<script>alert(1)</script> & more' })
    expect(JSON.stringify(bundle)).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more')
  })

  it('lists allergies of high risk first', () => {
    const mild = write(draftAllergy({ substance: 'Latex', criticality: 'low' }, context('latex')))
    const items = summaryItems({ patient: PATIENT, entries: [mild, ...history], profile: EMPTY_PROFILE, now: NOW })
    expect(items.filter((i) => i.section === 'allergies').map((i) => i.label)).toEqual(['Penicillin', 'Latex'])
  })
})
