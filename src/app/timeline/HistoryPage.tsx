// The patient's history: their own encrypted log on this device, opened with the wallet,
// drawn as the timeline and the body map; and the demo patient for a newcomer, either
// shown without storing anything or loaded into their own history as labelled demo data.
// The views load on demand, so D3 and the body art stay out of the first screen.
import { A, useSearchParams } from '@solidjs/router'
import { createMemo, createSignal, For, lazy, Match, Show, Suspense, Switch, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import type { HistoryRecord } from '../../history/index.ts'
import { verdictCounts } from '../../session/index.ts'
import { AttachFile } from '../attachments/AttachFile.tsx'
import { createAttachmentFiles } from '../attachments/createAttachmentFiles.ts'
import { createBackupControls } from '../session/createBackupControls.ts'
import type { OwnHistory } from '../session/createHistorySession.ts'
import { RestoreBackup } from '../settings/BackupSection.tsx'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { usePageTitle } from '../ui/usePageTitle.ts'
import { EmergencyOpenings } from '../emergency/EmergencyOpenings.tsx'

const DemoPreview = lazy(() => import('./DemoPreview.tsx'))
const EmergencyGrants = lazy(() => import('../consent/EmergencyGrants.tsx'))
const OwnHistoryViews = lazy(() => import('./OwnHistoryViews.tsx'))
const RecordsInOut = lazy(() => import('../records/RecordsInOut.tsx'))
// The patient's kinds of record with the form: both load when the form is first shown.
const PatientRecordForm = lazy(async () => {
  const [{ RecordForm }, { PATIENT_KINDS }] = await Promise.all([import('../records/RecordForm.tsx'), import('../../history/index.ts')])
  return { default: (props: { patient: `0x${string}`; onSubmit: (record: HistoryRecord) => Promise<void> }) => <RecordForm kinds={PATIENT_KINDS} label="Add to my history" {...props} /> }
})
const DEFAULT_RECORDS = 400
const SIZES = [50, 400, 2000, 10_000]

const UNLOCK_STEPS = {
  'signing-keys': 'Waiting for your wallet to sign the key message (1 of 2)…',
  'signing-binding': 'Waiting for your wallet to sign the history signing key (2 of 2)…',
  opening: 'Opening your history…'
} as const

export function HistoryPage(): JSX.Element {
  usePageTitle('My history')
  const session = useHistorySession()
  const [params, setParams] = useSearchParams<{ demo?: string }>()
  const records = (): number | undefined => {
    const value = Number(params.demo)
    return params.demo === undefined ? undefined : Number.isInteger(value) && value >= 50 && value <= 20_000 ? value : DEFAULT_RECORDS
  }
  return (
    <article class="history-page">
      <h1>My history</h1>
      <EmergencyOpenings acknowledge />
      <p>
        Your medical history lives here, encrypted in this browser: conditions, symptoms, medicines, allergies, procedures, immunizations, family history, results and reports,
        drawn as a chain of linked blocks on a timeline and on a body map. Copies on your other devices or a doctor's are encrypted too; only those you give a key can read them.
      </p>
      <Show when={session.state().state !== 'no-wallet'}>
        <Suspense>
          <EmergencyGrants />
        </Suspense>
      </Show>
      <Switch>
        <Match when={session.state().state === 'no-wallet'}>
          <p class="notice">
            Connect a wallet in <A href="/settings">Settings</A> to open your history: your wallet is the key to it.
          </p>
        </Match>
        <Match when={session.state().state === 'waiting'}>
          <p role="status">Getting ready…</p>
        </Match>
        <Match when={session.state().state === 'locked' || session.state().state === 'failed'}>
          <section aria-labelledby="unlock-heading" class="unlock">
            <h2 id="unlock-heading">Open your history on this device</h2>
            <Show when={(() => {
              const s = session.state()
              return s.state === 'locked' ? s.reason : undefined
            })()}>
              {(reason) => <p class="notice">{reason()}</p>}
            </Show>
            <p>
              Your wallet will be asked to sign two messages: one makes your keys on this device, the other vouches for the key that signs your entries. Signing sends no
              transaction and costs nothing. The keys are kept in this browser, wrapped by a key the browser will not hand out, so a reload opens your history without asking again.
            </p>
            <button type="button" onClick={() => void session.unlock()}>
              {session.state().state === 'failed' ? 'Try again to open my history' : 'Open my history'}
            </button>
            <ErrorBanner message={(() => {
              const s = session.state()
              return s.state === 'failed' ? s.error : undefined
            })()} prefix="Your history could not be opened: " />
          </section>
        </Match>
        <Match when={(() => {
          const s = session.state()
          return s.state === 'unlocking' ? s.step : undefined
        })()}>
          {(step) => <p role="status">{UNLOCK_STEPS[step()]}</p>}
        </Match>
        <Match when={session.own()} keyed>
          {(own) => <OwnHistorySection own={own} />}
        </Match>
      </Switch>

      <Show
        when={records()}
        fallback={
          <section aria-labelledby="demo-offer">
            <h2 id="demo-offer">See how it works with a demo patient</h2>
            <p>
              A made-up patient, generated in this browser: seventy years of conditions, medicines, results and their diagnostic chains. Synthetic data, not anyone’s records, and
              not yours.
            </p>
            <button type="button" onClick={() => setParams({ demo: String(DEFAULT_RECORDS) })}>
              Show the demo patient
            </button>
          </section>
        }
      >
        {(count) => (
          <section aria-labelledby="demo-heading">
            <div class="demo-label">
              <h2 id="demo-heading">Demo patient — synthetic, not your records</h2>
              <p>
                This history of {count().toLocaleString('en')} records was generated in your browser from a fixed seed. It is not stored anywhere and is gone when you leave this page.
              </p>
              <p class="demo-sizes">
                Size:{' '}
                <For each={SIZES}>
                  {(size) => (
                    <button type="button" class="link-button" aria-pressed={size === count()} onClick={() => setParams({ demo: String(size) })}>
                      {size.toLocaleString('en')} records
                    </button>
                  )}
                </For>{' '}
                <button type="button" onClick={() => setParams({ demo: undefined })}>
                  Hide the demo
                </button>
              </p>
            </div>
            <Suspense fallback={<p role="status">Drawing the demo patient’s history…</p>}>
              <Show when={count()} keyed>
                {(n) => <DemoPreview records={n} />}
              </Show>
            </Suspense>
          </section>
        )}
      </Show>
    </article>
  )
}

function OwnHistorySection(props: { own: OwnHistory }): JSX.Element {
  const own = (): OwnHistory => props.own
  const [hideDemo, setHideDemo] = createSignal(false)
  const [demoSize, setDemoSize] = createSignal(DEFAULT_RECORDS)
  const [loading, setLoading] = createSignal<'idle' | 'loading' | { added: number } | { error: string }>('idle')
  // Key drops (a new epoch's keys) are blocks of the log but not of the timeline: counted as neither.
  const counts = createMemo(() => {
    own().version()
    return { records: own().history.entries().length, blocks: own().log.entries().length - own().history.keyDropCount(), unreadable: own().history.unreadable().length }
  })
  const verdicts = createMemo(() => verdictCounts(own().report()))
  // The history domain came with the own history; a static import would put it (and the demo generator) on the first screen.
  const [isDemoRecord, setIsDemoRecord] = createSignal<((record: HistoryRecord) => boolean) | undefined>()
  void import('../../history/index.ts').then((domain) => setIsDemoRecord(() => domain.isDemoRecord))
  const hasDemo = createMemo(() => {
    own().version()
    const isDemo = isDemoRecord()
    return isDemo !== undefined && own().history.entries().some((entry) => isDemo(entry.record))
  })

  // Offered while the history is empty here (a new device), and kept on screen to say how the restore went.
  const backup = createBackupControls(useApp(), useHistorySession())
  // No record stored here: key drops alone (a new device moves the history on when the ledger shows an
  // access ended since its last key) leave a device that has nothing to show, and a backup is its start.
  const emptyHere = (): boolean => counts().blocks === 0

  const addRecord = async (record: HistoryRecord): Promise<void> => {
    await own().add([record])
  }
  const files = createAttachmentFiles(() => own().history)
  const loadDemo = async (): Promise<void> => {
    setLoading('loading')
    try {
      const { demoRecordsFor } = await import('../../history/index.ts')
      const added = await own().add(demoRecordsFor(own().history.patient, demoSize()))
      setLoading({ added })
    } catch (error) {
      setLoading({ error: errorMessage(error) })
    }
  }
  const anchorText = (): string => {
    const step = own().anchorStep()
    switch (step.step) {
      case 'sending':
        return 'Anchoring: waiting for your wallet and the chain…'
      case 'done':
        return `Anchored ${step.entryCount.toLocaleString('en')} blocks in block ${step.blockNumber.toString()}.`
      default:
        return ''
    }
  }

  return (
    <section aria-labelledby="own-heading" class="own-history">
      <h2 id="own-heading">Your history</h2>
      {/* Busy while demo records stream in: screen readers announce the count once it settles, not at every redraw. */}
      <p role="status" aria-busy={loading() === 'loading'}>
        {counts().records === 0
          ? 'Your history is empty. It is kept encrypted in this browser.'
          : `${counts().records.toLocaleString('en')} records in ${counts().blocks.toLocaleString('en')} blocks, encrypted in this browser.`}
        <Show when={counts().unreadable > 0}>
          {' '}
          {counts().unreadable} {counts().unreadable === 1 ? 'block' : 'blocks'} cannot be read on this device.
        </Show>
      </p>
      <Show when={own().report()}>
        {(report) => (
          <p class="verification" classList={{ 'verdict-broken': verdicts().broken > 0 }}>
            Verification: {verdicts().verified} verified against the latest anchor, {verdicts().unanchored} not yet anchored
            {verdicts().broken > 0 ? `, ✕ ${verdicts().broken} broken` : ', none broken'}.
            <Show when={report().anchoredRoot === undefined}> Your history has never been anchored on-chain.</Show>
          </p>
        )}
      </Show>
      <div class="own-actions">
        <button type="button" disabled={own().anchorStep().step === 'sending'} onClick={() => void own().anchorNow()}>
          Anchor my history on-chain
        </button>
        <label>
          Demo size{' '}
          <select value={String(demoSize())} onChange={(event) => setDemoSize(Number(event.currentTarget.value))}>
            <For each={[50, 400, 1000, 2000]}>{(size) => <option value={String(size)}>{size.toLocaleString('en')} records</option>}</For>
          </select>
        </label>
        <button type="button" disabled={loading() === 'loading'} onClick={() => void loadDemo()}>
          Load the demo patient into my history
        </button>
        <Show when={hasDemo()}>
          <label>
            <input type="checkbox" checked={hideDemo()} onChange={(event) => setHideDemo(event.currentTarget.checked)} /> Hide demo records
          </label>
        </Show>
      </div>
      <p class="hint" role="status">
        {anchorText()}
        {(() => {
          const l = loading()
          return l === 'loading' ? 'Encrypting and storing the demo records…' : typeof l === 'object' && 'added' in l ? `Added ${l.added.toLocaleString('en')} demo records, labelled as demo data.` : ''
        })()}
      </p>
      <ErrorBanner message={(() => {
        const step = own().anchorStep()
        return step.step === 'failed' ? step.error : undefined
      })()} prefix="The history was not anchored: " />
      <ErrorBanner message={(() => {
        const l = loading()
        return typeof l === 'object' && 'error' in l ? l.error : undefined
      })()} prefix="The demo records were not added: " />
      <details class="add-record">
        <summary>Add a record: a symptom or problem, a medicine you take, an allergy</summary>
        <Suspense fallback={<p role="status">Loading the form…</p>}>
          <PatientRecordForm patient={own().history.patient} onSubmit={addRecord} />
        </Suspense>
      </details>
      <details class="add-record">
        <summary>Attach a file: a report (PDF) or an image</summary>
        <AttachFile files={files()} add={addRecord} />
      </details>
      {/* An import into an empty history ends by drawing it: the views' code loads while the patient chooses the file, not after the last record. */}
      <details class="add-record" onToggle={(event) => {
        if (event.currentTarget.open) void OwnHistoryViews.preload()
      }}>
        <summary>Import or export records (FHIR files from portals and other records), or share them by link</summary>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <RecordsInOut own={own()} />
        </Suspense>
      </details>
      <Show when={emptyHere() || backup.restore().step !== 'idle'}>
        <section aria-labelledby="restore-heading">
          <h3 id="restore-heading">Start from a backup</h3>
          <Show when={emptyHere()}>
            <p>Nothing is stored on this device yet. If you saved an encrypted backup (Settings), restore it here: everything in it comes back.</p>
          </Show>
          <RestoreBackup controls={backup} id="restore-backup-history" />
        </section>
      </Show>
      <Show when={hasDemo()}>
        <p class="notice">Records tagged “demo” in your history are synthetic, loaded from the demo patient: they are not medical facts about you.</p>
      </Show>
      <Show when={counts().blocks > 0}>
        <Suspense fallback={<p role="status">Drawing your history…</p>}>
          <OwnHistoryViews own={own()} hideDemo={hideDemo()} files={files()} />
        </Suspense>
      </Show>
    </section>
  )
}
