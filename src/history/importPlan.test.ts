import type { Bundle } from '@medplum/fhirtypes'
import { describe, expect, it } from 'vitest'
import { importFixture, syntheaBundle } from '../../test/fixtures/importFixtures.ts'
import { createEntry, type HistoryEntry } from './historyEntry.ts'
import { MAX_IMPORT_BYTES, readImportFile } from './importFile.ts'
import { IMPORT_EXTENSION, IMPORTED_TAG, readImportOrigin } from './importOrigin.ts'
import { planImport, previewImport, type ImportPlan, type ImportPlanOptions } from './importPlan.ts'
import { recordKey, type HistoryRecord } from './recordTypes.ts'
import { validateRecord } from './validateRecord.ts'

const PATIENT = '0x1111111111111111111111111111111111111111'
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0)
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))

function options(existing: readonly HistoryEntry[] = [], extra: Partial<ImportPlanOptions> = {}): ImportPlanOptions {
  return { patient: PATIENT, existing, importedAt: NOW, ...extra }
}
function plan(bytes: Uint8Array, name: string, opts: ImportPlanOptions = options()): ImportPlan {
  return planImport(readImportFile(bytes, name), opts)
}
/** The plan's records written, as the history would hold them. */
const written = (p: ImportPlan): HistoryEntry[] => p.records.map(({ record }) => createEntry({ record, writer: PATIENT, patient: PATIENT, now: NOW }))
const byType = (p: ImportPlan, type: string): HistoryRecord[] => p.records.map((r) => r.record).filter((r) => r.resourceType === type)
const keys = (p: ImportPlan): Set<string> => new Set(p.records.map((r) => recordKey(r.record)))

