// A doctor's patients: who granted them access, as the ledger holds it, and whether each
// patient's device can be reached now.
import { createSignal, Match, Switch, type JSX } from 'solid-js'
import { describeScope } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { formatDay } from '../../format/index.ts'
import { useApp } from '../shell/AppContext.ts'
import { shortAddress } from '../ui/format.ts'
import { LoadedList } from '../ui/LoadedList.tsx'
import { connectToPatientDevice, patientDevice, patientReachable } from '../visit/patientDevices.ts'
import { createPatientsList } from './createPatientsList.ts'

export function MyPatients(): JSX.Element {
  const app = useApp()
  const patients = createPatientsList(app)
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
          </li>
        )}
      </LoadedList>
      <button type="button" onClick={() => void patients.refresh()}>
        Refresh
      </button>
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
