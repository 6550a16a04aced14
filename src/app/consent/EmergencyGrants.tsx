// On the patient's first screen: every live emergency grant a guardian made on their history, with
// who made it and the doctor it let in, and a way to end it at once (a revocation, which moves the
// history to a new key the doctor never gets).
import { For, Show, type JSX } from 'solid-js'
import { describeScope } from '../../chain/index.ts'
import { formatDay } from '../../format/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { ready } from '../ui/loadState.ts'
import { createGrantsList } from './createGrantsList.ts'

export default function EmergencyGrants(): JSX.Element {
  const app = useApp()
  const session = useHistorySession()
  const grants = createGrantsList(app, session)
  const emergency = () => (ready(grants.list()) ?? []).filter((g) => g.emergency)
  return (
    <Show when={emergency().length > 0 || grants.notice() !== undefined || grants.error() !== undefined}>
      <section aria-labelledby="emergency-grants-heading" class="notice">
        <h2 id="emergency-grants-heading">Emergency access to your history</h2>
        <Show when={emergency().length > 0}>
        <ul aria-label="Emergency grants">
          <For each={emergency()}>{(g) => (
            <li>
              Your guardian <code>{g.grantedBy}</code> let Dr <code>{g.doctor}</code> in: {describeScope(g.scope)} until {formatDay(g.expiry)}.{' '}
              <button type="button" aria-label={`End emergency access of ${g.doctor}`} disabled={grants.revoking() !== undefined} onClick={() => void grants.revoke(g.doctor)}>
                {grants.revoking() === g.doctor ? 'Ending…' : 'End emergency access'}
              </button>
            </li>
          )}</For>
        </ul>
        <p class="hint">Ending it stops future access. What the doctor has already seen cannot be unseen.</p>
        </Show>
        <Show when={grants.notice()}>{(text) => <p role="status">{text()}</p>}</Show>
        <ErrorBanner message={grants.error()} />
      </section>
    </Show>
  )
}
