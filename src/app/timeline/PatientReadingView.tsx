// A doctor's view of a patient's history during a visit: how far it has arrived from the
// patient's device, the timeline and body map over what arrived, and (with a write grant)
// the forms that add a request, diagnosis, therapy, follow-up or outcome to it.
import { createMemo, createSignal, Match, onCleanup, Show, Switch, type JSX } from 'solid-js'
import { DOCTOR_KINDS, type HistoryRecord } from '../../history/index.ts'
import { verdictCounts } from '../../session/index.ts'
import type { PatientReading } from '../session/createHistorySession.ts'
import { RecordForm } from '../records/RecordForm.tsx'
import { chainTargetsOf } from '../records/recordFormModel.ts'
import { AttachFile } from '../attachments/AttachFile.tsx'
import { createAttachmentFiles } from '../attachments/createAttachmentFiles.ts'
import HistoryViews from './HistoryViews.tsx'

/** The longest the views wait for a sync to settle before they show what has arrived. */
const VIEWS_AT_LATEST_MS = 2_000

/**
 * `source` says where the history comes from: the patient's device (at a visit, or a follow-up while
 * it is online) or their keeper (a follow-up while every device of theirs is offline).
 */
export default function PatientReadingView(props: { reading: PatientReading; doctor: string; mayWrite: boolean; source?: 'device' | 'keeper' }): JSX.Element {
  const reading = (): PatientReading => props.reading
  const fromKeeper = (): boolean => props.source === 'keeper'
  const offlineError = (): string => {
    const state = reading().reading()
    return state.state === 'offline' ? state.error : ''
  }
  // Key drops (a new epoch's keys) are blocks of the log but not of the timeline: counted as neither.
  const counts = createMemo(() => {
    reading().version()
    return { records: reading().history.entries().length, blocks: reading().log.entries().length - reading().history.keyDropCount(), unreadable: reading().history.unreadable().length }
  })
  // What the pull under way may still bring, as the patient's device (or keeper) announced it: "up to",
  // since entries refused on arrival, or waiting for ones that never come, are never settled.
  const toCome = (): string => {
    const state = reading().reading()
    return state.state === 'syncing' && state.expected !== undefined && state.expected > state.received ? `, up to ${(state.expected - state.received).toLocaleString('en')} more to come` : ''
  }
  const verdicts = createMemo(() => verdictCounts(reading().report()))
  const writers = createMemo(() => new Map([[reading().history.patient.toLowerCase(), 'The patient'], [props.doctor.toLowerCase(), 'You']]))
  const targets = createMemo(() => {
    reading().version()
    return chainTargetsOf(reading().history.entries(), reading().history.patient)
  })
  // However the sync goes (a pull that stalls with everything already here, say), the views show
  // what arrived after a couple of seconds.
  const [waited, setWaited] = createSignal(false)
  const patience = setTimeout(() => setWaited(true), VIEWS_AT_LATEST_MS)
  onCleanup(() => clearTimeout(patience))
  const add = async (record: HistoryRecord): Promise<void> => {
    await reading().add([record])
  }
  const files = createAttachmentFiles(() => reading().history)
  return (
    <section aria-labelledby="reading-heading" class="own-history">
      <h2 id="reading-heading">The patient's history</h2>
      {/* Busy while the history streams in: announced once it settles, not at every redraw. */}
      <p role="status" aria-busy={reading().reading().state === 'syncing'}>
        <Switch>
          <Match when={reading().reading().state === 'syncing'}>
            Receiving the patient's history from their {fromKeeper() ? 'keeper' : 'device'}: {counts().blocks.toLocaleString('en')} blocks so far, {counts().records.toLocaleString('en')} records decrypted
            {toCome()}…
          </Match>
          <Match when={reading().reading().state === 'synced'}>
            {counts().records.toLocaleString('en')} records in {counts().blocks.toLocaleString('en')} blocks, received directly from the patient's {fromKeeper() ? 'keeper' : 'device'}.
            {counts().unreadable > 0 ? ` ${counts().unreadable} ${counts().unreadable === 1 ? 'block' : 'blocks'} cannot be read with the keys you were given.` : ''}
          </Match>
          <Match when={reading().reading().state === 'offline' && fromKeeper()}>
            The patient's keeper did not serve the history ({offlineError()}). You keep the {counts().records.toLocaleString('en')} records that arrived.
          </Match>
          <Match when={reading().reading().state === 'offline'}>
            The patient's device is offline. You keep the {counts().records.toLocaleString('en')} records that arrived; the rest will come when their app is open again (trying
            every few seconds).
          </Match>
        </Switch>
      </p>
      <Show when={reading().report()}>
        {(report) => (
          <p class="verification" classList={{ 'verdict-broken': verdicts().broken > 0 }}>
            Verification: {verdicts().verified} verified against the patient's latest anchor, {verdicts().unanchored} not yet anchored
            {verdicts().broken > 0 ? `, ✕ ${verdicts().broken} broken` : ', none broken'}.
            <Show when={report().anchoredRoot === undefined}> The patient has not anchored this history on-chain yet.</Show>
          </p>
        )}
      </Show>
      <Show when={reading().access() === 'ended'}>
        <p class="notice" role="status">
          Your access to this history has ended: the patient revoked it or it expired. You keep what you saw here, and you can no longer add to it. After a revocation the
          patient's new records are sealed under a key you do not have.
        </p>
      </Show>
      <Show when={reading().reading().state === 'offline'}>
        <button type="button" onClick={() => void reading().resync()}>
          {fromKeeper() ? "Try the patient's keeper again" : "Try the patient's device again"}
        </button>
      </Show>
      <Show when={props.mayWrite && reading().access() !== 'ended'}>
        <RecordForm kinds={DOCTOR_KINDS} patient={reading().history.patient} chainTargets={targets()} onSubmit={add} label="Write into the patient's history" />
        <details class="add-record">
          <summary>Attach a report or image to the patient's history</summary>
          <AttachFile files={files()} add={add} />
        </details>
      </Show>
      {/* Drawn once what the patient's device holds has arrived, or at the first redraw of a longer
          sync: drawing the part fetched while the patient decided, only to draw it all again a moment
          later, would delay the whole. */}
      <Show when={counts().blocks > 0 && (reading().reading().state !== 'syncing' || reading().version() > 0 || waited())}>
        <HistoryViews source={{ blocks: () => reading().blocks(), patient: reading().history.patient, now: () => (reading().version(), Date.now()), writers, misconduct: () => reading().misconduct(), files }} />
      </Show>
    </section>
  )
}
