import { describe, expect, it } from 'vitest'
import { buildDiagnosticChains, bodySitesOf, entryPeriod, latestVersions, validateEntry } from '../history/index.ts'
import { snomedConceptIdProblem, loincProblem, SNOMED_CT, LOINC } from '../history/codeSystems.ts'
import { DEMO_PATIENT, syntheticPatient } from './syntheticPatient.ts'

describe('syntheticPatient', () => {
  it('is deterministic: the same seed gives the same entries and hashes', () => {
    const a = syntheticPatient({ seed: 7, records: 300 })
    const b = syntheticPatient({ seed: 7, records: 300 })
    expect(JSON.stringify(a.blocks)).toBe(JSON.stringify(b.blocks))
    const c = syntheticPatient({ seed: 8, records: 300 })
    expect(c.blocks.map((block) => block.entryHash)).not.toEqual(a.blocks.map((block) => block.entryHash))
  })

  it.each([50, 51, 400, 1234])('has exactly %i records', (records) => {
    expect(syntheticPatient({ records }).entries).toHaveLength(records)
  })

  it('refuses sizes outside 50 to 20,000', () => {
    expect(() => syntheticPatient({ records: 49 })).toThrow(RangeError)
    expect(() => syntheticPatient({ records: 20_001 })).toThrow(RangeError)
  })

  it('writes only valid entries about the demo patient, spanning decades', () => {
    for (const records of [50, 600]) {
      const demo = syntheticPatient({ records })
      for (const entry of demo.entries) validateEntry(entry, { now: demo.now, patient: DEMO_PATIENT })
      const starts = demo.entries.map((e) => entryPeriod(e).start)
      expect((Math.max(...starts) - Math.min(...starts)) / (365.25 * 86_400_000)).toBeGreaterThan(50)
    }
  })

  it('uses well-formed SNOMED CT and LOINC codes', () => {
    const demo = syntheticPatient({ records: 2000 })
    const codes = new Map<string, Set<string>>()
    JSON.stringify(demo.entries, (key, value: unknown) => {
      if (typeof value === 'object' && value !== null && 'system' in value && 'code' in value) {
        const { system, code } = value as { system: string; code: string }
        codes.set(system, (codes.get(system) ?? new Set()).add(code))
      }
      return value
    })
    for (const code of codes.get(SNOMED_CT) ?? []) expect(snomedConceptIdProblem(code), code).toBeUndefined()
    for (const code of codes.get(LOINC) ?? []) expect(loincProblem(code), code).toBeUndefined()
  })

  it('gives every diagnosis a complete chain: request, therapy, follow-up and outcome', () => {
    const demo = syntheticPatient({ records: 800 })
    const chains = buildDiagnosticChains(demo.entries, { patient: DEMO_PATIENT })
    expect(chains.length).toBeGreaterThan(10)
    for (const chain of chains) {
      for (const stage of ['request', 'therapy', 'followUp', 'outcome'] as const) expect(chain.stages[stage].length, `${chain.diagnosis.record.id ?? ''} ${stage}`).toBeGreaterThan(0)
    }
  })

  it('has the left knee story: two conditions, one active, one corrected by the surgeon', () => {
    const demo = syntheticPatient({ records: 50 })
    const latest = latestVersions(demo.entries, { patient: DEMO_PATIENT })
    const knee = latest.filter((e) => e.record.resourceType === 'Condition' && bodySitesOf(e.record).some((s) => s.code === '72696002' && s.laterality === 'left'))
    expect(knee).toHaveLength(2)
    expect(demo.entries.filter((e) => e.amends !== undefined)).toHaveLength(1)
  })

  it('links the blocks by hash, with forks that merge, and verdicts from the anchor', () => {
    const demo = syntheticPatient({ records: 500, tamper: true })
    const hashes = new Set<string>()
    for (const block of demo.blocks) {
      for (const previous of block.previous) expect(hashes.has(previous)).toBe(true)
      hashes.add(block.entryHash)
    }
    expect(hashes.size).toBe(demo.blocks.length)
    expect(demo.blocks.some((b) => b.previous.length === 2)).toBe(true)
    expect(demo.blocks.filter((b) => b.verdict === 'broken')).toHaveLength(1)
    expect(demo.blocks.at(-1)?.verdict).toBe('unanchored')
    expect(demo.blocks[0]?.verdict).toBe('verified')
    expect(syntheticPatient({ records: 500 }).blocks.some((b) => b.verdict === 'broken')).toBe(false)
  })
})
