// What a patient's history log offers its callers: the log itself (implementing src/history's
// HistoryLog port), its entries as stored, the events it reports, and what verify() reads back.
import type { HistoryLog } from '../history/index.ts'
import type { Anchor } from './historyRoot.ts'
import type { LogEntry } from './logEntry.ts'
import type { VerifiedIdentity, WalletAddress, WalletIdentity } from './walletIdentity.ts'
import type { PeerId } from '@libp2p/interface'

/** An entry of the log with the wallet that wrote it (from its verified identity). */
export interface StoredEntry extends LogEntry {
  /** The wallet the entry's identity is bound to. */
  writer: WalletAddress
  /** The version of the writer's keys its identity was derived for (the identity binding names it). */
  writerKeyVersion: number
}

/** What a history log tells its subscribers. */
export type LogEvent =
  /** Entries joined the log: written here, pulled from a peer, or stored by another tab. */
  | { type: 'added'; entries: StoredEntry[]; origin: 'local' | 'peer' | 'tab' | 'backup' }
  /** Entries a peer offered that failed a check; they are not stored. */
  | { type: 'rejected'; entries: { hash: string; reason: string }[]; peer: string }
  /** A pull is under way: how many entries of it were settled so far, and how many the peer said it brings in all (when it said). */
  | { type: 'progress'; peer: string; settled: number; expected?: number }
  /** Replication with a peer failed (what arrived before stays); `peer` when known. */
  | { type: 'sync-error'; peer?: string; error: string }
  /** A peer broke the sync protocol's rules: it was disconnected and is held off for a while. */
  | { type: 'peer-misbehaved'; peer: string; reason: string }
  /** This tab became the log's writer. */
  | { type: 'writer' }

/**
 * Every block a fresh device needs to open and check a history log: what a backup file holds.
 * All of it is ciphertext or public: entries carry encrypted envelopes (data keys travel only
 * inside key drops, wrapped), identities and manifests name wallets and keys' public halves.
 */
export interface LogBlocks {
  /** The log's OrbitDB address, `/orbitdb/<manifest hash>`. */
  address: string
  /** The log's heads: the entries nothing else in it follows. */
  heads: string[]
  /** The log's OrbitDB manifest block: its name (which names the patient), type and access controller. */
  manifest: Uint8Array
  /** The access controller's manifest block: the patient who owns the log. */
  accessController: Uint8Array
  /** The identity blocks of the entries' writers. */
  identities: Uint8Array[]
  /** The entry blocks, parents before children. */
  entries: Uint8Array[]
}

/** What a restore added to the log. */
export interface ImportResult {
  /** Entries the log did not hold and now does. */
  added: number
  /** Entries the log held already. */
  held: number
}

/** One entry of the log as read back from storage by checkBlocks(). */
export interface BlockCheck {
  hash: string
  /** What is wrong with it; undefined when its hash, form, signature, identity, links and write access hold. */
  problem?: string
  writer?: WalletAddress
  /** The payload as stored, for the caller to decrypt. */
  payload?: Uint8Array
}

