// Who has access to the patient's history now, and revoking it.
import { createEffect, on, Show, type JSX } from 'solid-js'
import { describeScope } from '../../chain/index.ts'
import { formatDay } from '../../format/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { shortAddress } from '../ui/format.ts'
import { LoadedList } from '../ui/LoadedList.tsx'
import { useVisits } from '../visit/VisitsContext.ts'
import { createGrantsList } from './createGrantsList.ts'

export function CurrentGrants(): JSX.Element {
  const app = useApp()
  const visits = useVisits()
  const session = useHistorySession()
  const grants = createGrantsList(app, session)
  // A new approval changes the list.
  createEffect(on(() => visits.requests().filter((r) => r.state === 'approved').length, () => void grants.refresh(), { defer: true }))
  return (
    <section aria-labelledby="grants-heading">
      <h2 id="grants-heading">Who has access now</h2>
      <LoadedList
        state={grants.list()}
        label="Current grants"
        class="grant-list"
        noWallet="Connect a wallet to see your grants."
        loading="Reading your grants…"
        empty="Nobody has access to your history."
      >
        {(g) => (
          <li>
            <span>
              Dr <code>{shortAddress(g.doctor)}</code>: {describeScope(g.scope)} until {formatDay(g.expiry)}
              {g.emergency ? ' (emergency grant by a guardian)' : ''}
            </span>{' '}
            <button type="button" aria-label={`Revoke access of ${g.doctor}`} disabled={grants.revoking() !== undefined} onClick={() => void grants.revoke(g.doctor)}>
              {grants.revoking() === g.doctor ? 'Revoking…' : 'Revoke'}
            </button>
          </li>
        )}
      </LoadedList>
      <p class="hint">Revoking stops future access. What a doctor has already seen cannot be unseen.</p>
      <Show when={grants.notice()}>{(text) => <p role="status">{text()}</p>}</Show>
      <Show when={session.rotationNotice()}>{(text) => <p role="status">{text()}</p>}</Show>
      <ErrorBanner message={grants.error()} />
    </section>
  )
}
