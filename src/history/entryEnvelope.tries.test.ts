// How many keys a reader tries per entry. The envelope does not say which category's key sealed it,
// so opening tries the likeliest first; every key tried in vain costs a tag check over the record.
import { describe, expect, it, vi } from 'vitest'
import { firstEpochKeyring } from '../crypto/index.ts'
import { demoPatient } from './demoPatient.ts'
import { openEntry, sealEntry } from './entryEnvelope.ts'

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
})