describe('importing a Synthea-shaped transaction bundle', () => {
  const bytes = importFixture('synthea-transaction.json')
  const synthea = plan(bytes, 'synthea-transaction.json')

  it('counts the records per category and imports only the patient the file is mostly about', () => {
    expect(synthea.people.map((p) => p.label)).toEqual(['Rosa Lind (born 1960-04-10)', 'Tomas Okafor (born 1961-04-11)', 'Ines Varga (born 1962-04-12)'])
    expect(synthea.subject).toBe(synthea.people[0]?.key)
    expect(synthea.records.length).toBe(synthea.people[0]?.records)
    expect(synthea.counts).toMatchObject({ conditions: 2, medications: 2, immunizations: 2, procedures: 1, results: 24, reports: 3, notes: 8 })
    expect(synthea.refused).toEqual([])
    expect(synthea.unreadable).toEqual([])
    expect(synthea.codeSystems.map((s) => s.name)).toEqual(['SNOMED CT', 'LOINC', 'ICD-10-CM', 'RxNorm', 'CVX'])
  })

  it('says which resource types it skips and why', () => {
    const reasons = Object.fromEntries(synthea.skipped.map((s) => [`${s.resourceType}: ${s.reason}`, s.count]))
    expect(reasons).toMatchObject({
      'Patient: the person: your history is about you, named by your wallet': 3,
      'Practitioner: people are kept as names on the records that mention them': 1,
      'Organization: organisations are kept as names on the records that mention them': 1,
      'Claim: billing is not kept in the history': 18,
      'ExplanationOfBenefit: billing is not kept in the history': 18
    })
    expect(synthea.skipped.find((s) => s.resourceType === 'Observation')?.reason).toBe('about someone else in the file (Tomas Okafor (born 1961-04-11))')
  })

  it('picks another person of the file when the patient says that is them', () => {
    const other = plan(bytes, 'synthea-transaction.json', options([], { subject: synthea.people[2]?.key ?? '' }))
    expect(other.records.length).toBe(synthea.people[2]?.records)
  })

  it('gives every record this patient and the history ids, and links them as the file did', () => {
    const planned = keys(synthea)
    for (const { record } of synthea.records) {
      expect(validateRecord(record, { now: NOW, patient: PATIENT })).toBe(record)
      const subject = 'subject' in record ? record.subject : 'patient' in record ? record.patient : undefined
      expect(subject?.reference).toBe(`Patient/${PATIENT}`)
    }
    const prescription = byType(synthea, 'MedicationRequest')[0]
    const reason = prescription?.resourceType === 'MedicationRequest' ? prescription.reasonReference?.[0]?.reference : undefined
    expect(reason).toMatch(/^Condition\//)
    expect(planned.has(reason ?? '')).toBe(true)
    for (const observation of byType(synthea, 'Observation')) {
      const encounter = observation.resourceType === 'Observation' ? observation.encounter?.reference : undefined
      expect(encounter).toMatch(/^Encounter\//)
      expect(planned.has(encounter ?? '')).toBe(true)
    }
    const report = byType(synthea, 'DiagnosticReport')[0]
    expect(report?.resourceType === 'DiagnosticReport' && report.result?.every((r) => planned.has(r.reference ?? ''))).toBe(true)
    // A conditional reference to a practitioner the history does not keep becomes their name.
    expect(prescription?.resourceType === 'MedicationRequest' && prescription.requester).toEqual({ display: 'Dr. Ana Moreno' })
  })

  it('keeps on each record where it came from: the file, the time, its id in the file, and a tag', () => {
    const record = synthea.records[0]?.record
    expect(record?.meta?.tag).toEqual([IMPORTED_TAG])
    expect(readImportOrigin(record)).toEqual({ file: 'synthea-transaction.json', importedAt: new Date(NOW).toISOString(), originalId: expect.stringMatching(/^urn:uuid:/) as unknown })
    expect(record?.extension?.filter((e) => e.url === IMPORT_EXTENSION)).toHaveLength(1)
  })

  it('adds nothing when the same file is imported again, even under another name', () => {
    const again = plan(bytes, 'renamed.json', options(written(synthea)))
    expect(again.records).toEqual([])
    expect(again.duplicates).toHaveLength(synthea.records.length)
  })
})

describe('importing a portal search result', () => {
  const portal = plan(importFixture('portal-searchset.json'), 'portal-searchset.json')

  it('keeps the portal as the source system and reads every match', () => {
    expect(portal.file).toMatchObject({ format: 'bundle', bundleType: 'searchset', source: 'https://fhir.riverside-portal.example.org/r4' })
    expect(portal.records.map((r) => r.record.resourceType).sort()).toEqual(['AllergyIntolerance', 'Condition', 'DiagnosticReport', 'Encounter', 'MedicationStatement', 'Observation', 'Procedure'])
    expect(portal.records.every((r) => r.record.meta?.source === 'https://fhir.riverside-portal.example.org/r4')).toBe(true)
    expect(portal.skipped.map((s) => s.resourceType).sort()).toEqual(['Medication', 'OperationOutcome', 'Patient', 'Practitioner'])
  })

  it("copies a Medication's code into the statement that names it, and keeps body sites and their codes", () => {
    const statement = byType(portal, 'MedicationStatement')[0]
    expect(statement?.resourceType === 'MedicationStatement' && statement.medicationCodeableConcept?.coding?.[0]?.code).toBe('310965')
    expect(statement && 'medicationReference' in statement).toBe(false)
    expect(portal.bodySites).toBe(2)
    expect(portal.codeSystems.map((s) => s.name)).toEqual(['SNOMED CT', 'LOINC', 'ICD-10', 'RxNorm'])
    const condition = byType(portal, 'Condition')[0]
    expect(condition?.resourceType === 'Condition' && condition.recorder).toEqual({ display: 'Dr. Jonas Weber' })
    expect(condition?.resourceType === 'Condition' && keys(portal).has(condition.encounter?.reference ?? '')).toBe(true)
  })

  it('matches a record by its identifier, whatever file it comes in', () => {
    const condition = portal.records.find((r) => r.record.resourceType === 'Condition')?.record
    const existing = [createEntry({ record: { ...condition, extension: undefined }, writer: PATIENT, patient: PATIENT, now: NOW })]
    const again = plan(importFixture('portal-searchset.json'), 'other.json', options(existing))
    expect(again.duplicates).toEqual([{ where: 'entry 1', resourceType: 'Condition', existing: recordKey(condition as HistoryRecord) }])
    // The medicine and the procedure that name the condition point at the one in the history.
    const statement = byType(again, 'MedicationStatement')[0]
    expect(statement?.resourceType === 'MedicationStatement' && statement.reasonReference?.[0]?.reference).toBe(recordKey(condition as HistoryRecord))
  })
})

describe('importing NDJSON', () => {
  const lines = new TextDecoder().decode(importFixture('bulk-export.ndjson')).split('\n')

  it('reads one resource per line and links them', () => {
    const bulk = plan(importFixture('bulk-export.ndjson'), 'bulk-export.ndjson')
    expect(bulk.file.format).toBe('ndjson')
    expect(bulk.counts).toMatchObject({ results: 2, conditions: 1, medications: 1, immunizations: 1 })
    const prescription = byType(bulk, 'MedicationRequest')[0]
    expect(prescription?.resourceType === 'MedicationRequest' && keys(bulk).has(prescription.reasonReference?.[0]?.reference ?? '')).toBe(true)
    expect(bulk.bodySites).toBe(1)
  })

  it('names each line it cannot read and each it refuses', () => {
    const broken = [lines[0], '{"resourceType": "Observation", oops', lines[2], '[1, 2]', JSON.stringify({ resourceType: 'Condition', id: 'x', subject: { reference: 'Patient/pt-4471' } })].join('\n')
    const bulk = plan(encode(broken), 'broken.ndjson')
    expect(bulk.unreadable).toEqual([
      { where: 'line 2', problem: 'is not JSON' },
      { where: 'line 4', problem: 'is not a JSON object' }
    ])
    expect(bulk.refused).toEqual([{ where: 'line 5', resourceType: 'Condition', problem: 'Condition.code is missing; a Condition needs it.' }])
    expect(bulk.records).toHaveLength(2)
  })
})

describe('importing the HL7 International Patient Summary examples', () => {
  it('imports the problems, medicines and allergies of a document bundle, not its Composition', () => {
    const ips = plan(importFixture('hl7-ips/bundle-minimal.json'), 'bundle-minimal.json')
    expect(ips.file.bundleType).toBe('document')
    expect(ips.people.map((p) => p.label)).toEqual(['Martha DeLarosa (born 1972-05-01)'])
    expect(ips.records.map((r) => r.record.resourceType)).toEqual(['Condition', 'MedicationStatement', 'AllergyIntolerance'])
    expect(ips.refused).toEqual([])
    expect(ips.skipped.map((s) => s.resourceType)).toEqual(['Composition', 'Patient', 'Practitioner', 'Organization', 'Medication'])
    const statement = byType(ips, 'MedicationStatement')[0]
    expect(statement?.resourceType === 'MedicationStatement' && statement.medicationCodeableConcept?.coding?.[0]?.code).toBe('108774000')
  })

  it('imports the summary that states no known problems', () => {
    const ips = plan(importFixture('hl7-ips/bundle-no-info-required-sections.json'), 'bundle-no-info-required-sections.json')
    expect(ips.refused).toEqual([])
    expect(ips.counts).toMatchObject({ conditions: 1, medications: 1, allergies: 1, immunizations: 2 })
  })
})

describe('what the import refuses', () => {
  const condition = (id: string, extra: Record<string, unknown> = {}) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-${id.padStart(12, '0')}`,
    resource: { resourceType: 'Condition', id, code: { text: 'Knee pain' }, subject: { reference: 'Patient/p' }, ...extra }
  })

  it('refuses an invalid record by entry, and a record that named it keeps only its name', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        condition('1', { onsetDateTime: '2024-02-30' }),
        {
          resource: {
            resourceType: 'MedicationStatement',
            status: 'active',
            medicationCodeableConcept: { text: 'Ibuprofen' },
            subject: { reference: 'Patient/p' },
            reasonReference: [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000001', display: 'knee pain' }]
          }
        }
      ]
    } as Bundle
    const result = plan(encode(bundle), 'mixed.json')
    expect(result.refused).toEqual([{ where: 'entry 1', resourceType: 'Condition', problem: expect.stringContaining('Condition.onsetDateTime') as unknown }])
    const statement = result.records[0]?.record
    expect(statement?.resourceType === 'MedicationStatement' && statement.reasonReference).toEqual([{ display: 'knee pain' }])
  })

  it('refuses a resource with a "__proto__" field, as a field, without touching any prototype', () => {
    const text = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [condition('2', { code: { text: 'knee pain' } })] }).replace('"code":', '"__proto__":{"polluted":true},"code":')
    const result = plan(encode(text), 'proto.json')
    expect(result.refused).toEqual([{ where: 'entry 1', resourceType: 'Condition', problem: expect.stringContaining('Condition.__proto__') as unknown }])
    expect(result.records).toEqual([])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('refuses a record larger than one entry may be', () => {
    const huge = condition('2', { note: [1, 2, 3, 4].map(() => ({ text: 'x'.repeat(300_000) })) })
    const result = plan(encode({ resourceType: 'Bundle', type: 'collection', entry: [huge] }), 'huge.json')
    expect(result.refused[0]?.problem).toMatch(/one record may take at most/)
  })

  it('refuses a file that is not JSON, not FHIR, not text, empty or too large, before reading any record', () => {
    const refusal = (bytes: Uint8Array): string => {
      const preview = previewImport(bytes, 'file.json', options())
      if (preview.ok) throw new Error('expected a refusal')
      return `${preview.error.code}: ${preview.error.message}`
    }
    expect(refusal(encode('<Bundle xmlns="http://hl7.org/fhir"/>'))).toMatch(/^UNREADABLE_FILE: file.json is not JSON/)
    expect(refusal(encode({ name: 'not a resource' }))).toMatch(/^UNREADABLE_FILE: file.json is JSON but not FHIR/)
    expect(refusal(new Uint8Array([0xff, 0xfe, 0x00, 0x7b]))).toMatch(/^UNREADABLE_FILE: file.json is not a text file/)
    expect(refusal(encode('  \n'))).toMatch(/^UNREADABLE_FILE: file.json is empty/)
    expect(refusal(encode({ resourceType: 'Bundle', entry: 'all of them' }))).toMatch(/entry is not a list/)
    // Refused by its size alone: the bytes are never decoded.
    expect(refusal(new Uint8Array(MAX_IMPORT_BYTES + 1))).toMatch(/^TOO_LARGE: file.json is 50.0 MB; the import reads files of at most 50 MB/)
  })

  it('refuses a resource nested deeper than any FHIR resource, without exhausting the stack', () => {
    const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`
    const result = plan(encode(`{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Condition", "note": ${deep}}}]}`), 'deep.json')
    expect(result.unreadable).toEqual([{ where: 'entry 1', problem: 'its resource nests deeper than 32 levels' }])
  })

  it('repeats within one file are one record', () => {
    const entry = condition('3', { identifier: [{ system: 'https://portal.example.org/ids', value: 'c-3' }] })
    const result = plan(encode({ resourceType: 'Bundle', type: 'collection', entry: [entry, { ...entry, fullUrl: undefined }] }), 'twice.json')
    expect(result.records).toHaveLength(1)
    expect(result.duplicates).toEqual([{ where: 'entry 2', resourceType: 'Condition', existing: recordKey(result.records[0]?.record as HistoryRecord) }])
  })

  it("skips a Basic: what the patient keeps about themself (the emergency profile) is the app's, never a file's", () => {
    const profile = { resourceType: 'Basic', id: 'emergency-profile', code: { text: 'Emergency profile' }, subject: { reference: `Patient/${PATIENT}` } }
    const result = plan(encode({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: profile }, condition('5')] }), 'with-profile.json')
    expect(result.records.map((r) => r.record.resourceType)).toEqual(['Condition'])
    expect(result.skipped).toEqual([expect.objectContaining({ resourceType: 'Basic', reason: expect.stringContaining('written in the app, not imported') as unknown })])
  })

  it('reads a single resource', () => {
    const result = plan(encode(condition('4').resource), 'one.json')
    expect(result.file.format).toBe('resource')
    expect(result.records).toHaveLength(1)
  })
})

describe('a generated Synthea-shaped bundle', () => {
  it('imports every record of its patient', () => {
    const bundle = syntheaBundle({ encounters: 40, seed: 3 })
    const result = plan(encode(bundle), 'big.json')
    expect(result.refused).toEqual([])
    expect(result.records.length).toBeGreaterThan(200)
  })
})
