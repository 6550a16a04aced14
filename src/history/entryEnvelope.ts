// An entry sealed for the log and opened from it: the entry id and the writer are
// bound into the envelope (src/crypto), and after decryption the entry must agree
// with both, so a sealed entry cannot be replayed under another id or writer.
import { currentKey, CryptoError, keyForEpoch, openRecord, parseEnvelope, sealRecord, type EpochKeyring, type RecordEnvelope } from '../crypto/index.ts'
import { HistoryError } from './HistoryError.ts'
import { parseEntry, serializeEntry, toAddress, type EntryOptions, type HistoryEntry } from './historyEntry.ts'

/** Seals an entry under the keyring's current epoch. */
export function sealEntry(entry: HistoryEntry, keyring: EpochKeyring): RecordEnvelope {
  const { epoch, key } = currentKey(keyring)
  return sealRecord(serializeEntry(entry), key, { recordId: entry.id, epoch, writer: entry.writer })
}

/**
 * Opens a log entry's payload. `writer` is the wallet address the log's signed
 * identity says wrote it. Throws UNREADABLE_ENTRY (the CryptoError as its cause)
 * when this device has no key for the epoch or the envelope does not open.
 */
export function openEntry(payload: unknown, keyring: EpochKeyring, writer: string, options: EntryOptions = {}): HistoryEntry {
  const signer = toAddress(writer, 'writer')
  let plaintext: Uint8Array
  let envelope: RecordEnvelope
  try {
    envelope = parseEnvelope(payload)
    plaintext = openRecord(envelope, keyForEpoch(keyring, envelope.epoch), signer)
  } catch (cause) {
    if (!(cause instanceof CryptoError)) throw cause
    throw new HistoryError('UNREADABLE_ENTRY', cause.message, { cause })
  }
  const entry = parseEntry(plaintext, options)
  if (entry.id !== envelope.id) throw new HistoryError('UNREADABLE_ENTRY', `The sealed entry says it is ${entry.id}, but its envelope says ${envelope.id}.`)
  if (entry.writer !== signer) throw new HistoryError('UNREADABLE_ENTRY', `The sealed entry says ${entry.writer} wrote it, but the log says ${signer}.`)
  return entry
}
