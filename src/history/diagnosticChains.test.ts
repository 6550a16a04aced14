import { describe, expect, it } from 'vitest'
import { buildDiagnosticChains, recordLinks } from './diagnosticChains.ts'
import { createEntry, type Address, type HistoryEntry } from './historyEntry.ts'
import { DOCTOR, fixtureRecords, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import type { HistoryRecord } from './recordTypes.ts'

const patient = PATIENT as Address
let minute = 0
const write = (record: HistoryRecord, amends?: HistoryEntry): HistoryEntry =>
  createEntry({ record, writer: DOCTOR, now: NOW + ++minute * 60_000, patient: PATIENT, ...(amends === undefined ? {} : { amends: amends.id }) })

const records = fixtureRecords()
const entries = Object.values(records).map((record) => write(record))
const byRecord = (id: string): HistoryEntry => {
  const found = entries.find((e) => e.record.id === id)
  if (found === undefined) throw new Error(`no fixture ${id}`)
  return found
}
const stageIds = (chain: ReturnType<typeof buildDiagnosticChains>[number] | undefined) =>
  Object.fromEntries(Object.entries(chain?.stages ?? {}).map(([stage, members]) => [stage, members.map((e) => e.record.id)]))

describe('recordLinks', () => {
  it('lists each local reference with its field, leaving out the subject', () => {
    expect(recordLinks(records.followUp)).toEqual([
      { field: 'Encounter.reasonReference', target: 'Condition/knee-oa' },
      { field: 'Encounter.diagnosis.condition', target: 'Procedure/arthroscopy' }
    ])
  })
})

describe('buildDiagnosticChains', () => {
  const chains = buildDiagnosticChains(entries, { patient })

  it('builds one chain per diagnosis, in time order', () => {
    expect(chains.map((c) => c.diagnosis.record.id)).toEqual(['hypertension', 'knee-oa'])
  })

  it('the knee: request → diagnosis → therapy → follow-up → outcome', () => {
    expect(stageIds(chains[1])).toEqual({
      request: ['knee-mri', 'cartilage', 'knee-mri-report'],
      diagnosis: ['knee-oa'],
      therapy: ['ibuprofen', 'arthroscopy'],
      followUp: ['follow-up', 'pain-score'],
      outcome: ['knee-outcome']
    })
  })

  it('gives the links to draw, by entry id and field', () => {
    const links = chains[1]?.links ?? []
    expect(links).toContainEqual({ from: byRecord('ibuprofen').id, to: byRecord('knee-oa').id, field: 'MedicationRequest.reasonReference' })
    expect(links).toContainEqual({ from: byRecord('knee-oa').id, to: byRecord('knee-mri-report').id, field: 'Condition.evidence.detail' })
    expect(links).toContainEqual({ from: byRecord('knee-outcome').id, to: byRecord('follow-up').id, field: 'ClinicalImpression.encounter' })
    expect(links).toContainEqual({ from: byRecord('pain-score').id, to: byRecord('ibuprofen').id, field: 'Observation.basedOn' })
  })

  it('the hypertension: a therapy and a follow-up, nothing from the knee', () => {
    expect(stageIds(chains[0])).toEqual({ request: [], diagnosis: ['hypertension'], therapy: ['amlodipine'], followUp: ['systolic'], outcome: [] })
  })

  it('keeps a corrected record in its chain, in its latest version', () => {
    const corrected = write({ ...records.ibuprofen, dosageInstruction: [{ text: '200 mg twice a day' }] }, byRecord('ibuprofen'))
    const knee = buildDiagnosticChains([...entries, corrected], { patient })[1]
    expect(knee?.stages.therapy.map((e) => e.id)).toContain(corrected.id)
    expect(knee?.stages.therapy.map((e) => e.id)).not.toContain(byRecord('ibuprofen').id)
  })

  it('a record that links to no diagnosis is in no chain', () => {
    const inChains = new Set(chains.flatMap((c) => Object.values(c.stages).flat().map((e) => e.record.id)))
    expect(inChains.has('penicillin')).toBe(false)
    expect(inChains.has('flu-2023')).toBe(false)
    expect(inChains.has('father')).toBe(false)
  })
})
