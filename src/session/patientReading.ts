// A doctor's reading of a patient's history during a visit: the patient's log pulled from their
// device (retried while the grant lasts), opened with the keys the patient wrapped for this
// doctor, and the grant watched on the ledger, which says when access ends.
import { decodeWrappedKeys, type WalletKeys } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import type { PatientLog } from '../p2p/index.ts'
import { createCell, type Cell } from './cell.ts'
import { every, type Clock, type SessionLedger, type SessionLog, type TimerHandle } from './sessionPorts.ts'
import { SYNC_DRAW_MS, trackHistory, type TrackedHistory } from './trackHistory.ts'
import type { WriteGate } from './writeGate.ts'

/** How often a doctor's browser tries the patient's device again after it went away. */
export const RETRY_MS = 3_000
/** How often a doctor's browser asks the ledger whether its grant is still live. */
export const ACCESS_CHECK_MS = 30_000

/**
 * Where a doctor's copy of a patient's history stands: while syncing, the entries of the pull settled
 * so far and, when the peer said, how many it brings in all.
 */
export type ReadingState = { state: 'syncing'; received: number; expected?: number } | { state: 'synced' } | { state: 'offline'; error: string }

/**
 * Whether a pull that started `elapsedMs` ago and settled `received` of the `expected` entries its
 * peer announced will, at the pace so far, have settled them all within `withinMs`.
 */
export function pullEndsWithin(progress: { received: number; expected?: number; elapsedMs: number }, withinMs: number): boolean {
  const { received, expected, elapsedMs } = progress
  if (expected === undefined || received <= 0) return false
  return received >= expected || (elapsedMs * (expected - received)) / received < withinMs
}

/** What a reading knows of its pull's pace, asked each time a redraw is due (syncEndingSoon). */
export interface PullPace {
  /** A new pull starts: nothing is known of its pace. */
  started(): void
  /** The pull reported `received` settled entries at `at`. */
  progress(at: number, received: number): void
  /**
   * Whether the pull will have settled the `expected` entries its peer announced within `withinMs`
   * of `now`, at its pace since its first report to this reading (a pull joined under way counts from
   * there). A pull that brought nothing since the last time this was asked is stalled: no.
   */
  endingSoon(now: number, received: number, expected: number | undefined, withinMs: number): boolean
}

export function pullPace(): PullPace {
  let first: { at: number; received: number } | undefined
  let lastAsked: number | undefined
  return {
    started() {
      first = undefined
      lastAsked = undefined
    },
    progress(at, received) {
      first ??= { at, received }
    },
    endingSoon(now, received, expected, withinMs) {
      const stalled = lastAsked !== undefined && received <= lastAsked
      lastAsked = received
      if (first === undefined || stalled || expected === undefined) return false
      return pullEndsWithin({ received: received - first.received, expected: expected - first.received, elapsedMs: now - first.at }, withinMs)
    }
  }
}

export type AccessState = 'checking' | 'live' | 'ended'

export interface PatientReadingModel extends TrackedHistory {
  reading: Cell<ReadingState>
  /** Whether this doctor's grant is live now, as the ledger says; checked again at every consent event. */
  access: Cell<AccessState>
  /** Reconnects to the patient's device and pulls again: at once, not at the next scheduled retry. */
  resync(): Promise<void>
  close(): Promise<void>
}

export interface ReadPatientOptions {
  /** Opens the patient's log (HistoryOrbit.openLog). */
  openLog(patient: string): Promise<PatientLog>
  ledger: Pick<SessionLedger, 'isGrantLive' | 'readLatestAnchor' | 'watchAuditTrail'>
  /** This doctor's wallet address and keys. */
  doctor: string
  keys: WalletKeys
  patient: string
  /** The data keys the patient wrapped for this doctor. */
  wrappedKeys: Uint8Array
  /** The patient's device, or a keeper of theirs, connected directly. */
  peer: string
  /** The wallet `peer` proves when it is a keeper the patient named: its key version is asked as the pull starts, not after its hello. */
  holder?: string
  /** Dials the patient's device again if it went away, before each pull. */
  reconnect?: () => Promise<void>
  clock: Clock
  logger: SessionLog
  /** Called once the reading is closed. */
  onClose?: () => void
  /** Where the doctor's records being added count as writes under way. */
  writes?: WriteGate
}

