// An entry sealed for the log and opened from it: the entry id and the writer are
// bound into the envelope (src/crypto), and after decryption the entry must agree
// with both, so a sealed entry cannot be replayed under another id or writer.
import { categoryKeysFor, CryptoError, keyForEpoch, openRecordWithAny, parseEnvelope, sealingKey, sealRecord, type EpochKeyring, type RecordEnvelope } from '../crypto/index.ts'
import { CATEGORIES, CATEGORY_WORDS, categoryOf } from './categories.ts'
import { HistoryError } from './HistoryError.ts'
import { parseEntry, serializeEntry, toAddress, type EntryOptions, type HistoryEntry } from './historyEntry.ts'

// Which category's key opened entries so far, per keyring: the likeliest key is tried first, so a
// history of mostly one kind (results, typically) opens at one try per entry, not up to nine.
const hits = new WeakMap<EpochKeyring, number[]>()
function countHit(keyring: EpochKeyring, category: number): void {
  let counts = hits.get(keyring)
  if (counts === undefined) hits.set(keyring, (counts = new Array<number>(CATEGORIES.length).fill(0)))
  counts[category] = (counts[category] ?? 0) + 1
}
function byLikelihood<T extends { category: number }>(keyring: EpochKeyring, candidates: T[]): T[] {
  const counts = hits.get(keyring)
  return counts === undefined ? candidates : [...candidates].sort((a, b) => (counts[b.category] ?? 0) - (counts[a.category] ?? 0))
}

/**
 * Seals an entry for the log under the key of its record's category in the keyring's current
 * epoch, binding the entry id and the writer into the envelope.
 *
 * @throws {HistoryError} `NOT_GRANTED` when the keyring holds no key for the category: the grant does not cover it.
 */
export function sealEntry(entry: HistoryEntry, keyring: EpochKeyring): RecordEnvelope {
  const category = categoryOf(entry.record)
  let sealing: { epoch: number; key: Uint8Array }
  try {
    sealing = sealingKey(keyring, CATEGORIES.indexOf(category), CATEGORY_WORDS[category])
  } catch (cause) {
    if (cause instanceof CryptoError && cause.code === 'NOT_GRANTED') throw new HistoryError('NOT_GRANTED', cause.message, { cause, field: entry.record.resourceType })
    throw cause
  }
  return sealRecord(serializeEntry(entry), sealing.key, { recordId: entry.id, epoch: sealing.epoch, writer: entry.writer })
}

/**
 * Opens a log entry's payload and checks that the entry inside agrees with its envelope: the
 * same id, the same writer, and the key of its own record's category.
 *
 * @param writer - The wallet address the log's signed identity says wrote it.
 * @throws {HistoryError} `UNREADABLE_ENTRY` (the CryptoError as its cause) when this device has
 *   no key for the epoch or the category, the envelope does not open, or the entry disagrees with
 *   it; `INVALID_ENTRY` for a malformed writer; and what {@link parseEntry} throws for the plaintext.
 */
export function openEntry(payload: unknown, keyring: EpochKeyring, writer: string, options: EntryOptions = {}): HistoryEntry {
  const signer = toAddress(writer, 'writer')
  let plaintext: Uint8Array
  let category: number
  let envelope: RecordEnvelope
  try {
    envelope = parseEnvelope(payload)
    const candidates = byLikelihood(keyring, categoryKeysFor(keyring, envelope.epoch, CATEGORIES.length))
    if (candidates.length === 0) keyForEpoch(keyring, envelope.epoch) // throws UNKNOWN_EPOCH, worded for a reader
    const opened = openRecordWithAny(
      envelope,
      candidates.map((candidate) => candidate.key),
      signer
    )
    if (opened === undefined) {
      // With every category's key, a failure is a damaged or forged envelope; with some, it is a kind not shared.
      if (keyring.keys.has(envelope.epoch)) {
        throw new CryptoError(
          'DECRYPTION_FAILED',
          `Record ${envelope.id} (epoch ${envelope.epoch}) did not decrypt: the key is not this epoch's, the writer is not ${signer}, or the envelope was altered. Nothing of it is shown.`
        )
      }
      throw new CryptoError('UNKNOWN_EPOCH', 'Your access does not cover this record: it is of a kind the patient did not share with you, or written after your access ended.')
    }
    plaintext = opened.plaintext
    category = candidates[opened.index]?.category ?? -1
    countHit(keyring, category)
  } catch (cause) {
    if (!(cause instanceof CryptoError)) throw cause
    throw new HistoryError('UNREADABLE_ENTRY', cause.message, { cause })
  }
  const entry = parseEntry(plaintext, options)
  if (entry.id !== envelope.id) throw new HistoryError('UNREADABLE_ENTRY', `The sealed entry says it is ${entry.id}, but its envelope says ${envelope.id}.`)
  if (entry.writer !== signer) throw new HistoryError('UNREADABLE_ENTRY', `The sealed entry says ${entry.writer} wrote it, but the log says ${signer}.`)
  if (CATEGORIES.indexOf(categoryOf(entry.record)) !== category) {
    throw new HistoryError('UNREADABLE_ENTRY', `The sealed ${entry.record.resourceType} was sealed under the key of another kind of record.`)
  }
  return entry
}
