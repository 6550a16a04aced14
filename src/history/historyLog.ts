// The shape of the history over the patient's OrbitDB log (patientHistory.ts implements
// it) and the pure steps of add and amend that it composes:
//   add(record)      = prepareAdd(entries, …)   → sealEntry(entry, keyring) → append the envelope
//   amend(id, record) = prepareAmend(entries, …) → sealEntry → append
//   reading a peer's entry                        = openEntry(payload, keyring, writer) → entries
import type { EpochKeyring, LedgerMark } from '../crypto/index.ts'
import { checkAppend } from './amendments.ts'
import { HistoryError } from './HistoryError.ts'
import { createEntry, toAddress, type Address, type HistoryEntry } from './historyEntry.ts'
import type { HistoryQuery } from './queryHistory.ts'
import { recordKey, type HistoryRecord } from './recordTypes.ts'

/** What verify() says of one block of the log. */
export type Verdict = 'verified' | 'unanchored' | 'broken'

/** verify()'s verdict on one block of the log. */
export interface EntryVerdict {
  /** The log entry's content hash (CID). */
  hash: string
  /** The history entry inside, when it could be read. */
  entryId?: string
  verdict: Verdict
  /** For `broken`: what failed (hash, signature, identity, links, write access, decryption, validation); otherwise a note, e.g. no key here. */
  reason?: string
}

/** What verify() found: a verdict per block, and the log's root compared with the latest on-chain anchor. */
export interface VerifyReport {
  verdicts: EntryVerdict[]
  /** The root of the log's heads as recomputed here (what anchor(root, entryCount) commits to), and how many entries it covers. */
  computedRoot: string
  entryCount: number
  /** The latest anchor on-chain, as given to verify(). */
  anchoredRoot?: string
  anchoredEntryCount?: number
  /**
   * Whether the anchored entries were all found here, unchanged. False means the replica
   * lacks some of them (not synced yet, or dropped) or one was changed; undefined without an anchor.
   */
  anchorFound?: boolean
}

/** The latest on-chain anchor of the history, as src/chain readLatestAnchor returns it. */
export interface AnchorData {
  root: string
  entryCount: number | bigint
}

/** One block of the log as the views draw it: its hash, the blocks it follows, its writer, and what it holds. */
export interface LogBlock {
  hash: string
  previous: readonly string[]
  writer: Address
  /** The entry inside; undefined when this device cannot read it (then `unreadable` says why). */
  entry?: HistoryEntry
  unreadable?: string
  /**
   * True for a block repeating an entry its writer already wrote (the same writer and entry id):
   * the writer's earliest such block by clock, then by hash, is the entry; the others are kept in
   * the log, not shown twice. Another writer's block with that id is no duplicate but an entry of
   * its own, which the views show as a conflicting copy (RecordVersions.copyOf).
   */
  duplicate?: boolean
  /** A key drop: keys of a later epoch for the readers who remain after a revocation, not a record. */
  keyDrop?: boolean
}

/** What one update of the log brought, as subscribers hear it. */
export interface HistoryChange {
  /** Entries that arrived (from this device or a peer), already opened and validated. */
  added: HistoryEntry[]
  /** Entries that could not be read (no key for their epoch, or invalid): shown as unreadable blocks. */
  unreadable: { hash: string; reason: string }[]
  /** The patient's key drops that arrived (each starts an epoch), by hash. */
  keyDrops: string[]
}

/** The key drop that started an epoch, as every device settles on it: of the drops for the same epoch, the one with the lowest hash. */
export interface EpochRotation {
  epoch: number
  /** The ledger state whose live grants chose who got the epoch's key: an access that ended later calls for another epoch. */
  asOf: LedgerMark
  /** The drop's block. */
  hash: string
  /** Whether this device got the epoch's key from it. */
  opened: boolean
  /** The X25519 public keys (lowercase hex) it wrapped keys for: the patient's and the readers' then. */
  recipients: readonly string[]
}