/** Opens a patient's history with the keys they wrapped for this doctor and pulls it from their device. */
export async function readPatient(options: ReadPatientOptions): Promise<PatientReadingModel> {
  const { ledger, clock, patient, peer } = options
  const { openPatientHistory, readerKeyring } = await import('../history/index.ts')
  const keyring = readerKeyring(decodeWrappedKeys(options.wrappedKeys), options.keys.encryption.secretKey)
  const log = await options.openLog(patient)
  const history = openPatientHistory({ log, keyring, reader: options.keys.encryption })
  let closed = false
  let retry: TimerHandle | undefined
  const access = createCell<AccessState>('checking')
  const checkAccess = (): void => {
    ledger.isGrantLive(patient, options.doctor).then(
      (live) => {
        access.set(live ? 'live' : 'ended')
        if (!live) cancelRetry()
      },
      () => undefined
    )
  }
  const reading = createCell<ReadingState>({ state: 'syncing', received: 0 })
  const pace = pullPace()
  const tracked = trackHistory({
    history,
    log,
    ledger,
    clock,
    logger: options.logger,
    onConsentEvent: checkAccess,
    busy: () => reading.get().state === 'syncing',
    // A pull that will be done before the next redraw is drawn once, as it ends.
    syncEndingSoon: () => {
      const state = reading.get()
      return state.state === 'syncing' && pace.endingSoon(clock.now(), state.received, state.expected, SYNC_DRAW_MS)
    },
    ...(options.writes === undefined ? {} : { writes: options.writes })
  })
  checkAccess()
  // A grant can also end by expiring, which no event announces.
  const stopAccessChecks = every(clock, ACCESS_CHECK_MS, checkAccess)
  const stopEvents = log.subscribe((event) => {
    // Progress of this reading's pull from its peer; a background pull's late progress does not undo "synced",
    // and a pull from another peer (a keeper) does not count as this one's.
    if (event.type === 'progress' && event.peer === peer && reading.get().state === 'syncing') {
      pace.progress(clock.now(), event.settled)
      reading.set({ state: 'syncing', received: event.settled, ...(event.expected === undefined ? {} : { expected: event.expected }) })
    }
    // A failed background pull from another peer (a keeper dialled while the device answered) leaves this reading as it is.
    // One from this peer (the patient's app restarting its node, say) makes it offline, and it pulls again a moment later,
    // as its status says: entries that come meanwhile from background pulls do not make it synced.
    if (event.type === 'sync-error' && (event.peer === undefined || event.peer === peer)) {
      reading.set({ state: 'offline', error: event.error })
      // A retry already due stays due: a peer that fails pull after pull does not put it off.
      if (pulling === undefined && retry === undefined) retryLater()
    }
  })
  // A pull that fails (the patient's page closed mid-sync) keeps what arrived; the next one fetches only the rest.
  let pulling: Promise<void> | undefined
  /** No pull waits to be retried. */
  function cancelRetry(): void {
    clock.clearTimeout(retry)
    retry = undefined
  }
  /** Pulls again in RETRY_MS while the grant lasts; after it ends there is nothing more to fetch for this doctor. */
  function retryLater(): void {
    cancelRetry()
    if (!closed && access.get() !== 'ended') {
      retry = clock.setTimeout(() => {
        retry = undefined
        void pull()
      }, RETRY_MS)
    }
  }
  const pull = (): Promise<void> =>
    (pulling ??= (async () => {
      cancelRetry()
      reading.set({ state: 'syncing', received: 0 })
      pace.started()
      try {
        await options.reconnect?.()
        // The pull fetched while the patient decided (prefetchPatient) holds everything they had then;
        // what they add later is announced, and pulled in the background.
        await log.syncWith(peer, { joinRunning: true, ...(options.holder === undefined ? {} : { holder: options.holder }) })
        reading.set({ state: 'synced' })
        tracked.flush()
      } catch (error) {
        options.logger.warn("Pulling the patient's history failed:", error)
        reading.set({ state: 'offline', error: errorMessage(error) })
        retryLater()
      } finally {
        pulling = undefined
      }
    })())
  void pull()
  return {
    ...tracked,
    reading,
    access,
    resync: pull,
    close: async () => {
      closed = true
      cancelRetry()
      stopAccessChecks()
      stopEvents()
      tracked.dispose()
      options.onClose?.()
      await history.close()
    }
  }
}
