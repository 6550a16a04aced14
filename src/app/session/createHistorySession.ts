// The connected wallet's history session as the pages use it: signals over src/session's
// history session (unlocking, the own history, a doctor's reading of a patient's history),
// reconnected whenever the wallet or the p2p node changes.
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js'
import type { LatestAnchor } from '../../chain/index.ts'
import type { HistoryRecord, PatientHistory, VerifyReport } from '../../history/index.ts'
import { startHistoryOrbit, type HistoryOrbit, type PatientLog } from '../../p2p/index.ts'
import {
  browserKeyVault,
  browserStorage,
  chainLedger,
  createHistorySessionModel,
  emergencyKeysClientOver,
  historyBlocks,
  keeperClientOver,
  walletSigner,
  type AnchorStep,
  type Cell,
  type HandedOn,
  type HistorySessionState,
  type KeepersModel,
  type KeepersState,
  type KeeperView,
  type KeyReplacement,
  type OwnHistoryModel,
  type PatientReadingModel,
  type PeerMisconduct,
  type Persistence,
  type ReadingState,
  type ReplaceStep,
  type TrackedHistory,
  type WalletKeys
} from '../../session/index.ts'
import type { HistoryBlock } from '../../viz/historyBlock.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { appSigningDomain } from './appSigningDomain.ts'
import { isNamedKeeper } from '../visit/patientDevices.ts'

export type { AnchorStep, HistorySessionState, KeyReplacement, ReadingState, ReplaceStep }

/** A patient's history open on this device, as the pages use it: the patient's own, or one a doctor reads. */
export interface HistoryView {
  history: PatientHistory
  log: PatientLog
  /** Bumps whenever entries arrive or verdicts change: read it to track the history. */
  version: Accessor<number>
  /** The log as the views draw it, with the latest verdicts. */
  blocks(): HistoryBlock[]
  report: Accessor<VerifyReport | undefined>
  latestAnchor: Accessor<LatestAnchor | null | undefined>
  /** Peers that broke the sync protocol's rules while the history was open, newest last. */
  misconduct: Accessor<readonly PeerMisconduct[]>
  verify(): Promise<void>
  add(records: readonly HistoryRecord[]): Promise<number>
  /** Appends a correction of entry `entryId`; the new entry's id. */
  amend(entryId: string, record: HistoryRecord): Promise<string>
  /** Runs many adds in a row as a sync runs: verifying waits, the views redraw less often. */
  bulk<T>(work: () => Promise<T>): Promise<T>
}

export interface OwnHistory extends HistoryView {
  anchorStep: Accessor<AnchorStep>
  /** Anchors the heads of the history on-chain (the patient's transaction). */
  anchorNow(): Promise<void>
  /**
   * The history's keys for the granted categories (indexes into the grant's category list),
   * every epoch, wrapped for a reader's published X25519 key, as one byte string.
   */
  wrapFor(readerPublicKey: Uint8Array, categories: readonly number[]): Promise<Uint8Array>
  /** The epoch new records are sealed under. */
  epoch: Accessor<number>
  /** What a revocation moves the history's key with (src/session rotateHistoryKey). */
  rotate: OwnHistoryModel['rotate']
  latestRotation: OwnHistoryModel['latestRotation']
  moveKeys: OwnHistoryModel['moveKeys']
}

export interface PatientReading extends HistoryView {
  reading: Accessor<ReadingState>
  /** Whether this doctor's grant is live now, as the ledger says; checked again at every consent event. */
  access: Accessor<'checking' | 'live' | 'ended'>
  /** Reconnects to the patient's device and pulls again: at once, not at the next scheduled retry. */
  resync(): Promise<void>
  close(): Promise<void>
}

/** The patient's keepers, as Settings shows them. */
export interface Keepers {
  state: Accessor<KeepersState>
  list: Accessor<readonly KeeperView[]>
  enrol: KeepersModel['enrol']
  remove: KeepersModel['remove']
  publishCard: KeepersModel['publishCard']
  links: KeepersModel['links']
  refresh(): Promise<void>
}

export interface HistorySession {
  state: Accessor<HistorySessionState>
  /** The connected user's own history, once open. */
  own: Accessor<OwnHistory | undefined>
  /** The keys of this wallet on this device, once unlocked. */
  keys: Accessor<WalletKeys | undefined>
  orbit: Accessor<HistoryOrbit | undefined>
  /** Set when a check of who has access (an expiry, a revocation not yet acted on) moved the history to a new key, for the patient to read. */
  rotationNotice: Accessor<string | undefined>
  /** What the browser answered when asked to keep this site's data, once a history has opened here. */
  persistence: Accessor<Persistence | undefined>
  /** The patient's keepers, once the own history is open here. */
  keepers: Accessor<Keepers | undefined>
  /** Asks the wallet for the signatures this device lacks and opens the history. */
  unlock(): Promise<void>
  /** Replaces this wallet's keys (two signatures, a transaction) and moves the history under them; `onStep` hears where it is. */
  replaceKeys(onStep?: (step: ReplaceStep) => void): Promise<KeyReplacement>
  /**
   * A doctor opens a patient's history with the data keys the patient wrapped for them, and
   * pulls it from the patient's device (`peer`, connected directly), or from a keeper whose wallet is `holder`.
   */
  readPatient(patient: string, wrappedKeys: Uint8Array, peer: string, reconnect?: () => Promise<void>, holder?: string): Promise<PatientReading>
  /**
   * Starts fetching a patient's log (ciphertext) from their device before any key arrives; failures
   * are left to readPatient. The function it returns closes that log again (the patient declined).
   */
  prefetchPatient(patient: string, peer: string): () => Promise<void>
  /** As a guardian of `patient`, hands `doctor` the emergency records' keys through the patient's keepers (src/session emergencyKeys.ts). */
  handEmergencyKeys(patient: string, doctor: string, keepers: readonly string[]): Promise<HandedOn>
  /** As a treating doctor, takes the emergency keys a guardian of `patient` left with the keeper at `keeper`. */
  takeEmergencyKeys(patient: string, keeper: string): Promise<Uint8Array>
}

