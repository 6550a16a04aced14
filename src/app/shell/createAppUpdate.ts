// The app's service worker and the new-version offer (updateOffer.ts) as signals for the banner.
// The worker is registered once the page has loaded, and only in a built app: the dev server
// (npm start) serves modules one by one and has none.
import { createSignal, onCleanup, type Accessor } from 'solid-js'
import type { WriteGate } from '../../session/index.ts'
import { createUpdateOffer, type UpdateState } from './updateOffer.ts'

export interface AppUpdate {
  state: Accessor<UpdateState>
  /** The patient chose the new version. */
  accept(): void
}

export function createAppUpdate(writes: WriteGate): AppUpdate {
  let worker: Promise<{ activate(): void }> | undefined
  const offer = createUpdateOffer({ activate: () => void worker?.then((registered) => registered.activate()).catch(() => undefined), reload: () => window.location.reload() }, writes)
  const [state, setState] = createSignal(offer.state.get())
  onCleanup(offer.state.subscribe(setState))

  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    const start = (): void => {
      worker = import('./serviceWorker.ts').then(({ registerServiceWorker }) => registerServiceWorker({ waiting: () => offer.waiting(), tookOver: () => offer.tookOver() }))
      worker.catch((error: unknown) => console.warn('The app could not set itself up for use offline:', error))
    }
    if (document.readyState === 'complete') start()
    else window.addEventListener('load', start, { once: true })
  }
  return { state, accept: () => offer.accept() }
}
