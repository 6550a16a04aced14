// The patient's own history, open on this device: anchoring, the keys handed to readers, and the
// key epoch. The history moves to a new epoch, under a fresh random key, whenever someone's
// access ends (rotateHistoryKey.ts decides when); the key travels in a key drop addressed to the
// patient's own encryption key and to the readers who keep access, so every device of the
// patient adopts the newest epoch from the history itself, whichever device made it.
import { createKeyDrop, encodeWrappedKeys, newEpochKey, wholeKeys, wrapKeyringFor, type LedgerMark } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import { HistoryError, type EpochRotation, type PatientHistory } from '../history/index.ts'
import type { PatientLog, WalletIdentity } from '../p2p/index.ts'
import { createCell, type Cell } from './cell.ts'
import type { Clock, SessionLedger, SessionLog } from './sessionPorts.ts'
import { trackHistory, type TrackedHistory } from './trackHistory.ts'
import type { WriteGate } from './writeGate.ts'

export type AnchorStep =
  | { step: 'idle' }
  | { step: 'sending' }
  | { step: 'done'; entryCount: number; blockNumber: bigint }
  | { step: 'failed'; error: string }

/** A reader who keeps access: their published X25519 key and their categories (indexes into the grant's category list). */
export interface KeyReader {
  publicKey: Uint8Array
  categories: readonly number[]
  /** Also every earlier epoch's keys of those categories: a guardian, who hands the emergency records on (keyReaders.ts). */
  earlier?: boolean
}

/** What a move to a new epoch needs: who gets its key, and the ledger state that chose them. */
export interface RotateInput {
  /** The ledger block (and its time) whose live grants chose `readers`: an access that ends after it calls for another epoch. */
  asOf: LedgerMark
  /** The readers who keep access; those with no category get nothing. */
  readers: readonly KeyReader[]
  /**
   * The patient's new X25519 public key, when their keys are being replaced: the new epoch's key and
   * every earlier epoch's are wrapped for it, and nothing for the old key. Without it, the new epoch's
   * key is wrapped for the patient's current key.
   */
  newOwnerKey?: Uint8Array
  /**
   * With newOwnerKey: the patient's identity of the new keys, which signs the drop. Its first entry,
   * on top of the heads, vouches for everything before it: once the new keys are registered, peers
   * admit the old identity's entries only where the current identity builds on them.
   */
  newIdentity?: WalletIdentity
}

export interface OwnHistoryModel extends TrackedHistory {
  anchorStep: Cell<AnchorStep>
  /** The epoch new records are sealed under. */
  epoch: Cell<number>
  /** Anchors the heads of the history on-chain (the patient's transaction). */
  anchorNow(): Promise<void>
  /** The history's keys for the granted categories, every epoch, wrapped for a reader's published X25519 key, as one byte string. */
  wrapFor(readerPublicKey: Uint8Array, categories: readonly number[]): Promise<Uint8Array>
  /**
   * Moves the history to a new epoch under a fresh random key, written into the history as a key drop
   * for the patient's own key and for `readers`. Call it inside {@link moveKeys}. Returns the new epoch.
   */
  rotate(input: RotateInput): Promise<number>
  /** The key drop that started the newest epoch, as every device settles on it; undefined in epoch 0. */
  latestRotation(): EpochRotation | undefined
  /**
   * Runs `task` (a look at who still has access, and any rotation it calls for) while nothing else on this
   * device moves this history's keys, one task at a time (other tabs included); new records and keys handed
   * to readers wait until it settles, so they go under the epoch it leads to.
   */
  moveKeys<T>(task: () => Promise<T>): Promise<T>
}

