// The audit trail's entries from the patient's keepers: who opened a shared link and when. They are
// what a keeper reports (it answers each manifest request and keeps the name the recipient gave), not
// entries of the public ledger, and the page says so beside each one.
import { createEffect, For, on, Show, type JSX } from 'solid-js'
import { formatDayAndTime } from '../../format/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { createSharedLinks } from './createSharedLinks.ts'

export function SharedLinkOpenings(): JSX.Element {
  const session = useHistorySession()
  const links = createSharedLinks(() => session.own()?.history.patient, () => session.keepers()?.links())
  // Asked again when the history opens here or the keepers change.
  createEffect(on(() => [session.own(), session.keepers()?.list().length] as const, () => void links.refresh()))
  const openings = () =>
    links
      .links()
      .flatMap((link) => link.openings.map((opening) => ({ ...opening, link: links.label(link.id) ?? `made ${formatDayAndTime(link.created)}` })))
      .sort((a, b) => b.at - a.at)
  return (
    <section aria-labelledby="link-openings-heading">
      <h2 id="link-openings-heading">Openings of your shared links</h2>
      <p class="hint">Reported by your keepers, which serve your links: these entries are not on the ledger, and only your keepers vouch for them.</p>
      <Show when={session.own() !== undefined} fallback={<p>Open your history on this device (My history) to ask your keepers.</p>}>
        <ErrorBanner message={(() => {
          const s = links.state()
          return s.state === 'failed' ? s.error : undefined
        })()} />
        <For each={links.problems()}>{(words) => <p class="banner banner-error">{words}</p>}</For>
        <Show when={links.state().state === 'ready'} fallback={<p aria-live="polite">Asking your keepers…</p>}>
          <Show when={openings().length > 0} fallback={<p>Nobody has opened a link you shared.</p>}>
            <ol class="audit-trail" aria-label="Shared link openings reported by your keepers, newest first">
              <For each={openings()}>
                {(opening) => (
                  <li>
                    <p class="audit-what">
                      “{opening.recipient}” opened your shared link {opening.link}
                    </p>
                    <p class="audit-meta">
                      <time datetime={new Date(opening.at).toISOString()}>{formatDayAndTime(opening.at)}</time> · reported by your keeper, not on the ledger
                    </p>
                  </li>
                )}
              </For>
            </ol>
          </Show>
        </Show>
      </Show>
    </section>
  )
}
