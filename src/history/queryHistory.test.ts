import { describe, expect, it } from 'vitest'
import { CONDITION_VERIFICATION } from './codeSystems.ts'
import { createEntry, type Address, type HistoryEntry } from './historyEntry.ts'
import { queryHistory } from './queryHistory.ts'
import { DOCTOR, fixtureRecords, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import type { HistoryRecord } from './recordTypes.ts'

const patient = PATIENT as Address
let minute = 0
const write = (record: HistoryRecord, amends?: HistoryEntry): HistoryEntry =>
  createEntry({ record, writer: DOCTOR, now: NOW + ++minute * 60_000, patient: PATIENT, ...(amends === undefined ? {} : { amends: amends.id }) })

const records = fixtureRecords()
const entries = Object.values(records).map((record) => write(record))
const ids = (found: HistoryEntry[]): (string | undefined)[] => found.map((e) => e.record.id)

describe('queryHistory', () => {
  it('with no filter gives every record, in time order', () => {
    const found = queryHistory(entries, {}, { patient })
    expect(found).toHaveLength(entries.length)
    expect(ids(found).slice(0, 3)).toEqual(['penicillin', 'hypertension', 'amlodipine'])
  })

  it('by category', () => {
    expect(ids(queryHistory(entries, { categories: ['allergies'] }))).toEqual(['penicillin'])
    expect(ids(queryHistory(entries, { categories: ['medications'] }))).toEqual(['amlodipine', 'ibuprofen'])
    expect(ids(queryHistory(entries, { categories: ['conditions', 'familyHistory'] }))).toEqual(['hypertension', 'knee-oa', 'father'])
  })

  it('by record type', () => {
    expect(ids(queryHistory(entries, { types: ['Observation'] }))).toEqual(['cartilage', 'pain-score', 'systolic'])
  })

  it('by time range: what overlaps it, ongoing records included', () => {
    const june2024 = queryHistory(entries, { from: '2024-06-01', to: '2024-06-30' })
    expect(ids(june2024)).toEqual(['penicillin', 'hypertension', 'amlodipine', 'knee-oa', 'ibuprofen', 'arthroscopy'])
    expect(ids(queryHistory(entries, { from: '2023-10', to: '2023-10' }))).toEqual(['penicillin', 'hypertension', 'amlodipine', 'flu-2023'])
    expect(ids(queryHistory(entries, { from: Date.UTC(2025, 0, 1), categories: ['results'] }))).toEqual(['systolic'])
  })

  it('by body site, left knee apart from right knee', () => {
    const leftKnee = queryHistory(entries, { bodySite: { code: '72696002', laterality: 'left' } })
    expect(ids(leftKnee)).toEqual(['knee-mri', 'cartilage', 'knee-oa', 'arthroscopy'])
    expect(queryHistory(entries, { bodySite: { code: '72696002', laterality: 'right' } })).toEqual([])
    expect(queryHistory(entries, { bodySite: { code: '72696002' } })).toHaveLength(4)
    expect(ids(queryHistory(entries, { bodySite: { code: ['368208006', '80891009'] } }))).toEqual(['flu-2023'])
  })

  it('uses the latest version, and leaves out records entered in error', () => {
    const oa = entries.find((e) => e.record.id === 'knee-oa')
    if (oa === undefined) throw new Error('fixture missing')
    const retracted = write({ ...records.osteoarthritis, clinicalStatus: undefined, verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'entered-in-error' }] } }, oa)
    const history = [...entries, retracted]
    expect(ids(queryHistory(history, { categories: ['conditions'] }, { patient }))).toEqual(['hypertension'])
    expect(queryHistory(history, { categories: ['conditions'], includeEnteredInError: true }, { patient }).map((e) => e.id)).toContain(retracted.id)
  })

  it('refuses a malformed date bound, naming it', () => {
    expect(() => queryHistory(entries, { from: '2024-13' })).toThrow('query.from has no month 13')
  })
})
