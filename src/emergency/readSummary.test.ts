import { describe, expect, it } from 'vitest'
import { createEntry, type HistoryRecord } from '../history/index.ts'
import { EMPTY_PROFILE } from './emergencyProfile.ts'
import { emergencySummary } from './emergencySummary.ts'
import { readSummary } from './readSummary.ts'

const PATIENT = '0x1111111111111111111111111111111111111111'
const NOW = Date.UTC(2026, 11, 5, 10, 0, 0)
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const allergy: HistoryRecord = {
  resourceType: 'AllergyIntolerance',
  id: 'pen',
  patient: { reference: `Patient/${PATIENT}` },
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  code: { text: 'Penicillin <b>&</b>' },
  criticality: 'high'
}

describe('reading a released emergency summary', () => {
  it('gives its sections in words, allergies first, and says which are empty', () => {
    const entries = [createEntry({ record: allergy, writer: PATIENT, patient: PATIENT, now: NOW })]
    const { bundle } = emergencySummary({ patient: PATIENT, entries, profile: { ...EMPTY_PROFILE, name: 'Ada', bloodGroup: 'O-' }, now: NOW })
    const read = readSummary(encode(bundle))
    expect(read.title).toBe('Emergency summary of Ada')
    expect(read.sections[0]?.title).toBe('Allergies and intolerances')
    expect(read.sections[0]?.lines.join(' ')).toContain('Penicillin <b>&</b>')
    expect(read.sections.find((s) => s.title === 'Current medicines')).toEqual({ title: 'Current medicines', lines: [], empty: true })
    expect(read.sections.some((s) => s.lines.some((line) => line.includes('O-')))).toBe(true)
  })

  it('puts allergies first whatever order the document gives', () => {
    const { bundle } = emergencySummary({ patient: PATIENT, entries: [], profile: EMPTY_PROFILE, now: NOW })
    const composition = bundle.entry?.[0]?.resource
    if (composition?.resourceType === 'Composition') composition.section?.reverse()
    expect(readSummary(encode(bundle)).sections[0]?.title).toBe('Allergies and intolerances')
  })

  it('refuses bytes that are not an emergency summary, with words', () => {
    expect(() => readSummary(new Uint8Array([0xff, 0xfe]))).toThrow(/not a FHIR document/)
    expect(() => readSummary(encode({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Composition', type: { coding: [{ code: '11488-4' }] } } }] }))).toThrow(
      /not an emergency summary/
    )
  })
})