/** The log of one patient's history: the port src/history reads and appends to, and what replication adds. */
export interface PatientLog extends HistoryLog {
  readonly address: string
  readonly patient: WalletAddress
  /** This device's identity. */
  readonly identity: VerifiedIdentity
  /** Whether this tab writes the log (see writerLock.ts); other tabs hand their writes to it. */
  readonly writer: boolean
  /** Every entry, parents before children (Lamport time, then hash). */
  entries(): readonly StoredEntry[]
  get(hash: string): StoredEntry | undefined
  /** The entries nothing else in the log follows. */
  heads(): string[]
  /** Entries listed in storage whose block is missing or does not match its hash. */
  damaged(): { hash: string; reason: string }[]
  /**
   * Appends one entry per payload, chained, in one storage transaction; in a tab that does not
   * write the log, the writer tab appends them. The payloads are stored as given (encrypt first).
   * @throws {P2PError} `WRITE_NOT_ALLOWED` when this wallet is neither the patient nor holds a live
   *   write grant; `LOG_CLOSED` when the log is closed, or the writer tab did not answer in 15 s;
   *   `STORAGE_FULL` when the browser has no room left for them (nothing is appended, the log is as it was).
   */
  append(payloads: readonly Uint8Array[]): Promise<StoredEntry[]>
  /**
   * append(), signed by another identity of this device's wallet: the identity of its next keys,
   * which vouches, as the first entry it writes on top of the heads, for everything written before.
   * Only in the tab that writes the log.
   * @throws {P2PError} `INVALID_IDENTITY` when `as` is another wallet's; `LOG_CLOSED` in a tab that
   *   does not write the log; and as append() does.
   */
  appendAs(as: WalletIdentity, payloads: readonly Uint8Array[]): Promise<StoredEntry[]>
  /**
   * Says that many appends will follow soon (an import's preview is on screen): in the tab that
   * writes the log, the signing worker starts and readies itself now rather than with the first one.
   */
  prepareToWrite(): void
  /**
   * Calls `listener` with every event from now on; a listener that throws is logged, not propagated.
   * @returns The function that unsubscribes.
   */
  subscribe(listener: (event: LogEvent) => void): () => void
  /**
   * Pulls what `peer` has and this log lacks; resolves when done. A pull from `peer` already under
   * way is followed by one more, for what it may have missed, unless `joinRunning` says that one will do.
   * `holder`, the wallet the peer is known to prove (a keeper's), has its registered key version asked
   * at once, while the peer checks our hello, not after its own.
   * Every entry is checked before it is stored; refused ones are reported as a `rejected` event.
   * @param peer - A peer id, or its string form; the pull needs a direct connection to it.
   * @throws {NoDirectConnectionError} When there is no direct connection to `peer`.
   * @throws {SyncRefusedError} When the peer does not serve this log.
   * @throws {P2PError} `LOG_CLOSED` when the log is closed. A pull cut off (the log closing, the
   *   pull timeout, a broken stream, a peer silent for 15 s) rejects with that error; what arrived before is kept.
   */
  syncWith(peer: PeerId | string, options?: { joinRunning?: boolean; holder?: string }): Promise<void>
  /**
   * Every block a fresh device needs to open and check this log (LogBlocks): its entries, their
   * writers' identities, its manifest and its access controller's, read from this device's stores.
   * Entries listed as damaged are left out. Rejects as the stores do.
   */
  exportBlocks(): Promise<LogBlocks>
  /**
   * Admits entries from a file through the checks a pull uses (logReceiver.ts: form, log, writer
   * identity, key, signature, links, clock, write access), all or nothing: when any entry is
   * refused, nothing is stored. Entries the log holds already are only counted, so a restore of
   * the same file, or of an older one, adds nothing and loses nothing.
   * @throws {P2PError} `ENTRIES_REFUSED` when an entry fails a check (its reason in the message,
   *   every refusal in `details`); `LOG_CLOSED` when the log is closed, or another tab of this browser
   *   writes it (only the writer tab stores); `STORAGE_FULL` as append does.
   */
  importBlocks(blocks: Pick<LogBlocks, 'identities' | 'entries'>): Promise<ImportResult>
  /** Every entry re-read from storage and checked: hash, form, signature, identity, links, write access. */
  checkBlocks(): Promise<BlockCheck[]>
  /** What to anchor on-chain now: the root of the heads and the number of entries. */
  anchor(): { root: `0x${string}`; entryCount: number }
  /** The entries an on-chain anchor covers, or undefined when this log does not hold them as anchored. */
  anchored(anchor: Anchor): Set<string> | undefined
  /**
   * Forget cached answers about grants and key versions, e.g. as a rotation starts; with `'grants'`,
   * about grants only (a grant or a revocation seen changes no key version).
   */
  refreshAccess(only?: 'grants'): void
  /** Stops replication, waits for the pulls under way, and gives up the writer role to another tab; again is a no-op. */
  close(): Promise<void>
}
