// The app as a SMART Health Link viewer: a recipient (a doctor who does not use the app, a second
// opinion) opens `<app>#shlink:/…` in any browser, with no wallet. They give the name the patient will
// see (and the passcode when the link asks for one); the manifest is fetched from the patient's keeper,
// the file is opened here with the key from the link, and the records are shown.
import { createResource, createSignal, For, Match, Show, Switch, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { loadHealthLinks } from '../../session/index.ts'
import { SummarySections } from '../emergency/SummarySections.tsx'
import { CATEGORY_NAMES } from '../records/categoryNames.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { usePageTitle } from '../ui/usePageTitle.ts'
import { readSharedRecords, type SharedRecords } from './sharedRecords.ts'

type ViewState =
  | { step: 'asking'; error?: string }
  | { step: 'opening' }
  | { step: 'open'; records: SharedRecords; label?: string; exp?: number }
  | { step: 'stopped'; error: string }

/** What the link's text says before anything is fetched: its label, expiry and whether it asks for a passcode; or why it is no link. */
function describe(text: string): Promise<{ label?: string; exp?: number; passcode: boolean } | { error: string }> {
  return loadHealthLinks().then(
    ({ readHealthLink }) => {
      try {
        const payload = readHealthLink(text)
        return { passcode: payload.flags.includes('P'), ...(payload.label === undefined ? {} : { label: payload.label }), ...(payload.exp === undefined ? {} : { exp: payload.exp }) }
      } catch (error) {
        return { error: errorMessage(error) }
      }
    },
    (error: unknown) => ({ error: `The viewer could not load: ${errorMessage(error)}` })
  )
}

export default function HealthLinkViewer(props: { link: string }): JSX.Element {
  usePageTitle('Shared health records')
  const [link] = createResource(() => props.link, describe)
  const [recipient, setRecipient] = createSignal('')
  const [passcode, setPasscode] = createSignal('')
  const [state, setState] = createSignal<ViewState>({ step: 'asking' })
  const asksPasscode = (): boolean => {
    const l = link()
    return l !== undefined && 'passcode' in l && l.passcode
  }

  const open = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    setState({ step: 'opening' })
    try {
      const { openHealthLink } = await loadHealthLinks()
      const opened = await openHealthLink(props.link, { recipient: recipient(), ...(asksPasscode() ? { passcode: passcode() } : {}) })
      setState({ step: 'open', records: readSharedRecords(opened.bundles), ...(opened.label === undefined ? {} : { label: opened.label }), ...(opened.exp === undefined ? {} : { exp: opened.exp }) })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      // A wrong passcode may be tried again; a stopped, expired or damaged link may not.
      if (code === 'LINK_PASSCODE' || code === 'LINK_UNREACHABLE') setState({ step: 'asking', error: errorMessage(error) })
      else setState({ step: 'stopped', error: errorMessage(error) })
    }
  }

  return (
    <main id="main" class="health-link-viewer">
      <h1>Shared health records</h1>
      <Switch>
        <Match when={link() === undefined}>
          <p aria-live="polite">Reading the link…</p>
        </Match>
        <Match when={(() => {
          const l = link()
          return l !== undefined && 'error' in l ? l : undefined
        })()}>
          {(l) => <ErrorBanner message={l().error} />}
        </Match>
        <Match when={(() => {
          const l = link()
          return l !== undefined && 'passcode' in l ? l : undefined
        })()}>
          {(l) => (
            <>
              <p>
                A patient shared records with you by a SMART Health Link{l().label === undefined ? '' : <>: “{l().label}”</>}. They are encrypted: the key is in the link, and
                they are opened in this browser only.
                {l().exp === undefined ? '' : ` The link works until ${new Date((l().exp ?? 0) * 1000).toLocaleString('en')}.`}
              </p>
              <Show when={state().step === 'asking' || state().step === 'opening'}>
                <form onSubmit={(event) => void open(event)} aria-label="Open the shared records">
                  <p>
                    <label for="link-recipient">Your name, as the patient will see it</label>{' '}
                    <input id="link-recipient" required maxLength={120} autocomplete="name" value={recipient()} onInput={(event) => setRecipient(event.currentTarget.value)} />
                  </p>
                  <Show when={l().passcode}>
                    <p>
                      <label for="link-passcode">Passcode the patient gave you</label>{' '}
                      <input id="link-passcode" type="password" required autocomplete="off" value={passcode()} onInput={(event) => setPasscode(event.currentTarget.value)} />
                    </p>
                  </Show>
                  <button type="submit" disabled={state().step === 'opening' || recipient().trim() === ''}>
                    Open the shared records
                  </button>
                </form>
              </Show>
              <Show when={state().step === 'opening'}>
                <p role="status">Fetching and decrypting the shared records…</p>
              </Show>
              <ErrorBanner message={(() => {
                const s = state()
                return s.step === 'asking' || s.step === 'stopped' ? s.error : undefined
              })()} />
              <Show when={(() => {
                const s = state()
                return s.step === 'open' ? s : undefined
              })()}>
                {(s) => <SharedRecordsView records={s().records} />}
              </Show>
            </>
          )}
        </Match>
      </Switch>
    </main>
  )
}

function SharedRecordsView(props: { records: SharedRecords }): JSX.Element {
  const count = (): number => props.records.groups.reduce((sum, group) => sum + group.rows.length, 0)
  return (
    <section aria-labelledby="shared-records-heading" class="shared-records">
      <h2 id="shared-records-heading">What the patient shared</h2>
      <p role="status">
        {props.records.summary === undefined ? '' : 'A patient summary'}
        {props.records.summary !== undefined && count() > 0 ? ' and ' : ''}
        {count() > 0 || props.records.summary === undefined ? `${count().toLocaleString('en')} ${count() === 1 ? 'record' : 'records'}` : ''}, decrypted in this browser.
      </p>
      <Show when={props.records.summary}>
        {(summary) => (
          <section aria-labelledby="shared-summary-heading" class="emergency-summary">
            <h3 id="shared-summary-heading">{summary().title}</h3>
            <Show when={summary().date}>{(date) => <p>Composed {new Date(date()).toLocaleString('en')}.</p>}</Show>
            <SummarySections sections={summary().sections} />
          </section>
        )}
      </Show>
      <For each={props.records.groups}>
        {(group) => (
          <table class="shared-records-table">
            <caption>{CATEGORY_NAMES[group.category]}</caption>
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Kind</th>
                <th scope="col">Date</th>
              </tr>
            </thead>
            <tbody>
              <For each={group.rows}>
                {(row) => (
                  <tr>
                    <th scope="row">{row.label}</th>
                    <td>{row.kind}</td>
                    <td>{row.when}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </For>
      <Show when={props.records.left > 0}>
        <p class="hint">
          {props.records.left.toLocaleString('en')} further {props.records.left === 1 ? 'entry is' : 'entries are'} not shown: {props.records.left === 1 ? 'it is' : 'they are'} not of a kind
          this viewer shows, or not valid FHIR.
        </p>
      </Show>
    </section>
  )
}
