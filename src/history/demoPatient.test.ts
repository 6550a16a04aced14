import { describe, expect, it } from 'vitest'
import { bodySitesOf } from './bodySite.ts'
import { LOINC, loincProblem, SNOMED_CT, snomedConceptIdProblem } from './codeSystems.ts'
import { DEMO_NOW, DEMO_PATIENT, DEMO_WRITERS, demoPatient } from './demoPatient.ts'
import { buildDiagnosticChains } from './diagnosticChains.ts'
import { latestVersions } from './amendments.ts'
import { validateEntry } from './historyEntry.ts'
import { entryPeriod } from './recordPeriod.ts'
import { validateRecord } from './validateRecord.ts'

describe('demoPatient', () => {
  it('is deterministic: the same seed gives the same entries', () => {
    const a = demoPatient({ seed: 7, records: 300 })
    const b = demoPatient({ seed: 7, records: 300 })
    expect(JSON.stringify(a.entries)).toBe(JSON.stringify(b.entries))
    const c = demoPatient({ seed: 8, records: 300 })
    expect(JSON.stringify(c.entries)).not.toBe(JSON.stringify(a.entries))
  })

  it.each([50, 51, 400, 1234])('has exactly %i records', (records) => {
    expect(demoPatient({ records }).entries).toHaveLength(records)
  })

  it('refuses sizes outside 50 to 20,000', () => {
    expect(() => demoPatient({ records: 49 })).toThrow(RangeError)
    expect(() => demoPatient({ records: 20_001 })).toThrow(RangeError)
    expect(() => demoPatient({ records: 50.5 })).toThrow(RangeError)
  })

  it('writes only valid entries about the demo patient, by the demo writers before the demo now, spanning decades', () => {
    const writers = new Set<string>(Object.values(DEMO_WRITERS).map((w) => w.address))
    for (const records of [50, 600]) {
      const demo = demoPatient({ records })
      expect(demo.now).toBe(DEMO_NOW)
      for (const entry of demo.entries) {
        validateEntry(entry, { now: demo.now, patient: DEMO_PATIENT })
        validateRecord(entry.record, { now: demo.now, patient: DEMO_PATIENT })
        expect(writers.has(entry.writer)).toBe(true)
      }
      const starts = demo.entries.map((e) => entryPeriod(e).start)
      expect((Math.max(...starts) - Math.min(...starts)) / (365.25 * 86_400_000)).toBeGreaterThan(50)
    }
  })

  it('uses well-formed SNOMED CT and LOINC codes', () => {
    const demo = demoPatient({ records: 2000 })
    const codes = new Map<string, Set<string>>()
    JSON.stringify(demo.entries, (key, value: unknown) => {
      if (typeof value === 'object' && value !== null && 'system' in value && 'code' in value) {
        const { system, code } = value as { system: string; code: string }
        codes.set(system, (codes.get(system) ?? new Set()).add(code))
      }
      return value
    })
    expect(codes.get(SNOMED_CT)?.size).toBeGreaterThan(20)
    expect(codes.get(LOINC)?.size).toBeGreaterThan(5)
    for (const code of codes.get(SNOMED_CT) ?? []) expect(snomedConceptIdProblem(code), code).toBeUndefined()
    for (const code of codes.get(LOINC) ?? []) expect(loincProblem(code), code).toBeUndefined()
  })

  it('gives every diagnosis a complete chain: request, therapy, follow-up and outcome', () => {
    const demo = demoPatient({ records: 800 })
    const chains = buildDiagnosticChains(demo.entries, { patient: DEMO_PATIENT })
    expect(chains.length).toBeGreaterThan(10)
    for (const chain of chains) {
      for (const stage of ['request', 'therapy', 'followUp', 'outcome'] as const) expect(chain.stages[stage].length, `${chain.diagnosis.record.id ?? ''} ${stage}`).toBeGreaterThan(0)
    }
  })

  it('has the left knee story: two conditions, one active, one corrected by the surgeon', () => {
    const demo = demoPatient({ records: 50 })
    const latest = latestVersions(demo.entries, { patient: DEMO_PATIENT })
    const knee = latest.filter((e) => e.record.resourceType === 'Condition' && bodySitesOf(e.record).some((s) => s.code === '72696002' && s.laterality === 'left'))
    expect(knee).toHaveLength(2)
    const corrections = demo.entries.filter((e) => e.amends !== undefined)
    expect(corrections).toHaveLength(1)
    expect(corrections[0]?.writer).toBe(DEMO_WRITERS.surgeon.address)
    expect(corrections[0]?.record).toMatchObject({ resourceType: 'Condition', severity: { text: 'Moderate' } })
  })

  it('keeps its results series with their reference ranges', () => {
    const demo = demoPatient({ records: 1000 })
    const hba1c = demo.entries.filter((e) => e.record.resourceType === 'Observation' && e.record.code.coding?.[0]?.code === '4548-4')
    expect(hba1c.length).toBeGreaterThan(20)
    for (const { record } of hba1c) {
      expect(record).toMatchObject({ valueQuantity: { unit: '%' }, referenceRange: [{ low: { value: 4 }, high: { value: 5.6 } }] })
    }
  })
})
