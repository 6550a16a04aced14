// The shape of the history over the patient's OrbitDB log, for src/p2p to implement
// once the log exists, and the pure steps of add and amend that it composes:
//   add(record)      = prepareAdd(entries, …)   → sealEntry(entry, keyring) → append the envelope
//   amend(id, record) = prepareAmend(entries, …) → sealEntry → append
//   reading a peer's entry                        = openEntry(payload, keyring, writer) → entries
import { checkAppend } from './amendments.ts'
import { createEntry, toAddress, type Address, type HistoryEntry } from './historyEntry.ts'
import type { HistoryRecord } from './recordTypes.ts'

/** What verify() says of one block of the log. */
export type Verdict = 'verified' | 'unanchored' | 'broken'

export interface EntryVerdict {
  /** The log entry's content hash (CID). */
  hash: string
  /** The history entry inside, when it could be read. */
  entryId?: string
  verdict: Verdict
  /** For `broken`: what failed (hash, signature, decryption, validation). */
  reason?: string
}

export interface VerifyReport {
  verdicts: EntryVerdict[]
  /** The root of the log's heads as recomputed here, and the latest one anchored on-chain. */
  computedRoot: string
  anchoredRoot?: string
}

export interface HistoryChange {
  /** Entries that arrived (from this device or a peer), already opened and validated. */
  added: HistoryEntry[]
  /** Entries that could not be read (no key for their epoch, or invalid): shown as unreadable blocks. */
  unreadable: { hash: string; reason: string }[]
}

/** The public API of a patient's history once the log is there. */
export interface PatientHistory {
  readonly patient: Address
  /** Every readable entry, in log order. Views: latestVersions, queryHistory, buildDiagnosticChains. */
  entries(): readonly HistoryEntry[]
  add(record: HistoryRecord): Promise<HistoryEntry>
  amend(entryId: string, record: HistoryRecord): Promise<HistoryEntry>
  subscribe(listener: (change: HistoryChange) => void): () => void
  verify(): Promise<VerifyReport>
}

export interface PrepareInput {
  record: unknown
  /** Who writes: the patient, or a doctor with a live write grant. */
  writer: string
  /** The history's patient. */
  patient: string
  now?: number
}

/** A validated new entry for a new record, checked against the history it joins. */
export function prepareAdd(entries: readonly HistoryEntry[], input: PrepareInput): HistoryEntry {
  const patient = toAddress(input.patient, 'patient')
  const entry = createEntry({ record: input.record, writer: input.writer, patient, ...(input.now === undefined ? {} : { now: input.now }) })
  checkAppend(entries, entry, { patient })
  return entry
}

/** A validated correction of entry `entryId`, checked against the history it joins. */
export function prepareAmend(entries: readonly HistoryEntry[], entryId: string, input: PrepareInput): HistoryEntry {
  const patient = toAddress(input.patient, 'patient')
  const entry = createEntry({ record: input.record, writer: input.writer, patient, amends: entryId, ...(input.now === undefined ? {} : { now: input.now }) })
  checkAppend(entries, entry, { patient })
  return entry
}
