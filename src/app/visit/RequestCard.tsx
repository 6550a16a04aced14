// Approving a visit: the patient sees who asks, chooses the kinds of record, write access and a
// duration, and approves or declines; after approval, the visit ends with an anchor.
import { createSignal, For, Match, Show, Switch, type JSX } from 'solid-js'
import { recordCategories, type RecordCategory } from '../../chain/index.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { shortAddress } from '../ui/format.ts'
import type { PendingRequest } from './createVisits.ts'
import { useVisits } from './VisitsContext.ts'

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

export function RequestCard(props: { request: PendingRequest }): JSX.Element {
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
        <strong>{props.request.name === '' ? 'Someone' : props.request.name}</strong> (the name they gave; not verified) {props.request.state === 'refused' ? 'asked' : 'asks'} to see your
        history, signed by the address <code>{props.request.doctor}</code>
        {props.request.signer === 'contract-wallet' ? ", a contract wallet: its signature was checked by the chain's RPC, not by this app" : ''}.
      </p>
      <Switch>
        <Match when={props.request.state === 'waiting' || props.request.state === 'granting'}>
          <p class="check-code">
            Check code <strong aria-label={`Check code ${props.request.checkCode}`}>{props.request.checkCode}</strong>: ask the doctor to read out the
            code on their screen, and approve only if it is the same. A different code means someone else is asking.
          </p>
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
        <Match when={props.request.state === 'refused'}>
          <p role="status">Refused by this app, for the reason below: nothing was granted or shared, and the doctor was told.</p>
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