/** A signal that follows a cell. */
function signalOf<T>(cell: Cell<T>): Accessor<T> {
  const [value, setValue] = createSignal<T>(cell.get())
  cell.subscribe((next) => setValue(() => next))
  return value
}

/** A cell of models as a signal of their bindings, each bound once. */
function boundSignalOf<M extends object, B>(cell: Cell<M | undefined>, bind: (model: M) => B): Accessor<B | undefined> {
  const bound = new WeakMap<M, B>()
  const bindOnce = (model: M | undefined): B | undefined => {
    if (model === undefined) return undefined
    const known = bound.get(model)
    if (known !== undefined) return known
    const fresh = bind(model)
    bound.set(model, fresh)
    return fresh
  }
  const [value, setValue] = createSignal<B | undefined>(bindOnce(cell.get()))
  cell.subscribe((next) => setValue(() => bindOnce(next)))
  return value
}

function bindView(tracked: TrackedHistory): HistoryView {
  const version = signalOf(tracked.version)
  const report = signalOf(tracked.report)
  return {
    history: tracked.history,
    log: tracked.log,
    version,
    report,
    latestAnchor: signalOf(tracked.latestAnchor),
    misconduct: signalOf(tracked.misconduct),
    verify: () => tracked.verify(),
    add: (records) => tracked.add(records),
    amend: (entryId, record) => tracked.amend(entryId, record),
    bulk: (work) => tracked.bulk(work),
    blocks: () => {
      version()
      return historyBlocks(tracked.history, report())
    }
  }
}

function bindOwn(model: OwnHistoryModel): OwnHistory {
  return {
    ...bindView(model),
    anchorStep: signalOf(model.anchorStep),
    epoch: signalOf(model.epoch),
    anchorNow: () => model.anchorNow(),
    wrapFor: (readerPublicKey, categories) => model.wrapFor(readerPublicKey, categories),
    rotate: (input) => model.rotate(input),
    latestRotation: () => model.latestRotation(),
    moveKeys: (task) => model.moveKeys(task)
  }
}

function bindKeepers(model: KeepersModel): Keepers {
  return {
    state: signalOf(model.state),
    list: signalOf(model.keepers),
    enrol: (address, terms) => model.enrol(address, terms),
    remove: (address) => model.remove(address),
    publishCard: (summary, inUse, now) => model.publishCard(summary, inUse, now),
    links: () => model.links(),
    refresh: () => model.refresh()
  }
}

function bindReading(model: PatientReadingModel): PatientReading {
  return {
    ...bindView(model),
    reading: signalOf(model.reading),
    access: signalOf(model.access),
    resync: () => model.resync(),
    close: () => model.close()
  }
}

export function createHistorySession(app: AppStore): HistorySession {
  const model = createHistorySessionModel<HistoryOrbit>({ vault: browserKeyVault, storage: browserStorage(), writes: app.writes })

  // A wallet (or node) change closes what was open and reopens silently when this device holds the keys.
  createEffect(
    on(
      () => [ledgerContext(app)?.wallet.address, app.p2pNode()] as const,
      () => {
        const context = ledgerContext(app)
        const node = app.p2pNode()
        void model.connect(
          context === undefined
            ? undefined
            : {
                wallet: walletSigner(context.wallet),
                ledger: chainLedger(context),
                domain: appSigningDomain(context),
                startOrbit: node === undefined ? undefined : (options) => startHistoryOrbit({ node, ...options }),
                keeperClient: node === undefined ? undefined : keeperClientOver(node, context.wallet.address),
                emergencyKeys: node === undefined ? undefined : emergencyKeysClientOver(node),
                isNamedKeeper
              }
        )
      }
    )
  )
  onCleanup(() => void model.close())

  return {
    state: signalOf(model.state),
    own: boundSignalOf(model.own, bindOwn),
    keys: signalOf(model.keys),
    orbit: signalOf(model.orbit),
    rotationNotice: signalOf(model.rotationNotice),
    persistence: signalOf(model.persistence),
    keepers: boundSignalOf(model.keepers, bindKeepers),
    unlock: () => model.unlock(),
    replaceKeys: (onStep) => model.replaceKeys(onStep),
    readPatient: async (patient, wrappedKeys, peer, reconnect, holder) => bindReading(await model.readPatient(patient, wrappedKeys, peer, reconnect, holder)),
    prefetchPatient: (patient, peer) => model.prefetchPatient(patient, peer),
    handEmergencyKeys: (patient, doctor, keepers) => model.handEmergencyKeys(patient, doctor, keepers),
    takeEmergencyKeys: (patient, keeper) => model.takeEmergencyKeys(patient, keeper)
  }
}
