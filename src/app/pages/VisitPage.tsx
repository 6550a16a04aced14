import { useParams } from '@solidjs/router'
import { createEffect, createSignal, For, lazy, Match, on, onCleanup, Show, Suspense, Switch, type JSX } from 'solid-js'
import { describeScope, formatDay, recordCategories, type RecordCategory } from '../../chain/index.ts'
import { useApp } from '../AppContext.ts'
import { createGrantsList } from '../createGrantsList.ts'
import { createPatientsList } from '../createPatientsList.ts'
import { patientDevice, patientReachable } from '../patientDevices.ts'
import { useHistorySession } from '../HistorySessionContext.ts'
import { ErrorBanner } from '../ErrorBanner.tsx'
import { LoadedList } from '../LoadedList.tsx'
import type { JoinStep, PendingRequest } from '../createVisits.ts'
import { shortAddress } from '../format.ts'
import { usePageTitle } from '../usePageTitle.ts'
import { JoinByCode } from '../visit/JoinByCode.tsx'
import { useVisits } from '../VisitsContext.ts'

const PatientReadingView = lazy(() => import('../history/PatientReadingView.tsx'))

const durations = [
  { days: 1, label: '1 day' },
  { days: 7, label: '1 week' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' }
]

const categoryLabels: Record<RecordCategory, string> = {
  conditions: 'Conditions',
  medications: 'Medications',
  allergies: 'Allergies',
  procedures: 'Procedures',
  immunizations: 'Immunizations',
  results: 'Results',
  reports: 'Reports',
  familyHistory: 'Family history',
  notes: 'Notes'
}

export default function VisitPage(): JSX.Element {
  usePageTitle('Visit')
  const params = useParams<{ invite?: string }>()
  return (
    <article>
      <h1>Visit</h1>
      <Show when={params.invite} fallback={<PatientVisit />}>
        {(invite) => <DoctorJoin invite={invite()} />}
      </Show>
    </article>
  )
}

/** The invite's QR code. Its encoder loads with the first invite, not with the doctor's join page. */
function InviteQrCode(props: { link: string }): JSX.Element {
  const [image, setImage] = createSignal<{ link: string; src: string }>()
  createEffect(() => {
    const link = props.link
    import('../visit/visitQrCode.ts').then(
      ({ visitQrImage }) => setImage({ link, src: visitQrImage(link) }),
      (error: unknown) => console.error('The QR code could not be drawn:', error)
    )
  })
  // Only the current link's code: a slower draw of an older invite never replaces it.
  const current = (): string | undefined => (image()?.link === props.link ? image()?.src : undefined)
  return (
    <Show when={current()} fallback={<p class="invite-qr">Drawing the QR code…</p>}>
      {(src) => <img class="invite-qr" src={src()} alt="QR code of the visit link" width="220" height="220" />}
    </Show>
  )
}

function PatientVisit(): JSX.Element {
  const visits = useVisits()
  const [now, setNow] = createSignal(Date.now())
  const timer = setInterval(() => setNow(Date.now()), 1000)
  onCleanup(() => clearInterval(timer))
  const [copied, setCopied] = createSignal(false)

  const secondsLeft = (expires: number): number => Math.max(0, expires - Math.floor(now() / 1000))

  return (
    <>
      <p>
        Show your doctor this QR code, or send them the link. Their browser connects directly to yours; you then choose what they may see
        and for how long. The grant is recorded on-chain, and you can revoke it at any time.
      </p>
      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite a doctor</h2>
        <Show
          when={visits.openInvite()}
          fallback={
            <button type="button" class="primary" onClick={() => void visits.startVisit()}>
              Start a visit
            </button>
          }
        >
          {(open) => (
            <div class="invite">
              <InviteQrCode link={open().link} />
              <div>
                <label for="visit-link">Visit link</label>
                <input id="visit-link" readOnly value={open().link} />
                <p>
                  <button
                    type="button"
                    onClick={() => {
                      void navigator.clipboard.writeText(open().link).then(() => setCopied(true), () => setCopied(false))
                    }}
                  >
                    Copy link
                  </button>{' '}
                  <button type="button" onClick={() => visits.cancelInvite()}>
                    Cancel invite
                  </button>
                </p>
                <p aria-live="polite">{copied() ? 'Link copied.' : ''}</p>
                <p>
                  <Show when={secondsLeft(open().invite.expires) > 0} fallback={<strong>This invite has expired. Start a new visit.</strong>}>
                    Valid for one doctor, for {Math.ceil(secondsLeft(open().invite.expires) / 60)} more minutes.
                  </Show>
                </p>
              </div>
            </div>
          )}
        </Show>
        <ErrorBanner message={visits.inviteError()} />
      </section>
      <For each={visits.requests()}>{(request) => <RequestCard request={request} />}</For>
      <CurrentGrants />
      <JoinByCode />
      <MyPatients />
    </>
  )
}

function RequestCard(props: { request: PendingRequest }): JSX.Element {
  const visits = useVisits()
  const [chosen, setChosen] = createSignal<RecordCategory[]>(recordCategories.filter((c) => c !== 'notes'))
  const [mayWrite, setMayWrite] = createSignal(false)
  const [days, setDays] = createSignal(7)
  const headingId = (): string => `request-${props.request.id}`
  const toggle = (category: RecordCategory, on: boolean): void => {
    setChosen((list) => (on ? [...list, category] : list.filter((c) => c !== category)))
  }

  return (
    <section class="request" aria-labelledby={headingId()}>
      <h2 id={headingId()}>Request from {props.request.name === '' ? 'a doctor' : props.request.name}</h2>
      <p>
        <strong>{props.request.name === '' ? 'Someone' : props.request.name}</strong> (the name they gave; not verified) asks to see your
        history, signed by the address <code>{props.request.doctor}</code>.
      </p>
      <Switch>
        <Match when={props.request.state === 'waiting' || props.request.state === 'granting'}>
          <form
            onSubmit={(event) => {
              event.preventDefault()
              void visits.approve(props.request.id, { categories: chosen(), mayWrite: mayWrite(), days: days() })
            }}
          >
            <fieldset>
              <legend>What they may see</legend>
              <For each={recordCategories}>
                {(category) => (
                  <label class="check">
                    <input type="checkbox" checked={chosen().includes(category)} onChange={(event) => toggle(category, event.currentTarget.checked)} />{' '}
                    {categoryLabels[category]}
                  </label>
                )}
              </For>
              <label class="check">
                <input type="checkbox" checked={mayWrite()} onChange={(event) => setMayWrite(event.currentTarget.checked)} /> They may add records
                (diagnoses, prescriptions, follow-ups) to my history
              </label>
              <p class="hint">
                The doctor's app receives the keys of these kinds only: the rest of your history stays sealed to them. A doctor who writes requests, visits and
                outcomes needs Notes.
              </p>
            </fieldset>
            <p>
              <label for={`${headingId()}-days`}>For how long</label>{' '}
              <select id={`${headingId()}-days`} value={String(days())} onChange={(event) => setDays(Number(event.currentTarget.value))}>
                <For each={durations}>{(d) => <option value={String(d.days)}>{d.label}</option>}</For>
              </select>
            </p>
            <p>
              <Show when={chosen().length === 0}>
                <span class="hint">Choose at least one kind of record to approve. </span>
              </Show>
              <button type="submit" disabled={props.request.state === 'granting' || chosen().length === 0}>
                {props.request.state === 'granting' ? 'Granting…' : 'Approve'}
              </button>{' '}
              <button type="button" disabled={props.request.state === 'granting'} onClick={() => void visits.decline(props.request.id)}>
                Decline
              </button>
            </p>
          </form>
        </Match>
        <Match when={props.request.state === 'approved'}>
          <p role="status">
            Approved: {shortAddress(props.request.doctor)} has {props.request.outcome}. What they see cannot be unseen; revoking stops future access.
          </p>
          <EndOfVisit />
        </Match>
        <Match when={props.request.state === 'declined'}>
          <p role="status">Declined. Nothing was shared.</p>
        </Match>
      </Switch>
      <ErrorBanner message={props.request.error} />
    </section>
  )
}

/** At the end of a visit the patient anchors the history, so both sides can check every block against the ledger. */
function EndOfVisit(): JSX.Element {
  const session = useHistorySession()
  return (
    <Show when={session.own()}>
      {(own) => (
        <p>
          <button type="button" disabled={own().anchorStep().step === 'sending'} onClick={() => void own().anchorNow()}>
            End the visit: anchor my history on-chain
          </button>{' '}
          <span role="status">
            {(() => {
              const step = own().anchorStep()
              if (step.step === 'sending') return 'Anchoring…'
              if (step.step === 'done') return `Anchored: ${step.entryCount.toLocaleString('en')} blocks, in block ${step.blockNumber.toString()}. You and the doctor can now check each block against it.`
              if (step.step === 'failed') return `Not anchored: ${step.error}`
              return ''
            })()}
          </span>
        </p>
      )}
    </Show>
  )
}

function CurrentGrants(): JSX.Element {
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
      <Show when={session.expiryNotice()}>{(text) => <p role="status">{text()}</p>}</Show>
      <ErrorBanner message={grants.error()} />
    </section>
  )
}

