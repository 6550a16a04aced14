// An entry sealed for the log and opened from it: the entry id and the writer are
// bound into the envelope (src/crypto), and after decryption the entry must agree
// with both, so a sealed entry cannot be replayed under another id or writer.
import { categoryKeysFor, CryptoError, keyForEpoch, openRecordWithAny, parseEnvelope, sealingKey, sealRecord, type EpochKeyring, type RecordEnvelope } from '../crypto/index.ts'
import { CATEGORIES, CATEGORY_WORDS, categoryOf } from './categories.ts'
import { HistoryError } from './HistoryError.ts'
import { parseEntry, serializeEntry, toAddress, type EntryOptions, type HistoryEntry } from './historyEntry.ts'

// Which category's key opened entries so far, per keyring, in all and by the size of the sealed
// record: the likeliest key is tried first, and each key tried in vain costs a tag check over the
// record. Records of one kind come in a few padded sizes, mostly their own (the 1,000 records of the
// demo history: 22 sizes), so the size names the kind far better than the counts of the whole history,
// by which every kind but the commonest tried two keys or more: 2.5 tries per entry there, 1.4 by size.
// The size is the envelope's, which every holder of the log sees: ordering by it tells no one anything
// (how much the padded sizes tell of the kinds is the padding's matter, src/crypto padding.ts). Only an
// entry that opened and passed its checks counts; a writer who seals hundreds of odd sizes fills the
// counts by size, and the order falls back to the counts in all.
interface Hits {
  all: number[]
  bySize: Map<number, number[]>
}
/** How many sizes a keyring keeps counts for: records of a history come in far fewer. */
const MAX_SIZES = 256
const hits = new WeakMap<EpochKeyring, Hits>()
function countHit(keyring: EpochKeyring, size: number, category: number): void {
  let counts = hits.get(keyring)
  if (counts === undefined) hits.set(keyring, (counts = { all: [], bySize: new Map() }))
  counts.all[category] = (counts.all[category] ?? 0) + 1
  let sized = counts.bySize.get(size)
  if (sized === undefined && counts.bySize.size < MAX_SIZES) counts.bySize.set(size, (sized = []))
  if (sized !== undefined) sized[category] = (sized[category] ?? 0) + 1
}
function byLikelihood<T extends { category: number }>(keyring: EpochKeyring, size: number, candidates: T[]): T[] {
  const counts = hits.get(keyring)
  if (counts === undefined) return candidates
  const sized = counts.bySize.get(size) ?? []
  const { all } = counts
  return [...candidates].sort((a, b) => (sized[b.category] ?? 0) - (sized[a.category] ?? 0) || (all[b.category] ?? 0) - (all[a.category] ?? 0))
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
    const candidates = byLikelihood(keyring, envelope.ciphertext.length, categoryKeysFor(keyring, envelope.epoch, CATEGORIES.length))
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
  countHit(keyring, envelope.ciphertext.length, category)
  return entry
}
