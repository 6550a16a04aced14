// Property tests of the import, which reads files from anywhere: whatever JSON (or bytes) a file
// holds, previewImport answers with a plan or a HistoryError and never throws; every record it
// plans passes the history's validator and is about this patient; and a second import of the same
// file adds nothing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { importFixture } from '../../test/fixtures/importFixtures.ts'
import { fuzzRuns } from '../../test/support/fuzz.ts'
import { isPlainObject } from './fhirDatatypes.ts'
import { createEntry } from './historyEntry.ts'
import { previewImport, type ImportPlanOptions } from './importPlan.ts'
import { RECORD_TYPES } from './recordTypes.ts'
import { validateRecord } from './validateRecord.ts'

const runs = fuzzRuns()
const PATIENT = '0x1111111111111111111111111111111111111111'
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0)
const options: ImportPlanOptions = { patient: PATIENT, existing: [], importedAt: NOW }
const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

// Keys a FHIR resource has, and keys a JavaScript object treats specially, among any others.
const key = fc.oneof(
  fc.constantFrom('resourceType', 'id', 'reference', 'subject', 'patient', 'code', 'coding', 'system', 'extension', 'meta', 'identifier', 'value', 'contained', 'medicationReference', 'fullUrl'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf'),
  fc.string({ maxLength: 8 })
)
const text = fc.oneof(
  fc.constantFrom('Patient/p', 'urn:uuid:00000000-0000-4000-8000-000000000001', 'Condition/1', '#x', 'http://snomed.info/sct', 'http://loinc.org', '2024-02-30', '8480-6', 'Practitioner?identifier=a|b'),
  fc.string({ maxLength: 12 })
)
/** JSON values shaped a little like FHIR: references, codes and resource types among arbitrary ones. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 })
  )
})).value
const resource = fc.tuple(fc.constantFrom(...RECORD_TYPES, 'Patient', 'Medication', 'Bundle', 'Claim'), fc.dictionary(key, jsonish, { maxKeys: 6 })).map(([resourceType, fields]) => ({ ...fields, resourceType }))
const bundle = fc
  .array(fc.oneof(fc.record({ resource, fullUrl: text }, { requiredKeys: [] }), jsonish), { maxLength: 6 })
  .map((entry) => ({ resourceType: 'Bundle', type: 'collection', entry }))

describe('the import on arbitrary input', () => {
  it('answers any bytes with a plan or a HistoryError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof previewImport(bytes, 'any.bin', options).ok).toBe('boolean')
      }),
      { numRuns: runs }
    )
  })

  it('answers any JSON, NDJSON of it, and bundles of arbitrary resources, and plans only valid records about this patient', () => {
    const file = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      jsonish.map((value) => JSON.stringify(value)),
      resource.map((value) => JSON.stringify(value)),
      fc.array(resource, { minLength: 1, maxLength: 5 }).map((lines) => lines.map((line) => JSON.stringify(line)).join('\n')),
      bundle.map((value) => JSON.stringify(value))
    )
    fc.assert(
      fc.property(file, (textOfFile) => {
        const preview = previewImport(encode(textOfFile), 'any.json', options)
        if (!preview.ok) return
        for (const { record } of preview.plan.records) expect(() => validateRecord(record, { now: NOW, patient: PATIENT })).not.toThrow()
        // What it plans is written as it is, and a second look adds nothing.
        const existing = preview.plan.records.map(({ record }) => createEntry({ record, writer: PATIENT, patient: PATIENT, now: NOW }))
        const again = previewImport(encode(textOfFile), 'any.json', { ...options, existing })
        expect(again.ok && again.plan.records).toEqual([])
      }),
      { numRuns: runs }
    )
  })

  it('answers a real file with any one field of any resource changed to anything, and plans only valid records', () => {
    const portal = JSON.parse(new TextDecoder().decode(importFixture('portal-searchset.json'))) as { entry: { resource: Record<string, unknown> }[] }
    const change = fc.record({ entry: fc.nat(), field: fc.oneof(key, fc.constantFrom('subject', 'code', 'status', 'encounter', 'result', 'medicationReference', 'effectiveDateTime')), value: jsonish })
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 3 }), (changes) => {
        const file = structuredClone(portal)
        for (const { entry, field, value } of changes) {
          const target = file.entry[entry % file.entry.length]?.resource
          if (isPlainObject(target)) Object.defineProperty(target, field, { value, enumerable: true, writable: true, configurable: true })
        }
        const preview = previewImport(encode(JSON.stringify(file)), 'portal.json', options)
        if (!preview.ok) return
        expect(preview.plan.records.length + preview.plan.refused.length + preview.plan.duplicates.length).toBeGreaterThan(0)
        for (const { record } of preview.plan.records) expect(() => validateRecord(record, { now: NOW, patient: PATIENT })).not.toThrow()
      }),
      { numRuns: runs }
    )
  })
})
