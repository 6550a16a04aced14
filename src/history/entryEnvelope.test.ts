import { describe, expect, it } from 'vitest'
import { addEpochKey, categoryKey, categorySlot, currentKey, CryptoError, firstEpochKeyring, newEpochKey, sealRecord, type RecordEnvelope } from '../crypto/index.ts'
import { CATEGORIES } from './categories.ts'
import { openEntry, sealEntry } from './entryEnvelope.ts'
import { HistoryError } from './HistoryError.ts'
import { createEntry, serializeEntry } from './historyEntry.ts'
import { DOCTOR, fixtureRecords, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'

const options = { now: NOW, patient: PATIENT }
// The patient's keyring as the app derives it from their encryption secret.
const patientSecret = new Uint8Array(32).fill(7)
const keyring = firstEpochKeyring(patientSecret, PATIENT)
const entry = createEntry({ record: fixtureRecords().penicillin, writer: PATIENT, ...options })

function refusal(run: () => unknown): HistoryError {
  try {
    run()
  } catch (error) {
    if (error instanceof HistoryError) return error
    throw error
  }
  throw new Error('accepted')
}

describe('sealEntry and openEntry', () => {
  it('seal under the current epoch and open back to the same entry', () => {
    const envelope = sealEntry(entry, keyring)
    expect(envelope).toMatchObject({ v: 1, id: entry.id, epoch: 0 })
    expect(openEntry(envelope, keyring, PATIENT, options)).toEqual(entry)
  })

  it('hold no trace of the record in the clear', () => {
    const envelope = sealEntry(entry, keyring)
    const visible = new TextDecoder('latin1').decode(envelope.ciphertext)
    for (const word of ['penicillin', 'AllergyIntolerance', 'resourceType', 'Urticaria', PATIENT.slice(2, 12)]) expect(visible).not.toContain(word)
  })

  it('opens with the keyring after a rotation, and refuses without the epoch\'s key', () => {
    const rotated = addEpochKey(keyring, 1, newEpochKey())
    const later = sealEntry(entry, rotated)
    expect(later.epoch).toBe(1)
    expect(openEntry(later, rotated, PATIENT, options)).toEqual(entry)
    const error = refusal(() => openEntry(later, keyring, PATIENT, options))
    expect(error.code).toBe('UNREADABLE_ENTRY')
    expect(error.message).toMatch(/No data key for epoch 1/)
    expect(error.cause).toBeInstanceOf(CryptoError)
  })

  it('refuse an entry the log says another writer wrote', () => {
    const error = refusal(() => openEntry(sealEntry(entry, keyring), keyring, DOCTOR, options))
    expect(error.code).toBe('UNREADABLE_ENTRY')
    expect((error.cause as CryptoError).code).toBe('DECRYPTION_FAILED')
  })

  it('refuse an envelope moved under another entry id', () => {
    const envelope: RecordEnvelope = { ...sealEntry(entry, keyring), id: '00000000-0000-4000-8000-000000000000' }
    expect(refusal(() => openEntry(envelope, keyring, PATIENT, options)).code).toBe('UNREADABLE_ENTRY')
  })

  it('refuse a sealed entry whose own id or writer disagrees with its binding', () => {
    const { epoch, key: epochKey } = currentKey(keyring)
    // Each record is sealed under its category's key: an allergy here, a condition below.
    const wrongId = sealRecord(serializeEntry(entry), categoryKey(epochKey, CATEGORIES.indexOf('allergies')), { recordId: '00000000-0000-4000-8000-000000000000', epoch, writer: PATIENT })
    expect(refusal(() => openEntry(wrongId, keyring, PATIENT, options)).message).toMatch(/says it is .* but its envelope says/)
    const doctorEntry = createEntry({ record: fixtureRecords().hypertension, writer: DOCTOR, ...options })
    const claimed = sealRecord(serializeEntry(doctorEntry), categoryKey(epochKey, CATEGORIES.indexOf('conditions')), { recordId: doctorEntry.id, epoch, writer: PATIENT })
    expect(refusal(() => openEntry(claimed, keyring, PATIENT, options)).message).toMatch(/says 0x2222.* wrote it, but the log says 0x1111/)
  })

  it('seal each kind of record under its category\'s key: a reader given only some categories opens only those, and cannot write the others', () => {
    const condition = createEntry({ record: fixtureRecords().hypertension, writer: PATIENT, ...options })
    const sealedCondition = sealEntry(condition, keyring)
    const sealedAllergy = sealEntry(entry, keyring)
    const { epoch, key } = currentKey(keyring)
    // What readerKeyring makes of a single wrapped category key.
    const conditionsOnly = addEpochKey(undefined, categorySlot(epoch, CATEGORIES.indexOf('conditions')), categoryKey(key, CATEGORIES.indexOf('conditions')))
    expect(openEntry(sealedCondition, conditionsOnly, PATIENT, options)).toEqual(condition)
    const refused = refusal(() => openEntry(sealedAllergy, conditionsOnly, PATIENT, options))
    expect(refused.message).toMatch(/does not cover this record/)
    expect((refused.cause as CryptoError).code).toBe('UNKNOWN_EPOCH')
    const doctorAllergy = createEntry({ record: fixtureRecords().penicillin, writer: DOCTOR, ...options })
    expect(() => sealEntry(doctorAllergy, conditionsOnly)).toThrow(/does not cover allergies/)
    // The envelope names no category: both carry the same epoch and nothing else to tell them apart.
    expect(sealedCondition.epoch).toBe(sealedAllergy.epoch)
  })

  it('refuse a record sealed under the key of another category', () => {
    const { epoch, key } = currentKey(keyring)
    const misfiled = sealRecord(serializeEntry(entry), categoryKey(key, CATEGORIES.indexOf('conditions')), { recordId: entry.id, epoch, writer: PATIENT })
    expect(refusal(() => openEntry(misfiled, keyring, PATIENT, options)).message).toMatch(/sealed under the key of another kind of record/)
  })

  it('refuse a payload that is not an envelope', () => {
    expect(refusal(() => openEntry({ hello: 'world' }, keyring, PATIENT, options)).message).toMatch(/Not a record envelope/)
  })
})
