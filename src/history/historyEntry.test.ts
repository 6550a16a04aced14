import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HistoryError } from './HistoryError.ts'
import { canonicalJson } from './canonicalJson.ts'
import { createEntry, MAX_ENTRY_BYTES, parseEntry, patientId, patientReference, serializeEntry, validateEntry, vetRecord, type HistoryEntry } from './historyEntry.ts'
import { CLOCK_TOLERANCE_MS } from './fhirPrimitives.ts'
import { DOCTOR, fixtureRecords, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'

const options = { now: NOW, patient: PATIENT }
const entry = (): HistoryEntry => createEntry({ record: fixtureRecords().osteoarthritis, writer: DOCTOR, ...options })
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

function refusal(run: () => unknown): HistoryError {
  try {
    run()
  } catch (error) {
    if (error instanceof HistoryError) return error
    throw error
  }
  throw new Error('accepted')
}

describe('createEntry', () => {
  it('wraps a validated record with a fresh id, the lowercase writer and the time', () => {
    const e = entry()
    expect(e).toMatchObject({ v: 1, writer: DOCTOR, writtenAt: '2026-11-03T12:00:00.000Z' })
    expect(createEntry({ record: fixtureRecords().hypertension, writer: '0xABCDEF0000000000000000000000000000000001', ...options }).writer).toBe('0xabcdef0000000000000000000000000000000001')
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(e.amends).toBeUndefined()
    expect(e.id).not.toBe(entry().id)
  })

  it('copies the record, so later changes to the caller\'s object do not reach the history', () => {
    const record = fixtureRecords().hypertension
    const e = createEntry({ record, writer: PATIENT, ...options })
    record.code = { text: 'changed' }
    expect(e.record).not.toBe(record)
    expect(e.record).toMatchObject({ code: { coding: [{ code: '38341003' }] } })
  })

  it('refuses a bad record with the field named, and a record about someone else', () => {
    expect(refusal(() => createEntry({ record: { ...fixtureRecords().hypertension, code: undefined }, writer: PATIENT, ...options }))).toMatchObject({ code: 'MISSING_FIELD', field: 'Condition.code' })
    const other = { ...fixtureRecords().hypertension, subject: patientReference('0x4444444444444444444444444444444444444444') }
    expect(refusal(() => createEntry({ record: other, writer: PATIENT, ...options })).code).toBe('WRONG_PATIENT')
    expect(refusal(() => createEntry({ record: fixtureRecords().hypertension, writer: 'alice', ...options }))).toMatchObject({ code: 'INVALID_ENTRY', field: 'entry.writer' })
  })
})

describe('vetRecord', () => {
  const vetOptions = { now: NOW, patient: patientId(PATIENT) }

  it('gives the record\'s canonical text, and its entry is the one an unchecked record gets', () => {
    const { record, text } = vetRecord(fixtureRecords().hypertension, vetOptions)
    expect(text).toBe(canonicalJson(fixtureRecords().hypertension, 'record'))
    const vetted = createEntry({ record, writer: PATIENT, ...options })
    const plain = createEntry({ record: fixtureRecords().hypertension, writer: PATIENT, ...options })
    expect(vetted.record).toEqual(plain.record)
    expect(vetted.record).not.toBe(record)
    expect(new TextDecoder().decode(serializeEntry(vetted))).toBe(new TextDecoder().decode(serializeEntry({ ...plain, id: vetted.id })))
    expect(parseEntry(serializeEntry(vetted), options)).toEqual(vetted)
  })

  it('freezes the record it checked, so what is written is what was checked', () => {
    const { record } = vetRecord(fixtureRecords().hypertension, vetOptions)
    expect(() => Object.assign(record, { code: { text: 'changed' } })).toThrow(TypeError)
    expect(() => (record as unknown as { code: { coding: { code: string }[] } }).code.coding.push({ code: 'x' })).toThrow(TypeError)
    expect(createEntry({ record, writer: PATIENT, ...options }).record).toMatchObject({ code: { coding: [{ code: '38341003' }] } })
  })

  it('refuses what validateRecord refuses, and leaves a refused record as it was', () => {
    const record: Record<string, unknown> = { ...fixtureRecords().hypertension }
    delete record.code
    expect(refusal(() => vetRecord(record, vetOptions))).toMatchObject({ code: 'MISSING_FIELD', field: 'Condition.code' })
    expect(Object.isFrozen(record)).toBe(false)
  })

  it('is checked again when its entry is for another patient, or at an earlier present', () => {
    const other = '0x4444444444444444444444444444444444444444'
    const { record } = vetRecord({ ...fixtureRecords().hypertension, subject: patientReference(other) }, { now: NOW, patient: patientId(other) })
    expect(refusal(() => createEntry({ record, writer: PATIENT, ...options })).code).toBe('WRONG_PATIENT')
    // Onset a week after NOW: not in the future for a present two weeks on, but it is at NOW.
    const later = NOW + 14 * 24 * 60 * 60 * 1000
    const { record: dated } = vetRecord({ ...fixtureRecords().hypertension, onsetDateTime: new Date(NOW + 7 * 24 * 60 * 60 * 1000).toISOString() }, { now: later, patient: patientId(PATIENT) })
    expect(7 * 24 * 60 * 60 * 1000).toBeGreaterThan(CLOCK_TOLERANCE_MS)
    expect(refusal(() => createEntry({ record: dated, writer: PATIENT, ...options }))).toMatchObject({ code: 'INVALID_FIELD', field: 'Condition.onsetDateTime' })
    expect(createEntry({ record: dated, writer: PATIENT, now: later, patient: PATIENT }).record).toMatchObject({ id: 'hypertension' })
  })
})

describe('serializeEntry and parseEntry', () => {
  it('round-trip through canonical UTF-8 JSON', () => {
    const e = entry()
    const encoded = serializeEntry(e)
    expect(new TextDecoder().decode(encoded)).toMatch(/^\{"id":"[^"]+","record":\{"bodySite":/)
    expect(parseEntry(encoded, options)).toEqual(e)
  })

  it('write a new entry and a correction as exactly the canonical form of their content', () => {
    const record = { ...fixtureRecords().hypertension, note: [{ text: 'Tension « élevée » \u2028 twice, "at rest"\\' }] }
    const first = createEntry({ record, writer: PATIENT, ...options })
    const correction = createEntry({ record, writer: PATIENT, amends: first.id, ...options })
    for (const e of [first, correction]) {
      // A copy is written by walking it, field by field.
      expect(new TextDecoder().decode(serializeEntry(e))).toBe(canonicalJson({ ...e, record: structuredClone(e.record) }))
      expect(parseEntry(serializeEntry(e), options)).toEqual(e)
    }
  })

  it('refuse bytes that are not the canonical form of their content', () => {
    const e = entry()
    const pretty = bytes(JSON.stringify(e, null, 2))
    expect(refusal(() => parseEntry(pretty, options)).code).toBe('NOT_CANONICAL')
    // A byte order mark before the canonical bytes is a second byte form of the same entry: refused.
    const canonical = serializeEntry(e)
    expect(() => parseEntry(Uint8Array.of(0xef, 0xbb, 0xbf, ...canonical), options)).toThrow(HistoryError)
    expect(parseEntry(canonical, options)).toEqual(e)
  })

  it('refuse what is not UTF-8 JSON, and what is too large', () => {
    expect(refusal(() => parseEntry(Uint8Array.of(0xff, 0xfe), options)).code).toBe('INVALID_ENTRY')
    expect(refusal(() => parseEntry(bytes('{"v":1,'), options)).message).toMatch(/not UTF-8 JSON/)
    expect(refusal(() => parseEntry(new Uint8Array(MAX_ENTRY_BYTES + 1), options)).code).toBe('TOO_LARGE')
  })

  it('refuse a record from a peer that does not validate, naming the field', () => {
    const e = entry()
    const broken = { ...e, record: { ...e.record, onsetDateTime: '2024-13-01' } }
    expect(refusal(() => parseEntry(bytes(JSON.stringify(broken)), options))).toMatchObject({ code: 'INVALID_FIELD', field: 'Condition.onsetDateTime' })
  })

  it.each([
    ['an unknown key', { extra: 1 }, 'entry.extra'],
    ['another version', { v: 2 }, 'entry.v'],
    ['an id that is not a UUID', { id: 'knee' }, 'entry.id'],
    ['a checksummed (mixed-case) writer', { writer: '0xABCDEF0000000000000000000000000000000001' }, 'entry.writer'],
    ['a local time of writing', { writtenAt: '2026-11-03T13:00:00+01:00' }, 'entry.writtenAt'],
    ['a time of writing far in the future', { writtenAt: '2030-01-01T00:00:00.000Z' }, 'entry.writtenAt'],
    ['an amendment of itself', { amends: 'self' }, 'entry.amends'],
    ['an amendment that is not an id', { amends: 42 }, 'entry.amends']
  ] as [string, Record<string, unknown>, string][])('refuse an entry with %s', (_description, change, field) => {
    const e = entry()
    const value = { ...e, ...change, ...(change.amends === 'self' ? { amends: e.id } : {}) }
    expect(refusal(() => validateEntry(value, options))).toMatchObject({ code: 'INVALID_ENTRY', field })
  })

  it('property: any note text survives the round trip', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0 && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s)), (text) => {
        const e = createEntry({ record: { ...fixtureRecords().hypertension, note: [{ text }] }, writer: PATIENT, ...options })
        expect(parseEntry(serializeEntry(e), options)).toEqual(e)
      })
    )
  })
})