function MyPatients(): JSX.Element {
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
    const device = patientDevice(props.patient)
    const node = app.p2pNode()
    if (device === undefined || node === undefined) return
    setConnecting('Connecting…')
    try {
      const { direct } = await node.dial(device.address)
      setConnecting(direct ? undefined : 'Reached only through the relay.')
    } catch (error) {
      setConnecting(`Not reachable: ${error instanceof Error ? error.message : String(error)}`)
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

function DoctorJoin(props: { invite: string }): JSX.Element {
  const visits = useVisits()
  const app = useApp()
  const doctorAddress = (): string => {
    const wallet = app.wallet()
    return wallet.state === 'connected' ? wallet.wallet.address : ''
  }
  const [name, setName] = createSignal('')
  // While the doctor types their name, the patient's device is dialled (no wallet prompt needed).
  createEffect(() => {
    if (app.p2pNode() !== undefined && doctorAddress() !== '') visits.prepareJoin(props.invite)
  })
  onCleanup(() => visits.abandonJoin(props.invite))
  const step = (): JoinStep => visits.join(props.invite)
  // The history's views are needed the moment access is granted: they load while the patient decides
  // (not earlier, when compiling them would slow the dial and the doctor's keys on a small machine).
  createEffect(() => {
    if (step().step === 'waiting') void import('../history/PatientReadingView.tsx')
  })
  const busy = () => ['unlocking', 'registering-key', 'connecting', 'signing', 'waiting'].includes(step().step)
  return (
    <section aria-labelledby="join-heading">
      <h2 id="join-heading">Join a patient's visit</h2>
      <p>
        A patient invited you to see their history. Your browser will connect directly to theirs; they decide what you may see and for how
        long. Opening the history is recorded on-chain, in the patient's audit trail.
      </p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          void visits.joinVisit(props.invite, name())
        }}
      >
        <label for="doctor-name">Your name, as the patient will see it</label>
        <input id="doctor-name" value={name()} onInput={(event) => setName(event.currentTarget.value)} maxLength={120} placeholder="Dr …" />
        <button type="submit" disabled={busy() || step().step === 'approved'}>
          Ask for access
        </button>
      </form>
      <p aria-live="polite" class="join-step">
        <Switch>
          <Match when={step().step === 'unlocking'}>Opening your keys on this device: your wallet signs two messages (no transaction)…</Match>
          <Match when={step().step === 'registering-key'}>Registering your encryption key first, so the patient can share with you…</Match>
          <Match when={step().step === 'signing'}>Sign the request in your wallet…</Match>
          <Match when={step().step === 'connecting'}>Connecting to the patient's device…</Match>
          <Match when={step().step === 'waiting'}>Waiting for the patient to decide…</Match>
          <Match when={step().step === 'approved' && step()}>
            {(s) => {
              const a = () => s() as Extract<ReturnType<typeof step>, { step: 'approved' }>
              return (
                <>
                  Access granted: {a().description} until {formatDay(a().expiry)}.{' '}
                  {a().recorded === 'recording' ? 'Recording the visit on-chain…' : a().recorded === 'recorded' ? 'The visit is recorded on-chain.' : ''}
                </>
              )
            }}
          </Match>
          <Match when={step().step === 'declined'}>The patient declined. Nothing was shared.</Match>
        </Switch>
      </p>
      <Show when={(step().step === 'refused' || step().step === 'failed') && step()}>
        {(s) => (
          <p class="banner banner-error" role="alert">
            {(s() as { message: string }).message}
          </p>
        )}
      </Show>
      <Show when={step().step === 'approved' && (step() as Extract<JoinStep, { step: 'approved' }>)}>
        {(approved) => (
          <>
            <ErrorBanner message={approved().readError} prefix="The patient's history cannot be read here: " />
            <Show when={approved().reading}>
              {(reading) => (
                <Suspense fallback={<p role="status">Opening the patient's history…</p>}>
                  <PatientReadingView reading={reading()} doctor={doctorAddress()} mayWrite={approved().mayWrite} />
                </Suspense>
              )}
            </Show>
          </>
        )}
      </Show>
      <Show when={step().step === 'approved' && (step() as { recordError?: string }).recordError}>
        {(error) => (
          <p class="banner banner-error" role="alert">
            The visit could not be recorded on-chain: {error()}
          </p>
        )}
      </Show>
    </section>
  )
}
