import { describe, expect, it } from 'vitest'
import type { PatientHistory } from '../history/index.ts'
import type { PatientLog } from '../p2p/index.ts'
import { manualClock } from './sessionFakes.ts'
import { trackHistory, VERIFY_DELAY_MS } from './trackHistory.ts'

/** A followed history whose verifications are counted; nothing else of it is used. */
function followed() {
  const clock = manualClock()
  let verifications = 0
  const history = {
    patient: `0x${'12'.repeat(20)}`,
    subscribe: () => () => undefined,
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
    logger: { warn: () => undefined, error: () => undefined }
  })
  return { clock, tracked, verifications: () => verifications }
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
})