/** The public API of a patient's history once the log is there. */
export interface PatientHistory {
  readonly patient: Address
  /** Who writes from this device: the patient, or a doctor. */
  readonly writer: Address
  /** The OrbitDB address of the log. */
  readonly address: string
  /** Every readable entry, one per writer and entry id, in log order. Views: recordVersions, latestVersions, queryHistory, buildDiagnosticChains. */
  entries(): readonly HistoryEntry[]
  /** Blocks of the log this device cannot read (no key for their epoch) or that are invalid. */
  unreadable(): readonly { hash: string; reason: string }[]
  /** Every block of the log in log order, with its links and writer, and its entry when it could be read here. */
  blocks(): readonly LogBlock[]
  /** The latest versions that match, in time order. */
  query(query?: HistoryQuery): HistoryEntry[]
  /** Adds a new record as one entry, sealed and appended; throws a HistoryError as {@link prepareAdd} and `STALE_KEY` or `NOT_GRANTED` when this device cannot seal it. */
  add(record: HistoryRecord): Promise<HistoryEntry>
  /** Adds many records as one batch: one storage transaction, one announcement to peers. */
  addMany(records: readonly HistoryRecord[]): Promise<HistoryEntry[]>
  /** Appends a correction of entry `entryId`; throws a HistoryError as {@link prepareAmend} and `STALE_KEY` or `NOT_GRANTED` when this device cannot seal it. */
  amend(entryId: string, record: HistoryRecord): Promise<HistoryEntry>
  /** Calls `listener` with each change the log brings; returns the function that unsubscribes. */
  subscribe(listener: (change: HistoryChange) => void): () => void
  /** Checks every block from storage and compares the log with the latest on-chain anchor (none: nothing is `verified`). */
  verify(options?: { anchor?: AnchorData | null }): Promise<VerifyReport>
  /** What to anchor on-chain now: anchor(root, entryCount). */
  anchor(): { root: `0x${string}`; entryCount: number }
  /** How many of the log's blocks are key drops: bookkeeping, not records, left out of the views. */
  keyDropCount(): number
  /** The data keys this device holds now: those the history was opened with and those key drops brought since. Never leaves the device. */
  keyring(): EpochKeyring
  /** The newest epoch the history has reached as far as this device can tell (a key drop or a record of the patient's), whether or not it holds its key. */
  newestEpoch(): number
  /** The drop that started the newest epoch (see {@link EpochRotation}); undefined while the history is in epoch 0. */
  latestRotation(): EpochRotation | undefined
  /** Why this device may not seal new records now (the history moved to a key it does not hold), or undefined when it may. */
  staleness(): string | undefined
  /** Stops listening and closes the log. */
  close(): Promise<void>
}

/** What {@link prepareAdd} and {@link prepareAmend} need: the record, its writer and the history's patient. */
export interface PrepareInput {
  record: unknown
  /** Who writes: the patient, or a doctor with a live write grant. */
  writer: string
  /** The history's patient. */
  patient: string
  now?: number
}

/**
 * A validated new entry for a new record, checked against the history it joins.
 *
 * @throws {HistoryError} `INVALID_ENTRY` for a malformed writer or patient address,
 *   `UNKNOWN_RECORD_TYPE`, `MISSING_FIELD`, `INVALID_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT` for the record, `DUPLICATE_RECORD` when its "Type/id" is taken.
 */
export function prepareAdd(entries: readonly HistoryEntry[], input: PrepareInput): HistoryEntry {
  const patient = toAddress(input.patient, 'patient')
  const entry = createEntry({ record: input.record, writer: input.writer, patient, ...(input.now === undefined ? {} : { now: input.now }) })
  checkAppend(entries, entry, { patient })
  return entry
}

/**
 * A validated correction of entry `entryId`, checked against the history it joins.
 *
 * @throws {HistoryError} `INVALID_ENTRY` for a malformed writer, patient or entry id,
 *   `UNKNOWN_RECORD_TYPE`, `MISSING_FIELD`, `INVALID_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT` for the record, and `UNKNOWN_ENTRY` or `INVALID_AMENDMENT` as {@link checkAppend}.
 */
export function prepareAmend(entries: readonly HistoryEntry[], entryId: string, input: PrepareInput): HistoryEntry {
  const patient = toAddress(input.patient, 'patient')
  const entry = createEntry({ record: input.record, writer: input.writer, patient, amends: entryId, ...(input.now === undefined ? {} : { now: input.now }) })
  checkAppend(entries, entry, { patient })
  return entry
}

/**
 * Validated new entries for many new records at once, checked against the history and
 * each other: the same checks as prepareAdd, without rebuilding the history's index per record.
 *
 * @throws {HistoryError} As {@link prepareAdd}, for the first record that fails.
 */
export function prepareAddMany(entries: readonly HistoryEntry[], records: readonly unknown[], input: Omit<PrepareInput, 'record'>): HistoryEntry[] {
  const patient = toAddress(input.patient, 'patient')
  const taken = new Map(entries.map((entry) => [recordKey(entry.record), entry.id]))
  return records.map((record) => {
    const entry = createEntry({ record, writer: input.writer, patient, ...(input.now === undefined ? {} : { now: input.now }) })
    const key = recordKey(entry.record)
    const existing = taken.get(key)
    if (existing !== undefined) {
      throw new HistoryError('DUPLICATE_RECORD', `The history already has ${key} (entry ${existing}): correct it by amending that entry instead of adding it again.`, {
        field: `${entry.record.resourceType}.id`
      })
    }
    taken.set(key, entry.id)
    return entry
  })
}
