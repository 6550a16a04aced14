// Settings: whether this browser keeps the history (persistent storage) and how much room it uses.
import { createResource, createSignal, Match, Show, Switch, type JSX } from 'solid-js'
import { formatBytes } from '../../format/index.ts'
import { browserStorage, readStorage, requestPersistence, type Persistence } from '../../session/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'

export function StorageSection(): JSX.Element {
  const session = useHistorySession()
  const storage = browserStorage()
  // Read again once the session has asked the browser (when the history opened) and after asking here.
  const [asked, setAsked] = createSignal(0)
  const [report] = createResource(() => [session.persistence(), asked()] as const, () => readStorage(storage))
  const [asking, setAsking] = createSignal(false)
  const [answer, setAnswer] = createSignal<Persistence>()

  const ask = async (): Promise<void> => {
    setAsking(true)
    try {
      setAnswer(await requestPersistence(storage))
    } finally {
      setAsking(false)
      setAsked((n) => n + 1)
    }
  }

  return (
    <section aria-labelledby="storage-heading">
      <h2 id="storage-heading">Storage on this device</h2>
      <Show when={report.latest} fallback={<p>Checking this browser's storage…</p>}>
        {(r) => (
          <>
            <dl class="facts">
              <dt>Persistent storage</dt>
              <dd>{r().persistence === 'granted' ? 'Granted' : r().persistence === 'refused' ? 'Not granted' : 'Unknown'}</dd>
              <dt>Space used</dt>
              <dd>
                {r().usage === undefined
                  ? 'This browser does not say.'
                  : r().quota === undefined
                    ? formatBytes(r().usage ?? 0)
                    : `${formatBytes(r().usage ?? 0)} of the ${formatBytes(r().quota ?? 0)} this browser allows this site`}
              </dd>
            </dl>
            <Switch>
              <Match when={r().persistence === 'granted'}>
                <p>This browser will not delete your history or its keys to make room for other data. Only you can, by clearing this site's data.</p>
              </Match>
              <Match when={r().persistence !== 'granted'}>
                <p>
                  {r().persistence === 'refused'
                    ? 'This browser has not promised to keep what this site stores.'
                    : 'This browser does not say whether it keeps what this site stores.'}{' '}
                  It may delete your history and its keys when the device runs short of space (Safari also after seven days without a visit).
                  Keep another copy: enrol a keeper (below), an always-on computer that holds your encrypted history, or download an encrypted backup and keep the file somewhere safe.
                </p>
                <Show when={storage !== undefined}>
                  <p>
                    <button type="button" disabled={asking()} onClick={() => void ask()}>
                      Ask the browser to keep my history
                    </button>
                  </p>
                  <p class="hint">Browsers grant this more readily to a site you installed as an app or bookmarked, or visit often.</p>
                </Show>
              </Match>
            </Switch>
            <p role="status">
              <Switch>
                <Match when={answer() === 'granted'}>The browser granted persistent storage.</Match>
                <Match when={answer() === 'refused'}>The browser did not grant persistent storage this time.</Match>
                <Match when={answer() === 'unknown'}>The browser did not answer.</Match>
              </Switch>
            </p>
          </>
        )}
      </Show>
    </section>
  )
}
