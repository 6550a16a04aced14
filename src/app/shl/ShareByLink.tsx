// "Share by link": the patient picks what to share (the International Patient Summary, or records by
// category and period), a label, an optional passcode and how long the link works. This browser
// builds the FHIR Bundle, encrypts it under a fresh key and hands only the ciphertext to a keeper;
// the key is in the link shown here (text, QR code), which the patient passes on. Below, every link
// with its state and who opened it, and a button to deactivate it.
import { createSignal, For, onMount, Show, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { formatDayAndTime } from '../../format/index.ts'
import { exportBundle } from '../../history/index.ts'
import { loadHealthLinks, type PatientLink, type SharedLink } from '../../session/index.ts'
import { createRecordSelection, RecordSelectionFields } from '../records/RecordSelection.tsx'
import type { OwnHistory } from '../session/createHistorySession.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { InviteQrCode } from '../visit/InviteQrCode.tsx'
import { createSharedLinks, type SharedLinks } from './createSharedLinks.ts'

const DAY_S = 86_400
const LIFETIMES: readonly { seconds: number | undefined; words: string }[] = [
  { seconds: DAY_S, words: 'One day' },
  { seconds: 7 * DAY_S, words: 'One week' },
  { seconds: 30 * DAY_S, words: '30 days' },
  { seconds: 90 * DAY_S, words: '90 days' },
  { seconds: undefined, words: 'Until I deactivate it' }
]

/** The link in the specification's viewer form: this app's own address, then `#shlink:/…`. */
export function viewerLink(text: string): string {
  return `${window.location.origin}${window.location.pathname}#${text}`
}

const STATE_WORDS: Readonly<Record<PatientLink['state'], string>> = {
  active: 'Active',
  deactivated: 'Deactivated',
  expired: 'Expired',
  locked: 'Stopped after too many wrong passcodes'
}

export default function ShareByLink(props: { own: OwnHistory }): JSX.Element {
  const session = useHistorySession()
  const keepers = () => session.keepers()?.links()
  const links = createSharedLinks(() => props.own.history.patient, keepers)
  const [what, setWhat] = createSignal<'summary' | 'records'>('summary')
  const selection = createRecordSelection()
  const [label, setLabel] = createSignal('')
  const [passcode, setPasscode] = createSignal('')
  const [lifetime, setLifetime] = createSignal(1)
  const [busy, setBusy] = createSignal(false)
  const [made, setMade] = createSignal<SharedLink & { label: string }>()
  const [error, setError] = createSignal<string>()
  const [copied, setCopied] = createSignal(false)
  onMount(() => void links.refresh())

  const bundleBytes = async (now: number): Promise<Uint8Array> => {
    const entries = props.own.history.entries()
    const patient = props.own.history.patient
    if (what() === 'summary') {
      const { emergencySummary, storedProfile } = await import('../../emergency/index.ts')
      return new TextEncoder().encode(JSON.stringify(emergencySummary({ patient, entries, profile: storedProfile(entries, patient).profile, now }).bundle))
    }
    const bundle = exportBundle(entries, { patient, now, ...selection.options() })
    return new TextEncoder().encode(JSON.stringify(bundle))
  }

  const make = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    setError(undefined)
    setMade(undefined)
    setCopied(false)
    const through = keepers()
    if (through === undefined || through.addresses.length === 0) {
      setError('Enrol a keeper first (Settings, Keepers): your keeper serves the link while your devices are off.')
      return
    }
    const code = passcode().trim()
    if (code !== '' && (code.length < 4 || code.length > 64)) {
      setError('A passcode is 4 to 64 characters, or none.')
      return
    }
    setBusy(true)
    try {
      const now = Date.now()
      const seconds = LIFETIMES[lifetime()]?.seconds
      const { shareByLink } = await loadHealthLinks()
      const shared = await shareByLink(through, {
        bundle: await bundleBytes(now),
        ...(label().trim() === '' ? {} : { label: label().trim() }),
        ...(code === '' ? {} : { passcode: code }),
        ...(seconds === undefined ? {} : { expires: Math.floor(now / 1000) + seconds })
      })
      links.remember(shared.id, label().trim())
      setMade({ ...shared, label: label().trim() })
      void links.refresh()
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  const copy = async (text: string): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied(true)
    } catch {
      setError('The browser did not let the app copy: select the link and copy it yourself.')
    }
  }

  return (
    <section aria-labelledby="share-link-heading">
      <h3 id="share-link-heading">Share by link</h3>
      <p class="hint">
        For a doctor who does not use Anamnesis, or a second opinion: a SMART Health Link that any viewer following the specification opens, this app included. What you pick is
        encrypted in this browser; your keeper holds only the ciphertext, and the key is in the link. Whoever opens it gives a name, which you see below and in your audit trail.
      </p>
      <form onSubmit={(event) => void make(event)} aria-label="Make a shared link">
        <fieldset>
          <legend>What to share</legend>
          <label>
            <input type="radio" name="share-what" checked={what() === 'summary'} onChange={() => setWhat('summary')} /> My International Patient Summary
          </label>
          <label>
            <input type="radio" name="share-what" checked={what() === 'records'} onChange={() => setWhat('records')} /> Records I choose
          </label>
        </fieldset>
        <Show when={what() === 'records'}>
          <RecordSelectionFields selection={selection} id="share" legend="Categories to share" fromLabel="Shared from (optional)" toLabel="Shared to (optional)" />
        </Show>
        <p>
          <label for="share-label">Label the recipient sees (optional)</label>{' '}
          <input id="share-label" maxLength={80} value={label()} onInput={(event) => setLabel(event.currentTarget.value)} placeholder="Records for Dr Grey" />
        </p>
        <p>
          <label for="share-passcode">Passcode (optional, 4 to 64 characters)</label>{' '}
          <input id="share-passcode" autocomplete="off" maxLength={64} value={passcode()} onInput={(event) => setPasscode(event.currentTarget.value)} />
        </p>
        <p class="hint">Give the passcode by another way than the link (say it, or send it apart). After 5 wrong passcodes the link stops.</p>
        <p>
          <label for="share-lifetime">The link works for</label>{' '}
          <select id="share-lifetime" value={String(lifetime())} onChange={(event) => setLifetime(Number(event.currentTarget.value))}>
            <For each={LIFETIMES}>{(choice, index) => <option value={String(index())}>{choice.words}</option>}</For>
          </select>
        </p>
        <button type="submit" disabled={busy() || (what() === 'records' && selection.picked().length === 0)}>
          Make the link
        </button>
      </form>
      <Show when={busy()}>
        <p role="status">Encrypting and leaving the ciphertext with your keeper…</p>
      </Show>
      <ErrorBanner message={error()} prefix="No link was made: " />
      <Show when={made()}>
        {(link) => (
          <div class="shared-link">
            <p role="status" class="banner">
              Link made{link().label === '' ? '' : ` (“${link().label}”)`}. Anyone with it can open what you shared until it expires or you deactivate it.
            </p>
            <p>
              <label for="shared-link-text">Link to share</label> <input id="shared-link-text" readOnly value={viewerLink(link().text)} size={60} />{' '}
              <button type="button" onClick={() => void copy(viewerLink(link().text))}>
                Copy the link
              </button>
              <Show when={copied()}>
                <span role="status"> Copied.</span>
              </Show>
            </p>
            <InviteQrCode link={viewerLink(link().text)} alt="QR code of the shared link" />
          </div>
        )}
      </Show>
      <SharedLinksList links={links} />
    </section>
  )
}

