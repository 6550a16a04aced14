import { describe, expect, it } from 'vitest'
import { firstEpochKeyring } from '../crypto/index.ts'
import { latestVersions } from './amendments.ts'
import { openEntry, sealEntry } from './entryEnvelope.ts'
import { HistoryError } from './HistoryError.ts'
import { prepareAdd, prepareAddMany, prepareAmend } from './historyLog.ts'
import { DOCTOR, fixtureRecords, NOW, OTHER_DOCTOR, PATIENT } from '../../test/fixtures/recordFixtures.ts'

describe('prepareAdd and prepareAmend, the pure steps of add and amend', () => {
  const { hypertension } = fixtureRecords()
  const first = prepareAdd([], { record: hypertension, writer: DOCTOR, patient: PATIENT, now: NOW })

  it('add a validated record and a correction that the views then show', () => {
    const fixed = prepareAmend([first], first.id, { record: { ...hypertension, note: [{ text: 'confirmed on repeat readings' }] }, writer: DOCTOR, patient: PATIENT, now: NOW + 1000 })
    expect(fixed.amends).toBe(first.id)
    expect(latestVersions([first, fixed], { patient: PATIENT })).toEqual([fixed])
  })

  it('refuse a bad record, a record about another patient, and a correction by another doctor', () => {
    expect(() => prepareAdd([], { record: { ...hypertension, subject: undefined }, writer: DOCTOR, patient: PATIENT, now: NOW })).toThrow('Condition.subject is missing')
    expect(() => prepareAdd([], { record: hypertension, writer: DOCTOR, patient: OTHER_DOCTOR, now: NOW })).toThrow(HistoryError)
    expect(() => prepareAmend([first], first.id, { record: hypertension, writer: OTHER_DOCTOR, patient: PATIENT, now: NOW })).toThrow(/who first wrote the record, or the patient/)
  })

  it('compose with sealing and opening as the log will', () => {
    const keyring = firstEpochKeyring(new Uint8Array(32).fill(7), PATIENT)
    expect(openEntry(sealEntry(first, keyring), keyring, DOCTOR, { now: NOW, patient: PATIENT })).toEqual(first)
  })
})

describe('prepareAddMany', () => {
  const { hypertension, penicillin, flu } = fixtureRecords()

  it('prepares a batch of new records, each a valid entry', () => {
    const batch = prepareAddMany([], [hypertension, penicillin, flu], { writer: PATIENT, patient: PATIENT, now: NOW })
    expect(batch.map((entry) => entry.record.id)).toEqual(['hypertension', 'penicillin', 'flu-2023'])
    expect(new Set(batch.map((entry) => entry.id)).size).toBe(3)
  })

  it('refuses a record the history or the batch already has, as prepareAdd does', () => {
    const first = prepareAdd([], { record: hypertension, writer: PATIENT, patient: PATIENT, now: NOW })
    expect(() => prepareAddMany([first], [penicillin, hypertension], { writer: PATIENT, patient: PATIENT, now: NOW })).toThrow(/already has Condition\/hypertension/)
    expect(() => prepareAddMany([], [penicillin, penicillin], { writer: PATIENT, patient: PATIENT, now: NOW })).toThrow(HistoryError)
    expect(() => prepareAddMany([], [{ ...flu, status: 'bogus' }], { writer: PATIENT, patient: PATIENT, now: NOW })).toThrow(HistoryError)
  })
})
