// The offer of a new version of the app: shown when one is installed and waiting, reloading
// only when the patient chooses it and no write is under way.
import { Match, Show, Switch, type JSX } from 'solid-js'
import { useApp } from './AppContext.ts'
import { createAppUpdate } from './createAppUpdate.ts'

export function UpdateBanner(): JSX.Element {
  const app = useApp()
  const update = createAppUpdate(app.writes, () => app.config().state === 'ready')
  // The live region is there from the start, so the offer is announced when it appears.
  return (
    <div class="update-banner" aria-live="polite">
      <Show when={update.state() !== 'none'}>
        <p class="banner">
          <Switch>
            <Match when={update.state() === 'ready'}>
              A new version of Anamnesis is ready.{' '}
              <button type="button" onClick={() => update.accept()}>
                Reload to use the new version
              </button>
            </Match>
            <Match when={update.state() === 'finishing'}>A new version of Anamnesis is ready: it loads as soon as what is being saved is stored.</Match>
            <Match when={update.state() === 'reloading'}>Loading the new version of Anamnesis…</Match>
          </Switch>
        </p>
      </Show>
    </div>
  )
}
