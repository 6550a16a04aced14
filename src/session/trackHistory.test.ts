import { describe, expect, it } from 'vitest'
import type { PatientHistory } from '../history/index.ts'
import type { PatientLog } from '../p2p/index.ts'
import { manualClock } from './sessionFakes.ts'
import { SYNC_DRAW_MS, trackHistory, VERIFY_DELAY_MS } from './trackHistory.ts'

/**
 * A followed history whose verifications are counted, and whose entries arrive when `arrive` is
 * called; with `sync`, a sync is under way and says whether it is about to end.
 */
function followed(sync?: { endingSoon: () => boolean }) {
  const clock = manualClock()
  let verifications = 0
  let arrived = (): void => undefined
  const history = {
    patient: `0x${'12'.repeat(20)}`,
    subscribe: (listener: () => void) => {
      arrived = listener
      return () => undefined
    },
    verify: () => {
      verifications++
      return Promise.resolve({ verdicts: [] })
    },
    blocks: () => []
  } as unknown as PatientHistory
  const log = { subscribe: () => () => undefined, refreshAccess: () => undefined } as unknown as PatientLog
  const tracked = trackHistory({
    history,
    log,
    ledger: { readLatestAnchor: () => Promise.resolve(null), watchAuditTrail: () => () => undefined },
    clock,
    logger: { warn: () => undefined, error: () => undefined },
    ...(sync === undefined ? {} : { busy: () => true, syncEndingSoon: sync.endingSoon })
  })
  return { clock, tracked, verifications: () => verifications, arrive: () => arrived() }
}

describe('a followed history', () => {
  it('verifies its blocks once the delay after opening has passed', async () => {
    const { clock, verifications } = followed()
    await clock.advance(VERIFY_DELAY_MS - 1)
    expect(verifications()).toBe(0)
    await clock.advance(1)
    expect(verifications()).toBe(1)
  })

  it('waits the whole delay again after a flush, so that the frame drawing every record comes first', async () => {
    const { clock, tracked, verifications } = followed()
    await clock.advance(VERIFY_DELAY_MS - 100)
    tracked.flush()
    await clock.advance(VERIFY_DELAY_MS - 1)
    expect(verifications()).toBe(0)
    await clock.advance(1)
    expect(verifications()).toBe(1)
    // A flush with no verification waiting starts none.
    tracked.flush()
    await clock.advance(VERIFY_DELAY_MS * 2)
    expect(verifications()).toBe(1)
  })

  it('redraws a sync under way every SYNC_DRAW_MS, except while it is about to end: its end draws everything once', async () => {
    let ending = false
    const { clock, tracked, arrive } = followed({ endingSoon: () => ending })
    arrive()
    await clock.advance(SYNC_DRAW_MS - 1)
    expect(tracked.version.get()).toBe(0)
    await clock.advance(1)
    expect(tracked.version.get()).toBe(1)
    // Nearly all has arrived: the redraw due waits, interval after interval.
    arrive()
    ending = true
    await clock.advance(SYNC_DRAW_MS * 3)
    expect(tracked.version.get()).toBe(1)
    // The sync slowed down (its peer stalled): what arrived is drawn at the next interval.
    ending = false
    await clock.advance(SYNC_DRAW_MS)
    expect(tracked.version.get()).toBe(2)
    // The end of a sync draws at once.
    arrive()
    ending = true
    tracked.flush()
    expect(tracked.version.get()).toBe(3)
    await clock.advance(SYNC_DRAW_MS * 2)
    expect(tracked.version.get()).toBe(3)
  })

  it('forgets only the answers about grants when a grant or revocation is seen: key versions stay', () => {
    const refreshed: unknown[] = []
    let onEntries: (entries: { kind: string }[]) => void = () => undefined
    const history = { patient: `0x${'12'.repeat(20)}`, subscribe: () => () => undefined, verify: () => Promise.resolve({ verdicts: [] }), blocks: () => [] } as unknown as PatientHistory
    const log = { subscribe: () => () => undefined, refreshAccess: (only?: string) => refreshed.push(only) } as unknown as PatientLog
    trackHistory({
      history,
      log,
      ledger: {
        readLatestAnchor: () => Promise.resolve(null),
        watchAuditTrail: (_patient: string, listener: (entries: { kind: string }[]) => void) => {
          onEntries = listener
          return () => undefined
        }
      } as never,
      clock: manualClock(),
      logger: { warn: () => undefined, error: () => undefined }
    })
    onEntries([{ kind: 'anchored' }])
    expect(refreshed).toEqual([])
    onEntries([{ kind: 'granted' }])
    onEntries([{ kind: 'revoked' }])
    expect(refreshed).toEqual(['grants', 'grants'])
  })
})
