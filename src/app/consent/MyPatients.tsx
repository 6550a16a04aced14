// A doctor's patients: who granted them access, as the ledger holds it, whether each patient's
// device can be reached now, and, for a live grant, the patient's history read again after the
// visit (a follow-up), from their device or, while it is offline, from their keepers.
import { createSignal, lazy, Match, onCleanup, Show, Suspense, Switch, type JSX } from 'solid-js'
import { describeScope } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { formatDay } from '../../format/index.ts'
import type { PatientReading } from '../session/createHistorySession.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { shortAddress } from '../ui/format.ts'
import { LoadedList } from '../ui/LoadedList.tsx'
import { followUpPatient } from '../visit/followUpPatient.ts'
import { connectToPatientDevice, patientDevice, patientReachable } from '../visit/patientDevices.ts'
import { createPatientsList } from './createPatientsList.ts'

const PatientReadingView = lazy(() => import('../timeline/PatientReadingView.tsx'))

/** The follow-up open on this page: one patient's history at a time. */
type FollowUpState =
  | { state: 'opening'; patient: string }
  | { state: 'open'; patient: string; reading: PatientReading; from: 'device' | 'keeper'; mayWrite: boolean }
  | { state: 'failed'; patient: string; error: string }

export function MyPatients(): JSX.Element {
  const app = useApp()
  const session = useHistorySession()
  const patients = createPatientsList(app)
  const [followUp, setFollowUp] = createSignal<FollowUpState>()
  const doctorAddress = (): string => {
    const wallet = app.wallet()
    return wallet.state === 'connected' ? wallet.wallet.address : ''
  }
  const closeReading = (): void => {
    const current = followUp()
    if (current?.state === 'open') void current.reading.close()
  }
  onCleanup(closeReading)
  // For a guardian's emergency grant: a keeper of the patient's the doctor was told of (the guardian
  // sees where the keys were left; the patient's card names one), tried before the app's defaults.
  const [namedKeepers, setNamedKeepers] = createSignal<Readonly<Record<string, string>>>({})
  const readHistory = async (patient: string, mayWrite: boolean, emergency: boolean): Promise<void> => {
    const node = app.p2pNode()
    closeReading()
    if (node === undefined) {
      setFollowUp({ state: 'failed', patient, error: 'The peer-to-peer node has not started yet: wait a moment and try again.' })
      return
    }
    setFollowUp({ state: 'opening', patient })
    try {
      const named = namedKeepers()[patient]?.trim() ?? ''
      const { reading, source } = await followUpPatient(node, session, patient, emergency ? { keepers: [...(named === '' ? [] : [named]), ...app.defaultKeepers()] } : undefined)
      setFollowUp({ state: 'open', patient, reading, from: source.from, mayWrite })
    } catch (error) {
      setFollowUp({ state: 'failed', patient, error: errorMessage(error) })
    }
  }
  return (
    <section aria-labelledby="patients-heading">
      <h2 id="patients-heading">My patients</h2>
      <p class="hint">If you are a doctor: the patients who granted you access, as the ledger holds it now.</p>
      <LoadedList
        state={patients.list()}
        label="Patients who granted you access"
        class="grant-list"
        noWallet="Connect a wallet to see who granted you access."
        loading="Reading the ledger…"
        empty="No patient has granted you access."
      >
        {(p) => (
          <li>
            <code>{shortAddress(p.patient)}</code>: {describeScope(p.scope)} {p.live ? 'until' : 'ended'} {formatDay(p.expiry)}
            {p.emergency ? ' (emergency grant by a guardian)' : ''}
            <PatientReachability patient={p.patient} />
            <Show when={p.live && p.emergency}>
              {' '}
              <label for={`keeper-of-${p.patient}`}>Patient's keeper (optional)</label>{' '}
              <input
                id={`keeper-of-${p.patient}`}
                value={namedKeepers()[p.patient] ?? ''}
                onInput={(event) => {
                  const value = event.currentTarget.value
                  setNamedKeepers((now) => ({ ...now, [p.patient]: value }))
                }}
                placeholder="/dns4/…/p2p/12D3Koo…"
                spellcheck={false}
              />
            </Show>
            <Show when={p.live}>
              {' '}
              <button type="button" aria-label={`Read the history of ${p.patient}`} disabled={followUp()?.state === 'opening'} onClick={() => void readHistory(p.patient, p.scope.mayWrite, p.emergency)}>
                Read the history
              </button>
            </Show>
          </li>
        )}
      </LoadedList>
      <button type="button" onClick={() => void patients.refresh()}>
        Refresh
      </button>
      <Show when={followUp()}>
        {(current) => (
          <section aria-label={`Follow-up with ${current().patient}`}>
            <Switch>
              <Match when={current().state === 'opening'}>
                <p role="status">Opening the history of {shortAddress(current().patient)}: trying their device, then their keepers…</p>
              </Match>
              <Match when={current().state === 'failed' && (current() as Extract<FollowUpState, { state: 'failed' }>)}>
                {(failed) => <ErrorBanner message={failed().error} prefix={`The history of ${shortAddress(failed().patient)} cannot be read now: `} />}
              </Match>
              <Match when={current().state === 'open' && (current() as Extract<FollowUpState, { state: 'open' }>)}>
                {(open) => (
                  <Suspense fallback={<p role="status">Opening the patient's history…</p>}>
                    <PatientReadingView reading={open().reading} doctor={doctorAddress()} mayWrite={open().mayWrite} source={open().from} />
                  </Suspense>
                )}
              </Match>
            </Switch>
          </section>
        )}
      </Show>
    </section>
  )
}

/** Whether the patient's device can be reached now, and a way to connect to it again. */
function PatientReachability(props: { patient: string }): JSX.Element {
  const app = useApp()
  const [connecting, setConnecting] = createSignal<string>()
  // The status strip's connection counts change with every connection: read them to recheck.
  const reachable = (): boolean | undefined => {
    app.p2pStatus()
    return patientReachable(app.p2pNode(), props.patient)
  }
  const connect = async (): Promise<void> => {
    const node = app.p2pNode()
    if (node === undefined || patientDevice(props.patient) === undefined) return
    setConnecting('Connecting…')
    try {
      const direct = await connectToPatientDevice(node, props.patient)
      setConnecting(direct ? undefined : 'Reached only through the relay.')
    } catch (error) {
      setConnecting(`Not reachable: ${errorMessage(error)}`)
    }
  }
  return (
    <Switch>
      <Match when={reachable() === true}>
        {' '}
        · <span>device connected now</span>
      </Match>
      <Match when={reachable() === false}>
        {' '}
        · <span>device not connected</span>{' '}
        <button type="button" class="link-button" aria-label={`Connect to the device of ${props.patient}`} onClick={() => void connect()}>
          Connect
        </button>{' '}
        <span role="status">{connecting() ?? ''}</span>
      </Match>
    </Switch>
  )
}
