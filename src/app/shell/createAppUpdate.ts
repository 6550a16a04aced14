// The app's service worker and the new-version offer (updateOffer.ts) as signals for the banner.
// The worker is registered once the page has loaded and the deployment's settings say the app
// runs here (not on a shared gateway's origin, where it keeps nothing), and only in a built app:
// the dev server (npm start) serves modules one by one and has none.
import { createEffect, createSignal, onCleanup, type Accessor } from 'solid-js'
import type { WriteGate } from '../../session/index.ts'
import { createUpdateOffer, type UpdateState } from './updateOffer.ts'

export interface AppUpdate {
  state: Accessor<UpdateState>
  /** The patient chose the new version. */
  accept(): void
}

/** `runsHere`: whether the app runs on this origin (its settings loaded, the origin its own). */
export function createAppUpdate(writes: WriteGate, runsHere: Accessor<boolean>): AppUpdate {
  let worker: Promise<{ activate(): void }> | undefined
  const offer = createUpdateOffer({
      activate: () => void worker?.then((registered) => registered.activate()).catch(() => undefined),
      reload: () => window.location.reload(),
      after: (ms, then) => void setTimeout(then, ms)
    }, writes)
  const [state, setState] = createSignal(offer.state.get())
  onCleanup(offer.state.subscribe(setState))

  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    const start = (): void => {
      worker = import('./serviceWorker.ts').then(({ registerServiceWorker }) => registerServiceWorker({ waiting: () => offer.waiting(), tookOver: () => offer.tookOver() }))
      worker.catch((error: unknown) => console.warn('The app could not set itself up for use offline:', error))
    }
    let asked = false
    createEffect(() => {
      if (asked || !runsHere()) return
      asked = true
      if (document.readyState === 'complete') start()
      else window.addEventListener('load', start, { once: true })
    })
  }
  return { state, accept: () => offer.accept() }
}
