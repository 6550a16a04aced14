// "Act for someone I am guardian of": the patients who named this wallet as a guardian, their
// emergency grants, and a form per patient to let a treating doctor read the emergency records:
// the grant on the ledger, then the records' keys handed to the doctor through the patient's keepers.
import { createSignal, For, Show, type JSX } from 'solid-js'
import { describeScope } from '../../chain/index.ts'
import { formatDay } from '../../format/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { shortAddress } from '../ui/format.ts'
import { LoadedList } from '../ui/LoadedList.tsx'
import { createWards, type Wards, type WardView } from './createWards.ts'
import { MAX_EMERGENCY_HOURS } from './emergencyGrantForm.ts'

function WardCard(props: { ward: WardView; wards: Wards }): JSX.Element {
  const [doctor, setDoctor] = createSignal('')
  const [hours, setHours] = createSignal('24')
  const [keeper, setKeeper] = createSignal('')
  const id = (): string => props.ward.patient.toLowerCase()
  const outcome = () => (props.wards.outcome()?.patient.toLowerCase() === id() ? props.wards.outcome() : undefined)
  const handing = () => (props.wards.handing()?.patient.toLowerCase() === id() ? props.wards.handing() : undefined)
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    if (await props.wards.grant(props.ward.patient, { doctor: doctor(), hours: hours(), keeper: keeper() })) setDoctor('')
  }
  return (
    <li>
      <h3 id={`ward-${id()}`}>
        Patient <code>{props.ward.patient}</code>
      </h3>
      <Show when={props.ward.emergencyGrants.length > 0} fallback={<p>No emergency access is live on this patient's history.</p>}>
        <ul aria-label={`Emergency access live for ${props.ward.patient}`}>
          <For each={props.ward.emergencyGrants}>{(g) => (
            <li>
              Dr <code>{shortAddress(g.doctor)}</code>: {describeScope(g.scope)} until {formatDay(g.expiry)}, granted by{' '}
              {g.grantedBy.toLowerCase() === props.wards.me()?.toLowerCase() ? 'you' : <code>{shortAddress(g.grantedBy)}</code>}{' '}
              <button
                type="button"
                aria-label={`Hand the keys on again to ${g.doctor}`}
                disabled={handing()?.state === 'handing'}
                onClick={() => void props.wards.handOn(props.ward.patient, g.doctor, keeper())}
              >
                Hand the keys on again
              </button>
            </li>
          )}</For>
        </ul>
        <p class="hint">
          A guardian cannot end an emergency grant early: the ledger lets only the patient revoke it. It ends by itself at the time shown, and
          the patient sees it and can end it at any time.
        </p>
      </Show>
      <form class="inline-form" aria-labelledby={`ward-${id()}`} onSubmit={(event) => void submit(event)}>
        <label for={`doctor-${id()}`}>Treating doctor's address</label>
        <input id={`doctor-${id()}`} value={doctor()} onInput={(event) => setDoctor(event.currentTarget.value)} placeholder="0x…" spellcheck={false} />
        <label for={`hours-${id()}`}>Hours (at most {MAX_EMERGENCY_HOURS})</label>
        <input id={`hours-${id()}`} type="number" value={hours()} onInput={(event) => setHours(event.currentTarget.value)} />
        <label for={`keeper-${id()}`}>The patient's keeper (optional)</label>
        <input
          id={`keeper-${id()}`}
          value={keeper()}
          onInput={(event) => setKeeper(event.currentTarget.value)}
          placeholder="/dns4/…/p2p/12D3Koo…"
          spellcheck={false}
          aria-describedby={`keeper-hint-${id()}`}
        />
        <button type="submit" aria-label={`Grant emergency access to ${props.ward.patient}'s history`} disabled={props.wards.pending() !== undefined || doctor().trim() === ''}>
          {props.wards.pending()?.toLowerCase() === id() ? 'Granting…' : 'Grant emergency access'}
        </button>
      </form>
      <p class="hint" id={`keeper-hint-${id()}`}>
        The doctor reads the records from the patient's keepers, which hold them encrypted: this app's default keepers are tried, and the one
        you name here first (it is on the patient's emergency card, or in their settings).
      </p>
      <p aria-live="polite">{outcome()?.done ?? ''}</p>
      <ErrorBanner message={outcome()?.error} />
      <p role="status" aria-label={`Keys for ${props.ward.patient}'s doctors`}>
        {handing()?.state === 'failed' ? '' : (handing()?.message ?? '')}
      </p>
      <ErrorBanner message={handing()?.state === 'failed' ? handing()?.message : undefined} />
    </li>
  )
}

export function GuardianSection(): JSX.Element {
  const app = useApp()
  const wards = createWards(app, useHistorySession())
  return (
    <section aria-labelledby="guardian-heading">
      <h2 id="guardian-heading">Act for someone I am guardian of</h2>
      <p class="hint">
        If someone named you as their guardian and cannot act now, you can let the doctor treating them read their emergency records
        (allergies, medicines, problems, procedures, immunizations and results, nothing else) for at most {MAX_EMERGENCY_HOURS} hours. It is
        recorded on the ledger under your name, and the patient sees it.
      </p>
      <LoadedList
        state={wards.list()}
        label="Patients you are a guardian of"
        class="ward-list"
        noWallet="Connect a wallet to see whom you are a guardian of."
        loading="Reading whom you are a guardian of…"
        empty="Nobody has named you as their guardian."
        failedPrefix="Could not read whom you are a guardian of: "
      >
        {(ward) => <WardCard ward={ward} wards={wards} />}
      </LoadedList>
    </section>
  )
}
