// How many keys a reader tries per entry. The envelope does not say which category's key sealed it,
// so opening tries the likeliest first; every key tried in vain costs a tag check over the record.
import { describe, expect, it, vi } from 'vitest'
import { categoryKey, currentKey, firstEpochKeyring, sealRecord } from '../crypto/index.ts'
import { CATEGORIES } from './categories.ts'
import { demoPatient } from './demoPatient.ts'
import { openEntry, sealEntry } from './entryEnvelope.ts'
import { createEntry, serializeEntry } from './historyEntry.ts'
import { fixtureRecords, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'

const counted = vi.hoisted(() => ({ decrypts: 0 }))

vi.mock('@noble/ciphers/chacha.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('@noble/ciphers/chacha.js')>()
  const counting = (...args: Parameters<typeof original.xchacha20poly1305>): ReturnType<typeof original.xchacha20poly1305> => {
    const cipher = original.xchacha20poly1305(...args)
    return {
      ...cipher,
      decrypt: (...input: Parameters<typeof cipher.decrypt>) => {
        counted.decrypts += 1
        return cipher.decrypt(...input)
      }
    }
  }
  return { ...original, xchacha20poly1305: Object.assign(counting, original.xchacha20poly1305) }
})

describe('opening a history of many kinds of record', () => {
  it('tries the key of the kind that opened records of the same size first: well under two keys per entry', () => {
    const demo = demoPatient({ records: 400 })
    const options = { patient: demo.patient, now: demo.now }
    const keyring = firstEpochKeyring(new Uint8Array(32).fill(9), demo.patient)
    const sealed = demo.entries.map((entry) => ({ envelope: sealEntry(entry, keyring), entry }))
    // A reader's keyring of its own, as a doctor's device has: it learns the likely keys from nothing.
    const reader = { ...keyring }
    counted.decrypts = 0
    for (const { envelope, entry } of sealed) expect(openEntry(envelope, reader, entry.writer, options)).toEqual(entry)
    // By the counts of the whole history alone, it took 1,070 tries for these 400 entries; by size, 639.
    expect(counted.decrypts).toBeLessThan(2 * sealed.length)
    expect(counted.decrypts).toBeGreaterThanOrEqual(sealed.length)
  })

  it('learns nothing from an entry refused after it opened: a writer sealing records under another kind\'s key does not reorder the keys', () => {
    const options = { patient: PATIENT, now: NOW }
    const keyring = firstEpochKeyring(new Uint8Array(32).fill(5), PATIENT)
    const reader = { ...keyring }
    // Allergies of one size: the first teaches the reader which key opens that size.
    const allergy = (): ReturnType<typeof createEntry> => createEntry({ record: fixtureRecords().penicillin, writer: PATIENT, ...options })
    const first = allergy()
    openEntry(sealEntry(first, keyring), reader, PATIENT, options)
    // Then, of the same size, allergies sealed under the conditions' key: each opens, and each is refused.
    const { epoch, key } = currentKey(keyring)
    for (let i = 0; i < 5; i++) {
      const misfiled = allergy()
      const envelope = sealRecord(serializeEntry(misfiled), categoryKey(key, CATEGORIES.indexOf('conditions')), { recordId: misfiled.id, epoch, writer: PATIENT })
      expect(() => openEntry(envelope, reader, PATIENT, options)).toThrow(/sealed under the key of another kind/)
    }
    // The next allergy of that size still opens at the first try.
    const next = allergy()
    const sealed = sealEntry(next, keyring)
    counted.decrypts = 0
    expect(openEntry(sealed, reader, PATIENT, options)).toEqual(next)
    expect(counted.decrypts).toBe(1)
  })
})