export interface OpenOwnHistoryOptions {
  /** The patient's history, opened with their keyring and their encryption key pair as its reader (so it opens their key drops). */
  history: PatientHistory
  log: PatientLog
  ledger: Pick<SessionLedger, 'readLatestAnchor' | 'watchAuditTrail' | 'anchor'>
  /** The patient's X25519 public key: every new epoch's key is wrapped for it. */
  ownerKey: Uint8Array
  /** Runs a task while no other tab of this device moves the patient's keys (Web Locks in the browser). */
  lock: <T>(task: () => Promise<T>) => Promise<T>
  clock: Clock
  logger: SessionLog
  /** Where this history's writes count as under way: records, anchors, key drops. */
  writes?: WriteGate
}

/** Follows the patient's own history until dispose(); its epoch follows the key drops that arrive. */
export function openOwnHistory(options: OpenOwnHistoryOptions): OwnHistoryModel {
  const { history, log, ledger } = options
  const tracked = trackHistory(options)
  const write = <T>(work: () => Promise<T>): Promise<T> => (options.writes === undefined ? work() : options.writes.track(work))
  const epoch = createCell(history.keyring().current)
  const anchorStep = createCell<AnchorStep>({ step: 'idle' })
  // Another device's rotation arrives as a key drop for the patient's key: this device then seals under it.
  const stopFollowing = history.subscribe(() => epoch.set(history.keyring().current))

  let moving: Promise<unknown> = Promise.resolve()
  const settled = (): Promise<unknown> => moving.catch(() => undefined)
  const moveKeys = <T>(task: () => Promise<T>): Promise<T> => {
    const run = settled().then(() => options.lock(task))
    moving = run
    return run
  }
  const notStale = (): void => {
    const stale = history.staleness()
    if (stale !== undefined) throw new HistoryError('STALE_KEY', stale)
  }

  return {
    ...tracked,
    anchorStep,
    epoch,
    // A record waits for a key move under way, counted as a write from the moment it is asked for.
    add: (records) =>
      write(async () => {
        await settled()
        return tracked.add(records)
      }),
    amend: (entryId, record) =>
      write(async () => {
        await settled()
        return tracked.amend(entryId, record)
      }),
    anchorNow: () =>
      write(async () => {
        const { root, entryCount } = history.anchor()
        if (entryCount === 0) {
          anchorStep.set({ step: 'failed', error: 'There is nothing to anchor yet: add a record first.' })
          return
        }
        anchorStep.set({ step: 'sending' })
        try {
          const result = await ledger.anchor({ root, entryCount })
          anchorStep.set({ step: 'done', entryCount, blockNumber: result.blockNumber })
          await tracked.verify()
        } catch (error) {
          anchorStep.set({ step: 'failed', error: errorMessage(error) })
        }
      }),
    wrapFor: async (readerPublicKey, categories) => {
      // A key move under way finishes first: a reader approved now gets the epoch new records use.
      await settled()
      notStale()
      return encodeWrappedKeys(wrapKeyringFor(history.keyring(), readerPublicKey, categories))
    },
    rotate: ({ asOf, readers, newOwnerKey, newIdentity }) =>
      write(async () => {
        notStale()
        const next = history.newestEpoch() + 1
        const key = newEpochKey()
        const drop = createKeyDrop({
          epoch: next,
          key,
          asOf,
          owner: newOwnerKey ?? options.ownerKey,
          ...(newOwnerKey === undefined ? {} : { earlier: wholeKeys(history.keyring()) }),
          readers: readers
            .filter((reader) => reader.categories.length > 0)
            .map((reader) => ({ publicKey: reader.publicKey, categories: reader.categories, ...(reader.earlier === true ? { earlier: wholeKeys(history.keyring()) } : {}) }))
        })
        // The history holds the key from now on: the log stores the drop before the append resolves,
        // and the history reads it back as it does any other device's (a new owner key's drop only
        // opens once the history is opened again with that key).
        await (newIdentity === undefined ? log.append([drop]) : log.appendAs(newIdentity, [drop]))
        epoch.set(history.keyring().current)
        return next
      }),
    latestRotation: () => history.latestRotation(),
    moveKeys,
    dispose() {
      stopFollowing()
      tracked.dispose()
    }
  }
}
