import { describe, expect, it } from 'vitest'
import { entryKey } from './amendments.ts'
import { buildDiagnosticChains, recordLinks } from './diagnosticChains.ts'
import { createEntry, type Address, type HistoryEntry } from './historyEntry.ts'
import { DOCTOR, fixtureRecords, NOW, OTHER_DOCTOR, PATIENT } from '../../test/fixtures/recordFixtures.ts'
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

  it('gives the links to draw, by entry key (writer and entry id) and field', () => {
    const links = chains[1]?.links ?? []
    const key = (id: string): string => entryKey(byRecord(id))
    expect(links).toContainEqual({ from: key('ibuprofen'), to: key('knee-oa'), field: 'MedicationRequest.reasonReference' })
    expect(links).toContainEqual({ from: key('knee-oa'), to: key('knee-mri-report'), field: 'Condition.evidence.detail' })
    expect(links).toContainEqual({ from: key('knee-outcome'), to: key('follow-up'), field: 'ClinicalImpression.encounter' })
    expect(links).toContainEqual({ from: key('pain-score'), to: key('ibuprofen'), field: 'Observation.basedOn' })
  })

  it('follows references to the patient\'s record with a record id, not to another writer\'s copy written earlier', () => {
    const patientsKnee = createEntry({ record: records.osteoarthritis, writer: PATIENT, now: NOW, patient: PATIENT })
    // A doctor's Condition with the knee's record id, dated before every other entry.
    const copy = { ...createEntry({ record: records.osteoarthritis, writer: OTHER_DOCTOR, now: NOW, patient: PATIENT }), writtenAt: '2000-01-01T00:00:00.000Z' }
    const withCopy = buildDiagnosticChains([copy, ...entries.map((e) => (e === byRecord('knee-oa') ? patientsKnee : e))], { patient })
    const knee = withCopy.find((chain) => chain.diagnosis === patientsKnee)
    expect(stageIds(knee).therapy).toEqual(['ibuprofen', 'arthroscopy'])
    const copied = withCopy.find((chain) => chain.diagnosis === copy)
    // The copy keeps what it refers to itself; records that refer to "Condition/knee-oa" are not its.
    expect(stageIds(copied)).toMatchObject({ diagnosis: ['knee-oa'], therapy: [], followUp: [], outcome: [] })
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
