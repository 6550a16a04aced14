// The doctor's half of a visit: give a name, ask for access, wait for the patient, then read
// (and, with write access, add to) the patient's history.
import { createEffect, createSignal, lazy, Match, onCleanup, Show, Suspense, Switch, type JSX } from 'solid-js'
import { formatDay } from '../../format/index.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import type { JoinStep } from './createVisits.ts'
import { useVisits } from './VisitsContext.ts'

const PatientReadingView = lazy(() => import('../timeline/PatientReadingView.tsx'))

export function DoctorJoin(props: { invite: string }): JSX.Element {
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
    if (step().step === 'waiting') void import('../timeline/PatientReadingView.tsx')
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
          <Match when={step().step === 'waiting' && (step() as Extract<JoinStep, { step: 'waiting' }>)}>
            {(waiting) => (
              <>
                Waiting for the patient to decide… Read them this check code: <strong aria-label={`Check code ${waiting().checkCode}`}>{waiting().checkCode}</strong>. Their
                screen shows the same code for your request.
              </>
            )}
          </Match>
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
