// An open history followed for its views: a version that bumps when entries arrive (at most
// every DRAW_MS), verdicts against the patient's latest on-chain anchor, and the ledger's audit
// events that change who may write.
import type { LatestAnchor } from '../chain/index.ts'
import type { HistoryRecord, PatientHistory, VerifyReport } from '../history/index.ts'
import type { PatientLog } from '../p2p/index.ts'
import type { HistoryBlock } from '../viz/historyBlock.ts'
import { createCell, type Cell } from './cell.ts'
import type { Clock, SessionLedger, SessionLog, TimerHandle } from './sessionPorts.ts'
import type { WriteGate } from './writeGate.ts'

/** The least time between two redraws of a history's views. */
export const DRAW_MS = 100
/**
 * The least time between two redraws while a history streams in. Each redraw rebuilds the views
 * over everything so far (a tenth of a second for a thousand records on a small machine), time
 * the sync itself needs; the status line says how far it has come meanwhile.
 */
export const SYNC_DRAW_MS = 1_000
/**
 * The least time between two redraws during a bulk write (an import). The records come from this
 * device as fast as it can seal and sign them, and each redraw rebuilds the views over everything
 * so far: an import of a few thousand records is drawn once, as it ends, and a longer one still
 * shows its records every few seconds (the import's progress bar counts them meanwhile).
 */
export const BULK_DRAW_MS = 5_000
/** How long verifying waits after a change, so that a burst of entries is verified once. */
export const VERIFY_DELAY_MS = 400

/** A peer that broke the sync protocol's rules, as the patient is told. */
export interface PeerMisconduct {
  peer: string
  reason: string
  at: number
}

/** How many misbehaving peers are remembered for the page. */
const MISCONDUCT_KEPT = 5

/** A patient's history open on this device, followed: the patient's own, or one a doctor reads. */
export interface TrackedHistory {
  history: PatientHistory
  log: PatientLog
  /** Bumps whenever entries arrive or verdicts change. */
  version: Cell<number>
  report: Cell<VerifyReport | undefined>
  /** The patient's latest anchor: undefined before the first read, null when there is none. */
  latestAnchor: Cell<LatestAnchor | null | undefined>
  /** Peers that broke the sync protocol's rules while this history was open (they were cut off and held off), newest last. */
  misconduct: Cell<readonly PeerMisconduct[]>
  /** The log as the views draw it, with the latest verdicts. */
  blocks(): HistoryBlock[]
  /** Verifies every block against the latest anchor now. */
  verify(): Promise<void>
  /** Adds records (sealed, signed); how many were added. */
  add(records: readonly HistoryRecord[]): Promise<number>
  /** Appends a correction of entry `entryId` (sealed, signed); the new entry's id. */
  amend(entryId: string, record: HistoryRecord): Promise<string>
  /**
   * Runs `work` (many adds in a row, as an import makes) as a sync runs: verifying waits until it
   * ends, and the views redraw every BULK_DRAW_MS, not after every batch, and once more as it ends.
   */
  bulk<T>(work: () => Promise<T>): Promise<T>
  /** Redraws now, without waiting for the next scheduled redraw. */
  flush(): void
  dispose(): void
}

export interface TrackHistoryOptions {
  history: PatientHistory
  log: PatientLog
  ledger: Pick<SessionLedger, 'readLatestAnchor' | 'watchAuditTrail'>
  clock: Clock
  logger: SessionLog
  /** A consent event (grant, revocation) landed for this patient. */
  onConsentEvent?: () => void
  /** While this says so (a sync under way), verifying waits: it re-reads every block and would slow the sync. */
  busy?: () => boolean
  /**
   * While a sync is under way (busy), whether it is about to end: a redraw due then waits, and the
   * flush at the sync's end draws everything once. Each redraw rebuilds every view over what has
   * arrived, time the sync's last frames would wait for.
   */
  syncEndingSoon?: () => boolean
  /** Where records being added count as writes under way (a new version of the app waits for them). */
  writes?: WriteGate
}

/** The log's blocks as the views draw them: key drops and duplicates left out, verdicts by hash. */
export function historyBlocks(history: PatientHistory, report: VerifyReport | undefined): HistoryBlock[] {
  const verdicts = new Map((report?.verdicts ?? []).map((v) => [v.hash, v]))
  const blocks: HistoryBlock[] = []
  for (const block of history.blocks()) {
    if (block.duplicate === true || block.keyDrop === true) continue
    const verdict = verdicts.get(block.hash)
    const reason = verdict?.verdict === 'broken' ? verdict.reason : block.unreadable
    blocks.push({
      entryHash: block.hash,
      previous: block.previous,
      verdict: verdict?.verdict ?? 'unanchored',
      writer: block.writer,
      ...(reason === undefined ? {} : { reason }),
      ...(block.entry === undefined ? {} : { entry: block.entry })
    })
  }
  return blocks
}

