import { For, Match, Show, Switch, type JSX } from 'solid-js'
import { describeAuditEntry, type AuditEntry } from '../../chain/index.ts'
import { formatDayAndTime } from '../../format/index.ts'
import { useApp } from '../shell/AppContext.ts'
import { createAuditTrail } from './createAuditTrail.ts'
import { plural } from '../ui/format.ts'
import { usePageTitle } from '../ui/usePageTitle.ts'
import { SharedLinkOpenings } from '../shl/SharedLinkOpenings.tsx'

export default function AuditPage(): JSX.Element {
  usePageTitle('Audit trail')
  const app = useApp()
  const trail = createAuditTrail(app)
  const explorer = () => {
    const config = app.config()
    return config.state === 'ready' ? config.config.chain.explorer : undefined
  }

  const Transaction = (props: { entry: AuditEntry }): JSX.Element => {
    const short = () => `${props.entry.transactionHash.slice(0, 10)}…`
    return (
      <Show when={explorer()} fallback={<span title={props.entry.transactionHash}>transaction {short()}</span>}>
        {(base) => (
          <a href={`${base().replace(/\/$/, '')}/tx/${props.entry.transactionHash}`} target="_blank" rel="noreferrer">
            transaction {short()}
          </a>
        )}
      </Show>
    )
  }

  return (
    <article>
      <h1>Audit trail</h1>
      <p>
        Every grant and revocation, every guardian change, every visit a doctor opened, every emergency access and every anchor of your
        history, read from the public ledger. Anyone can check it; nobody can change it.
      </p>
      <p class="hint">
        A visit entry records that a doctor opened your history. It cannot prevent a copy of what they read.
      </p>
      <Switch>
        <Match when={trail.state().state === 'no-wallet'}>
          <p>Connect a wallet in Settings to see your audit trail.</p>
        </Match>
        <Match when={trail.state().state === 'loading'}>
          <p aria-live="polite">Reading your audit trail from the ledger…</p>
        </Match>
        <Match when={trail.state().state === 'failed' && trail.state()}>
          {(s) => (
            <p class="banner banner-error" role="alert">
              {(s() as { error: string }).error}
            </p>
          )}
        </Match>
        <Match when={trail.state().state === 'ready'}>
          <p>
            The trail of <code>{trail.patient()}</code>: {plural(trail.entries().length, 'entry', 'entries')}
            {trail.hasOlder() ? ' so far' : ''}.
          </p>
          <p class="visually-hidden" aria-live="polite">
            {trail.arrived() > 0 ? `${plural(trail.arrived(), 'new entry', 'new entries')} arrived.` : ''}
          </p>
          <Show when={trail.watchError()}>
            {(error) => <p class="banner banner-error">Live updates paused: {error()} Retrying.</p>}
          </Show>
          <Show when={trail.entries().length > 0} fallback={<p>Nothing has happened yet: no grants, no visits, no anchors.</p>}>
            <ol class="audit-trail" aria-label="Audit trail entries, newest first">
              <For each={trail.entries()}>
                {(entry) => (
                  <li>
                    <p class="audit-what">{describeAuditEntry(entry)}</p>
                    <p class="audit-meta">
                      <time datetime={entry.timestamp.toISOString()}>{formatDayAndTime(entry.timestamp)}</time> · block {String(entry.blockNumber)} ·{' '}
                      <Transaction entry={entry} />
                    </p>
                  </li>
                )}
              </For>
            </ol>
          </Show>
          <Show when={trail.hasOlder()}>
            <button type="button" disabled={trail.loadingOlder()} onClick={() => void trail.loadOlder()}>
              {trail.loadingOlder() ? 'Loading older entries…' : 'Show older entries'}
            </button>
          </Show>
        </Match>
      </Switch>
      <SharedLinkOpenings />
    </article>
  )
}
