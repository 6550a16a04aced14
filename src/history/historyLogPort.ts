// The log a patient's history is kept in, as src/history needs it: a port owned by its
// consumer. src/p2p's PatientLog implements it; tests may hand in a small fake.
import type { Address } from './historyEntry.ts'

/** One block of the log: its content hash, the sealed envelope it carries, who signed it and what it follows. */
export interface LoggedBlock {
  hash: string
  /** The encrypted envelope (or key drop) the block carries. */
  payload: Uint8Array
  /** The wallet whose verified identity signed the block. */
  writer: Address
  /** Hashes of the blocks this one follows. */
  next: readonly string[]
  /** The block's Lamport time: later than every block it follows. */
  clock: { time: number }
}

/** What the log reports; the history acts on blocks that joined it and ignores the rest. */
export type HistoryLogEvent = { type: 'added'; entries: readonly LoggedBlock[] } | { type: 'rejected' | 'progress' | 'sync-error' | 'peer-misbehaved' | 'writer' }

/** A block read back from storage and checked again, for verify(). */
export interface StoredBlockCheck {
  hash: string
  /** What is wrong with it; undefined when its hash, form, signature, identity, links and write access hold. */
  problem?: string
  writer?: Address
  /** The payload as stored, for the history to open. */
  payload?: Uint8Array
}

/** The patient's append-only log of sealed blocks, opened by whoever composes the history (the session). */
export interface HistoryLog {
  /** The log's address: the same on every peer that holds this patient's history. */
  readonly address: string
  /** The patient whose history the log holds. */
  readonly patient: string
  /** This device's writer identity. */
  readonly identity: { readonly address: string }
  /** Every block, parents before children. */
  entries(): readonly LoggedBlock[]
  /** Appends one block per payload, chained, signed by this device's identity, in one storage transaction. */
  append(payloads: readonly Uint8Array[]): Promise<unknown>
  /** Calls `listener` with each event of the log; returns the function that unsubscribes. */
  subscribe(listener: (event: HistoryLogEvent) => void): () => void
  /** Every block re-read from storage and checked. */
  checkBlocks(): Promise<StoredBlockCheck[]>
  /** What to anchor on-chain now: the root of the heads and the number of entries. */
  anchor(): { root: `0x${string}`; entryCount: number }
  /** The blocks an on-chain anchor covers, or undefined when this log does not hold them as anchored. */
  anchored(anchor: { root: string; entryCount: number | bigint }): Set<string> | undefined
  /** Stops the log. */
  close(): Promise<void>
}
