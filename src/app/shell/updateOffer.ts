// A new version of the app, offered and never forced: the service worker installs it in the
// background, the patient chooses when to reload, and the reload waits until no write is under
// way (a record being stored, a key epoch moving, a transaction). Plain TypeScript: the service
// worker and the page's reload come in as a port (serviceWorker.ts in the app, a fake in tests).
import { createCell, type Cell, type WriteGate } from '../../session/index.ts'

/**
 * `none`: nothing newer is known; `ready`: a new version waits for the patient; `finishing`: it was
 * chosen (here or in another tab) and waits for the writes under way; `reloading`: it takes over now.
 */
export type UpdateState = 'none' | 'ready' | 'finishing' | 'reloading'

/** What the offer does to the service worker and the page. */
export interface UpdatePort {
  /** Tells the waiting version to take over (its service worker stops waiting and claims the pages). */
  activate(): void
  /** Reloads the page under the version now in control. */
  reload(): void
  /**
   * Calls `then` after `ms`, unless the page is gone by then. A worker told to take over may wait for the
   * old one's requests in flight before it activates; the reload it would wait for ends them. A reload
   * that left the page ends the timers it set.
   */
  after(ms: number, then: () => void): void
}

/** How long a chosen version has to take over before the page reloads into it anyway. */
export const TAKE_OVER_MS = 10_000
/**
 * How long a reload into the new version has to leave the page before it is asked again. Chromium was seen to lose one
 * (`test/e2e/offline.spec.ts` on a loaded machine, 2 of 12 runs): the reload let the new version
 * activate, the page stayed as it was with its navigation never answered, and a second reload then
 * loaded the new version at once.
 */
export const RELOAD_AGAIN_MS = 5_000
/** How many times a reload is asked in all; a page still there after them waits for the patient to reload it. */
export const RELOAD_TRIES = 3

export interface UpdateOffer {
  state: Cell<UpdateState>
  /** The service worker reports a new version installed and waiting. */
  waiting(): void
  /** The patient chose the new version: it takes over once no write is under way. */
  accept(): void
  /** A new version took control of this page, chosen here or in another tab: the page reloads once no write is under way. */
  tookOver(): void
}

export function createUpdateOffer(port: UpdatePort, writes: WriteGate): UpdateOffer {
  const state = createCell<UpdateState>('none')
  let accepted = false
  let reloading = false

  const whenNoWrite = (then: () => void): void => {
    if (writes.pending.get() > 0) state.set('finishing')
    writes.whenIdle(() => {
      state.set('reloading')
      then()
    })
  }

  /**
   * Reloads once no write is under way, and again, up to RELOAD_TRIES in all, while the page is still
   * there RELOAD_AGAIN_MS later: each reload waits for a write started meanwhile.
   */
  const reloadUntilGone = (tries = 1): void =>
    whenNoWrite(() => {
      port.reload()
      if (tries < RELOAD_TRIES) port.after(RELOAD_AGAIN_MS, () => reloadUntilGone(tries + 1))
    })

  return {
    state,
    waiting() {
      if (state.get() === 'none') state.set('ready')
    },
    accept() {
      if (state.get() !== 'ready' || accepted) return
      accepted = true
      whenNoWrite(() => {
        port.activate()
        // Not taken over in time: reloading lets the new version in if the old one holds it up.
        port.after(TAKE_OVER_MS, () => {
          if (reloading) return
          reloading = true
          reloadUntilGone()
        })
      })
    },
    tookOver() {
      if (reloading) return
      reloading = true
      reloadUntilGone()
    }
  }
}
