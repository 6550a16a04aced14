// What the views draw: the patient's log as blocks. Each block is one log entry,
// carrying its content hash, the hashes it links to and the verdict of the history's
// verify(); the record inside is there when the entry could be read.
import type { Address, HistoryEntry, Verdict } from '../history/index.ts'

export interface HistoryBlock {
  /** The log entry's content hash; the views show its first characters. */
  entryHash: string
  /** Hashes of the entries this one links to (one, or several after concurrent writes). */
  previous: readonly string[]
  verdict: Verdict
  /** Why a broken block is broken, in words a patient can act on. */
  reason?: string
  writer: Address
  /** The entry inside, when it could be opened; an unreadable block has none. */
  entry?: HistoryEntry
}

/** The short form of a hash that the views print: its first 8 characters. */
export function shortHash(hash: string): string {
  return hash.slice(0, 8)
}