function SharedLinksList(props: { links: SharedLinks }): JSX.Element {
  const [problem, setProblem] = createSignal<string>()
  const name = (link: PatientLink): string => props.links.label(link.id) ?? `made ${formatDayAndTime(link.created)}`
  const deactivate = async (link: PatientLink): Promise<void> => {
    setProblem(undefined)
    try {
      await props.links.deactivate(link)
    } catch (error) {
      setProblem(`The link was not deactivated: ${errorMessage(error)}`)
    }
  }
  return (
    <section aria-labelledby="shared-links-heading">
      <h4 id="shared-links-heading">Your shared links</h4>
      <button type="button" disabled={props.links.state().state === 'loading'} onClick={() => void props.links.refresh()}>
        Ask my keepers about my links
      </button>
      <Show when={props.links.state().state === 'loading'}>
        <p aria-live="polite">Asking your keepers…</p>
      </Show>
      <ErrorBanner message={(() => {
        const s = props.links.state()
        return s.state === 'failed' ? s.error : undefined
      })()} />
      <For each={props.links.problems()}>{(words) => <p class="banner banner-error">{words}</p>}</For>
      <ErrorBanner message={problem()} />
      <Show when={props.links.state().state === 'ready'}>
        <Show when={props.links.links().length > 0} fallback={<p>You have shared no link.</p>}>
          <ul aria-label="Your shared links" class="shared-links">
            <For each={props.links.links()}>
              {(link) => (
                <li>
                  <p>
                    <strong>Link {name(link)}</strong>: {STATE_WORDS[link.state]}
                    {link.passcode ? ', with a passcode' : ''}
                    {link.expires === 0 ? '' : `, ${link.state === 'expired' ? 'expired' : 'expires'} ${formatDayAndTime(link.expires * 1000)}`}.
                  </p>
                  <Show when={link.openings.length > 0} fallback={<p>Not opened yet.</p>}>
                    <ul aria-label={`Openings of link ${name(link)}`}>
                      <For each={link.openings}>
                        {(opening) => (
                          <li>
                            Opened by “{opening.recipient}” on <time datetime={new Date(opening.at).toISOString()}>{formatDayAndTime(opening.at)}</time>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                  <Show when={link.failures > 0}>
                    <p>
                      {link.failures} wrong {link.failures === 1 ? 'passcode' : 'passcodes'} tried.
                    </p>
                  </Show>
                  <Show when={link.state === 'active'}>
                    <button type="button" onClick={() => void deactivate(link)} aria-label={`Deactivate link ${name(link)}`}>
                      Deactivate
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  )
}
