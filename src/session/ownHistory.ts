// The patient's own history, open on this device: anchoring, the keys handed to readers, and
// the key epoch, which moves forward after a revocation or an expiry (rotateKey) or when the
// patient's own blocks show a later epoch written on another device (adoption).
import { addEpochKey, currentKey, createKeyDrop, decodeEnvelope, deriveDataKey, encodeWrappedKeys, wrapKeyringFor, type EpochKeyring } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import type { PatientHistory } from '../history/index.ts'
import type { PatientLog } from '../p2p/index.ts'
import { createCell, type Cell } from './cell.ts'
import type { Clock, SessionLedger, SessionLog } from './sessionPorts.ts'
import { trackHistory, type TrackedHistory } from './trackHistory.ts'
import type { KeyringStore } from './unlockKeys.ts'
import type { WriteGate } from './writeGate.ts'


/** The most epochs a device moves forward in one step on the evidence of its log (one per revocation). */
export const MAX_EPOCH_JUMP = 1024

export type AnchorStep =
  | { step: 'idle' }
  | { step: 'sending' }
  | { step: 'done'; entryCount: number; blockNumber: bigint }
  | { step: 'failed'; error: string }

/** A reader who keeps access: their published X25519 key and their categories (indexes into the grant's category list). */
export interface KeyReader {
  publicKey: Uint8Array
  categories: readonly number[]
}

export interface OwnHistoryModel extends TrackedHistory {
  anchorStep: Cell<AnchorStep>
  /** The epoch new records are sealed under. */
  epoch: Cell<number>
  /** Anchors the heads of the history on-chain (the patient's transaction). */
  anchorNow(): Promise<void>
  /** The history's keys for the granted categories, every epoch, wrapped for a reader's published X25519 key, as one byte string. */
  wrapFor(readerPublicKey: Uint8Array, categories: readonly number[]): Promise<Uint8Array>
  /** A new epoch: new records are sealed under a fresh key. Returns the new epoch. */
  rotateKey(): Promise<number>
  /** Hands the current epoch's keys of their categories to readers who keep access, in a key drop in the log. */
  dropKeys(readers: readonly KeyReader[]): Promise<void>
}

export interface OpenOwnHistoryOptions {
  history: PatientHistory
  log: PatientLog
  ledger: Pick<SessionLedger, 'readLatestAnchor' | 'watchAuditTrail' | 'anchor'>
  keyring: EpochKeyring
  /** The wallet's X25519 secret key: every epoch's data key is derived from it. */
  encryptionSecretKey: Uint8Array
  /** The keyring as the vault holds it, shared by every tab of this device. */
  store: KeyringStore
  clock: Clock
  logger: SessionLog
  /** Where this history's writes count as under way: records, anchors, epochs, key drops. */
  writes?: WriteGate
}

/** The epoch of a block the patient wrote, or undefined for another writer's block or one that is no envelope. */
function patientEpoch(block: { writer: string; payload: Uint8Array } | undefined, patient: string): number | undefined {
  if (block === undefined || block.writer !== patient) return undefined
  try {
    return decodeEnvelope(block.payload).epoch
  } catch {
    // Not an envelope: verify() shows the block as broken.
    return undefined
  }
}

/** Follows the patient's own history until dispose(), adopting later epochs its blocks show. */
export function openOwnHistory(options: OpenOwnHistoryOptions): OwnHistoryModel {
  const { history, log, ledger, store } = options
  const tracked = trackHistory(options)
  const write = <T>(work: () => Promise<T>): Promise<T> => (options.writes === undefined ? work() : options.writes.track(work))
  let keyring = options.keyring
  const epoch = createCell(keyring.current)
  const anchorStep = createCell<AnchorStep>({ step: 'idle' })

  /** The highest epoch the patient has written under, as the log shows it (another tab or device may be ahead of this one). */
  const highestWrittenEpoch = (): number => {
    let highest = 0
    for (const entry of log.entries()) highest = Math.max(highest, patientEpoch(entry, history.patient) ?? 0)
    return highest
  }

  // Moves to a later epoch, deriving every key up to it: one move at a time, under the keyring's
  // lock, from the highest epoch any tab stored or the patient wrote, so an epoch never repeats.
  // The keyring is stored before use: a record sealed under a key this device then lost would be
  // unreadable here for good.
  let advancing = Promise.resolve(keyring.current)
  const advanceTo = (targetOf: (current: number) => number): Promise<number> => {
    // A failed move (the vault refused) must not block the next one.
    advancing = advancing
      .catch(() => keyring.current)
      .then(() =>
        store.lock(async () => {
          let next = keyring
          const stored = await store.load()
          for (const [e, key] of stored?.keys ?? []) if (!next.keys.has(e)) next = addEpochKey(next, e, key)
          const target = targetOf(Math.max(next.current, highestWrittenEpoch()))
          const added: { epoch: number; key: Uint8Array }[] = [...next.keys].filter(([e]) => !keyring.keys.has(e)).map(([e, key]) => ({ epoch: e, key }))
          for (let e = next.current + 1; e <= target; e++) {
            const key = deriveDataKey(options.encryptionSecretKey, history.patient, e)
            next = addEpochKey(next, e, key)
            added.push({ epoch: e, key })
          }
          if (added.length === 0) return keyring.current
          await store.save(next)
          keyring = next
          history.addKeys(added)
          epoch.set(next.current)
          return next.current
        })
      )
    return advancing
  }

  // On a new device the vault starts at epoch 0: the patient's own entries of later epochs
  // (after revocations, written on another device) show the epoch in use, and the wallet derives
  // its key. Only the patient's blocks count (a doctor could write any epoch number), and only a
  // bounded jump (a corrupt number must not make this device derive keys for hours).
  const adoptEpochs = (hashes: readonly string[]): void => {
    let highest = keyring.current
    for (const hash of hashes) highest = Math.max(highest, patientEpoch(log.get(hash), history.patient) ?? highest)
    if (highest > keyring.current + MAX_EPOCH_JUMP) {
      options.logger.error(`Your history names epoch ${highest}, far beyond this device's ${keyring.current}: not deriving its key.`)
      return
    }
    if (highest > keyring.current) void write(() => advanceTo(() => highest)).catch((error: unknown) => options.logger.error('Deriving the keys of later epochs failed:', error))
  }
  adoptEpochs(history.unreadable().map(({ hash }) => hash))
  const stopAdopting = history.subscribe((change) => adoptEpochs(change.unreadable.map(({ hash }) => hash)))

  return {
    ...tracked,
    anchorStep,
    epoch,
    anchorNow: () => write(async () => {
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
      // A rotation under way finishes first: a reader approved now gets the epoch new records use.
      await advancing.catch(() => undefined)
      return encodeWrappedKeys(wrapKeyringFor(keyring, readerPublicKey, categories))
    },
    rotateKey: () => write(() => advanceTo((current) => current + 1)),
    dropKeys: (readers) =>
      write(async () => {
        const granted = readers.filter((reader) => reader.categories.length > 0)
        if (granted.length === 0) return
        await advancing.catch(() => undefined)
        const { epoch: current, key } = currentKey(keyring)
        await log.append([createKeyDrop(current, key, granted)])
      }),
    dispose() {
      stopAdopting()
      tracked.dispose()
    }
  }
}
