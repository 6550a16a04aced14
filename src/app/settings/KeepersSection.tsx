// Settings → Keepers: the always-on peers that hold the patient's encrypted history, enrolled and
// removed by the patient. The logic is src/session's (keepers.ts); this is its binding.
import { createSignal, For, Match, Show, Switch, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { keeperState } from './keeperLines.ts'

/** The keeper's address as a person can tell it apart: its host and port, and the end of its peer id. */
export function keeperName(address: string): string {
  const parts = address.split('/')
  const host = parts[2] ?? address
  const port = parts[3] === 'tcp' ? `:${parts[4] ?? ''}` : ''
  const peer = address.split('/p2p/').at(-1) ?? ''
  return `${host}${port} (…${peer.slice(-6)})`
}

export function KeepersSection(props: { defaults?: readonly string[] }): JSX.Element {
  const session = useHistorySession()
  // The deployment's default keeper until the patient types another.
  const [typed, setAddress] = createSignal<string>()
  const address = (): string => typed() ?? props.defaults?.find((keeper) => !(session.keepers()?.list() ?? []).some((view) => view.address === keeper)) ?? ''
  const [code, setCode] = createSignal('')
  const [busy, setBusy] = createSignal<string>()
  const [notice, setNotice] = createSignal<string>()
  const [error, setError] = createSignal<string>()

  const run = async (what: string, task: () => Promise<string | undefined>): Promise<void> => {
    setBusy(what)
    setError(undefined)
    setNotice(undefined)
    try {
      setNotice(await task())
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(undefined)
    }
  }

  const enrol = (event: SubmitEvent): void => {
    event.preventDefault()
    const keepers = session.keepers()
    if (keepers === undefined) return
    const terms = { code: code() }
    const at = address()
    void run('enrolling', async () => {
      const view = await keepers.enrol(at, terms)
      setCode('')
      return `${keeperName(view.address)} now keeps your history: your devices hand it every new entry while they are online.`
    })
  }

  return (
    <section aria-labelledby="keepers-heading">
      <h2 id="keepers-heading">Keepers</h2>
      <p>
        A keeper is an always-on computer (yours at home, a relative's, or your hospital's) that holds a copy of your history while your devices are
        off. It holds only ciphertext: it cannot read a record. It hands your history to your own devices and to doctors whose access is live on the
        ledger, so a doctor can follow up while you are offline, and a new device of yours recovers everything with your wallet alone.
      </p>
      <Show when={session.keepers()} fallback={<p>Open your history on this device to see and change its keepers.</p>}>
        {(keepers) => (
          <>
            <Switch>
              <Match when={keepers().state().state === 'loading'}>
                <p role="status">Reading your keepers from the ledger…</p>
              </Match>
              <Match when={keepers().state().state === 'failed' && keepers().state()}>
                {(failed) => <ErrorBanner message={(failed() as { error: string }).error} />}
              </Match>
              <Match when={keepers().list().length === 0}>
                <p>No keeper holds your history: it lives only on your devices.</p>
              </Match>
            </Switch>
            <Show when={keepers().list().length > 0}>
              <p>
                <button type="button" disabled={busy() !== undefined} onClick={() => void run('checking', async () => (await keepers().refresh(), undefined))}>
                  Ask my keepers again
                </button>
              </p>
              <ul aria-label="Your keepers">
                <For each={keepers().list()}>
                  {(view) => (
                    <li>
                      <code title={view.address}>{keeperName(view.address)}</code> — <span>{keeperState(view)}</span>{' '}
                      <button
                        type="button"
                        disabled={busy() !== undefined}
                        aria-label={`Remove keeper ${keeperName(view.address)}`}
                        onClick={() => void run('removing', () => keepers().remove(view.address))}
                      >
                        Remove
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
            <form onSubmit={enrol}>
              <label for="keeper-address">Keeper address</label>
              <input
                id="keeper-address"
                type="text"
                required
                spellcheck={false}
                autocomplete="off"
                placeholder="/dns4/keeper.example/tcp/443/wss/p2p/12D3KooW…"
                value={address()}
                onInput={(event) => setAddress(event.currentTarget.value)}
              />
              <label for="keeper-code">Enrolment code (if the keeper's operator gave you one)</label>
              <input id="keeper-code" type="text" autocomplete="off" value={code()} onInput={(event) => setCode(event.currentTarget.value)} />
              <p>
                <button type="submit" disabled={busy() !== undefined || address().trim() === ''}>
                  {busy() === 'enrolling' ? 'Enrolling…' : 'Enrol keeper'}
                </button>
              </p>
              <p class="hint">Enrolling asks your wallet for one transaction: it leaves the list of your keepers on the ledger, sealed so that only you can read it.</p>
            </form>
          </>
        )}
      </Show>
      <Show when={notice()}>{(text) => <p role="status">{text()}</p>}</Show>
      <Show when={error()}>{(text) => <ErrorBanner message={text()} />}</Show>
    </section>
  )
}
