import { describe, expect, it } from 'vitest'
import { emergencySummary, storedProfile } from '../../emergency/index.ts'
import { createEntry, exportBundle, type HistoryRecord } from '../../history/index.ts'
import { readSharedRecords } from './sharedRecords.ts'

const PATIENT = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const NOW = Date.parse('2026-06-01T12:00:00Z')
const allergy: HistoryRecord = {
  resourceType: 'AllergyIntolerance',
  id: 'pen',
  patient: { reference: `Patient/${PATIENT}` },
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  code: { text: 'Penicillin <img src=x onerror=alert(1)>' },
  criticality: 'high'
}
const entries = [createEntry({ record: allergy, writer: PATIENT, patient: PATIENT, now: NOW })]

describe('what a recipient sees of a shared link', () => {
  it('reads an exported Bundle as records by category, leaving out the Patient and the Provenances', () => {
    const read = readSharedRecords([exportBundle(entries, { patient: PATIENT, now: NOW })])
    expect(read.summary).toBeUndefined()
    expect(read.groups).toEqual([{ category: 'allergies', rows: [{ label: 'Penicillin <img src=x onerror=alert(1)>', kind: 'allergy', when: expect.any(String) as string }] }])
    expect(read.left).toBe(0)
  })

  it('reads an International Patient Summary as its sections', () => {
    const { bundle } = emergencySummary({ patient: PATIENT, entries, profile: storedProfile(entries, PATIENT).profile, now: NOW })
    const read = readSharedRecords([bundle])
    expect(read.summary?.sections.find((section) => section.lines.some((line) => line.includes('Penicillin')))).toBeDefined()
    expect(read.groups).toEqual([])
  })

  it('counts what it does not show: unknown resources and invalid records', () => {
    const read = readSharedRecords([{ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Device' } }, { resource: { resourceType: 'Condition' } }, 'text'] }])
    expect(read).toEqual({ groups: [], left: 3 })
  })
})