/** How many blocks verify() found verified, unanchored and broken. */
export function verdictCounts(report: VerifyReport | undefined): Record<'verified' | 'unanchored' | 'broken', number> {
  const tally = { verified: 0, unanchored: 0, broken: 0 }
  for (const v of report?.verdicts ?? []) tally[v.verdict]++
  return tally
}

/** Follows an open history until dispose(). */
export function trackHistory(options: TrackHistoryOptions): TrackedHistory {
  const { history, log, ledger, clock, logger } = options
  const version = createCell(0)
  const report = createCell<VerifyReport | undefined>(undefined)
  const latestAnchor = createCell<LatestAnchor | null | undefined>(undefined)
  const misconduct = createCell<readonly PeerMisconduct[]>([])
  let bulkWrites = 0
  const busy = (): boolean => bulkWrites > 0 || options.busy?.() === true
  const stopMisconduct = log.subscribe((event) => {
    if (event.type === 'peer-misbehaved') misconduct.set([...misconduct.get(), { peer: event.peer, reason: event.reason, at: clock.now() }].slice(-MISCONDUCT_KEPT))
  })
  // Batches land every few milliseconds: the views redraw at most every DRAW_MS, while a sync is
  // under way every SYNC_DRAW_MS and during a bulk write every BULK_DRAW_MS, so drawing does not
  // slow the writing it shows.
  let drawTimer: TimerHandle | undefined
  const bump = (): void => {
    drawTimer ??= clock.setTimeout(
      () => {
        drawTimer = undefined
        if (bulkWrites === 0 && busy() && options.syncEndingSoon?.() === true) bump()
        else version.set(version.get() + 1)
      },
      bulkWrites > 0 ? BULK_DRAW_MS : busy() ? SYNC_DRAW_MS : DRAW_MS
    )
  }
  let verifyTimer: TimerHandle | undefined
  /** Whether a verification waits on verifyTimer. */
  let verifyDue = false
  let verifying: Promise<void> | undefined
  const flush = (): void => {
    clock.clearTimeout(drawTimer)
    drawTimer = undefined
    version.set(version.get() + 1)
    // A flush draws a whole history at once (a sync just ended): the verification waiting meanwhile
    // counts its delay from now, so that re-reading every block comes after that frame, not in it.
    if (verifyDue) verifySoon()
  }

  const verify = async (): Promise<void> => {
    const run = async (): Promise<void> => {
      const latest = await ledger.readLatestAnchor(history.patient).catch(() => undefined)
      if (latest !== undefined) latestAnchor.set(latest)
      report.set(await history.verify({ anchor: latest ?? null }))
      bump()
    }
    verifying = (verifying ?? Promise.resolve()).then(run, run)
    await verifying
  }
  function verifySoon(): void {
    clock.clearTimeout(verifyTimer)
    verifyDue = true
    verifyTimer = clock.setTimeout(() => {
      if (busy()) verifySoon()
      else {
        verifyDue = false
        void verify().catch((error: unknown) => logger.error('Verifying the history failed:', error))
      }
    }, VERIFY_DELAY_MS)
  }

  const stopHistory = history.subscribe(() => {
    bump()
    verifySoon()
  })
  // A grant or revocation changes who may write: forget the cached answers at once.
  const stopWatch = ledger.watchAuditTrail(history.patient, (entries) => {
    const consent = entries.some((entry) => entry.kind !== 'anchored' && entry.kind !== 'visitLogged' && entry.kind !== 'glassBroken')
    if (consent) {
      log.refreshAccess('grants')
      options.onConsentEvent?.()
    }
    // A new anchor changes the verdicts. (Nothing else does: re-checking every block on a grant
    // would compete with the very sync the grant starts.)
    if (entries.some((entry) => entry.kind === 'anchored')) verifySoon()
  })
  verifySoon()

  return {
    history,
    log,
    version,
    report,
    latestAnchor,
    misconduct,
    verify,
    blocks: () => historyBlocks(history, report.get()),
    async add(records) {
      const write = () => history.addMany(records)
      const added = await (options.writes === undefined ? write() : options.writes.track(write))
      bump()
      return added.length
    },
    async amend(entryId, record) {
      const write = () => history.amend(entryId, record)
      const amended = await (options.writes === undefined ? write() : options.writes.track(write))
      bump()
      return amended.id
    },
    async bulk(work) {
      bulkWrites++
      try {
        return await work()
      } finally {
        bulkWrites--
        // The last batch's redraw would otherwise wait out SYNC_DRAW_MS: the patient sees every record as soon as it is written.
        if (bulkWrites === 0 && drawTimer !== undefined) flush()
      }
    },
    flush,
    dispose() {
      clock.clearTimeout(verifyTimer)
      clock.clearTimeout(drawTimer)
      stopHistory()
      stopWatch()
      stopMisconduct()
    }
  }
}
