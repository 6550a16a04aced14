// Records in and out of the patient's own history: importing a FHIR file (a preview first, then the
// records written with progress while the history stays usable) and exporting the history, or the
// categories and period the patient picks, as a FHIR R4 collection Bundle saved as a .json file, or
// the patient's emergency summary as an International Patient Summary document; or sharing either by
// SMART Health Link (ShareByLink).
import { createSignal, For, Match, onCleanup, Show, Switch, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { CATEGORIES, exportBundle, MAX_IMPORT_BYTES, type Category, type ImportPlan } from '../../history/index.ts'
import { loadImport, systemClock, type ImportChoice, type ImportFlow, type ImportStep } from '../../session/index.ts'
import type { OwnHistory } from '../session/createHistorySession.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { CATEGORY_NAMES } from './categoryNames.ts'
import { createRecordSelection, RecordSelectionFields } from './RecordSelection.tsx'
import { offerDownload } from '../ui/offerDownload.ts'
import ShareByLink from '../shl/ShareByLink.tsx'

/** How many refused or unreadable parts the preview lists one by one; the rest are counted. */
const LISTED = 100

export default function RecordsInOut(props: { own: OwnHistory }): JSX.Element {
  return (
    <div class="records-in-out">
      <ImportRecords own={props.own} />
      <ExportRecords own={props.own} />
      <ShareByLink own={props.own} />
    </div>
  )
}

function ImportRecords(props: { own: OwnHistory }): JSX.Element {
  const [step, setStep] = createSignal<ImportStep>({ step: 'idle' })
  // The last preview, kept on screen after writing so the refused parts stay listed.
  const [shown, setShown] = createSignal<ImportPlan>()
  const [choice, setChoice] = createSignal<ImportChoice>('nothing-if-refused')
  let flow: Promise<ImportFlow> | undefined
  let stop: (() => void) | undefined
  onCleanup(() => stop?.())
  // The import's code loads when the patient first chooses a file, not with the page.
  const flowNow = (): Promise<ImportFlow> =>
    (flow ??= loadImport().then(({ createImportFlow }) => {
      const created = createImportFlow({ target: () => props.own, clock: systemClock })
      stop = created.step.subscribe((next) => {
        setStep(() => next)
        if (next.step === 'preview') setShown(() => next.plan)
        if (next.step === 'refused' || next.step === 'idle' || next.step === 'reading') setShown(undefined)
      })
      return created
    }))

  const choose = async (input: HTMLInputElement): Promise<void> => {
    const file = input.files?.[0]
    // Cleared, so choosing the same file again reads it again.
    input.value = ''
    if (file === undefined) return
    try {
      await (await flowNow()).choose({ name: file.name, size: file.size, bytes: async () => new Uint8Array(await file.arrayBuffer()) })
    } catch (error) {
      flow = undefined
      setStep({ step: 'refused', name: file.name, error: `The import could not load: ${errorMessage(error)}` })
    }
  }
  const pick = (person: string): void => {
    void flowNow().then((f) => f.pick(person))
  }
  // The buttons go once pressed: the focus moves to where the outcome is told, not to the page's start.
  let outcome: HTMLDivElement | undefined
  const write = (chosen: ImportChoice): void => {
    outcome?.focus()
    void flowNow().then((f) => f.write(chosen))
  }
  const cancel = (): void => {
    outcome?.focus()
    void flowNow().then((f) => f.reset())
  }
  const busy = (): boolean => ['reading', 'writing'].includes(step().step)
  const plan = (): ImportPlan | undefined => shown()
  const preview = (): boolean => step().step === 'preview'

  return (
    <section aria-labelledby="import-heading">
      <h3 id="import-heading">Import records</h3>
      <p class="hint">
        A FHIR R4 file from a hospital portal, a health app or another record: a JSON Bundle (a download, a search result, an International Patient Summary), NDJSON from a bulk
        export, or a single resource; at most {MAX_IMPORT_BYTES / 1024 / 1024} MB. You see what it holds before anything is written; what your history already holds is not added
        again, and nothing in it changes.
      </p>
      <p>
        <label for="import-file">Choose a FHIR file to import</label>{' '}
        <input id="import-file" type="file" accept=".json,.ndjson,.jsonl,application/fhir+json,application/json,application/fhir+ndjson" disabled={busy()} onChange={(event) => void choose(event.currentTarget)} />
      </p>
      <Show when={step().step === 'reading'}>
        <p role="status">Reading the file…</p>
      </Show>
      <div ref={(element) => (outcome = element)} tabIndex={-1} class="import-outcome">
      <ErrorBanner
        message={(() => {
          const s = step()
          return s.step === 'refused' ? s.error : s.step === 'failed' ? `Writing stopped after ${s.written.toLocaleString('en')} records: ${s.error} Import the file again to add the rest.` : undefined
        })()}
      />
      <Show when={plan()}>{(p) => <ImportPreview plan={p()} active={preview()} choice={choice()} onChoice={setChoice} onPick={pick} />}</Show>
      <Show when={preview()}>
        <p class="import-actions">
          <button type="button" onClick={() => write(choice())}>
            Write {(plan()?.records.length ?? 0).toLocaleString('en')} {plan()?.records.length === 1 ? 'record' : 'records'} to my history
          </button>{' '}
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        </p>
      </Show>
      <Switch>
        <Match when={(() => {
          const s = step()
          return s.step === 'writing' ? s : undefined
        })()}>
          {(s) => (
            <>
              <progress aria-label="Import progress" max={Math.max(1, s().total)} value={s().written} />
              <p role="status">
                Encrypting and writing: {s().written.toLocaleString('en')} of {s().total.toLocaleString('en')} records. Your history stays usable meanwhile.
              </p>
            </>
          )}
        </Match>
        <Match when={(() => {
          const s = step()
          return s.step === 'done' ? s : undefined
        })()}>
          {(s) => (
            <p role="status" class="banner">
              Imported {s().written.toLocaleString('en')} {s().written === 1 ? 'record' : 'records'} from {s().name}.
              {s().duplicates > 0 ? ` ${s().duplicates.toLocaleString('en')} were already in your history and were not added again.` : ''}
              {s().skipped > 0 ? ` ${s().skipped.toLocaleString('en')} resources of kinds your history does not keep were skipped.` : ''}
              {s().refused > 0 ? ` ${s().refused.toLocaleString('en')} could not be imported (listed above).` : ''}
            </p>
          )}
        </Match>
      </Switch>
      </div>
    </section>
  )
}

function ImportPreview(props: { plan: ImportPlan; active: boolean; choice: ImportChoice; onChoice: (choice: ImportChoice) => void; onPick: (person: string) => void }): JSX.Element {
  const counted = (): [Category, number][] => CATEGORIES.map((c): [Category, number] => [c, props.plan.counts[c]]).filter(([, n]) => n > 0)
  const problems = (): { where: string; what: string }[] => [
    ...props.plan.unreadable.map((u) => ({ where: u.where, what: `could not be read: it ${u.problem}` })),
    ...props.plan.refused.map((r) => ({ where: `${r.where} (${r.resourceType})`, what: r.problem }))
  ]
  const form = (): string => {
    const { format, bundleType } = props.plan.file
    return format === 'bundle' ? `a FHIR Bundle${bundleType === undefined ? '' : ` (${bundleType})`}` : format === 'ndjson' ? 'NDJSON, one resource per line' : 'a single FHIR resource'
  }
  return (
    <section aria-labelledby="import-preview-heading" class="import-preview">
      <h4 id="import-preview-heading">What {props.plan.file.name} holds</h4>
      <p>
        It is {form()}
        {props.plan.file.source === undefined ? '' : `, from ${props.plan.file.source}`}.
      </p>
      <Show when={props.plan.people.length > 1}>
        <p>
          <label for="import-person">The file holds the records of {props.plan.people.length} people. Which of them is you?</label>{' '}
          <select id="import-person" disabled={!props.active} value={props.plan.subject ?? ''} onChange={(event) => props.onPick(event.currentTarget.value)}>
            <For each={props.plan.people}>
              {(person) => (
                <option value={person.key}>
                  {person.label}: {person.records.toLocaleString('en')} records
                </option>
              )}
            </For>
          </select>
        </p>
      </Show>
      <table class="import-counts">
        <caption>Records to add to your history</caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Records</th>
          </tr>
        </thead>
        <tbody>
          <For each={counted()} fallback={<tr><td colSpan={2}>None: nothing in the file is new to your history.</td></tr>}>
            {([category, count]) => (
              <tr>
                <th scope="row">{CATEGORY_NAMES[category]}</th>
                <td>{count.toLocaleString('en')}</td>
              </tr>
            )}
          </For>
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td>{props.plan.records.length.toLocaleString('en')}</td>
          </tr>
        </tfoot>
      </table>
      <Show when={props.plan.codeSystems.length > 0 || props.plan.bodySites > 0}>
        <p class="hint">
          Coded with {props.plan.codeSystems.map((s) => `${s.name} (${s.records.toLocaleString('en')} records)`).join(', ') || 'no known code system'}
          {props.plan.bodySites > 0 ? `; ${props.plan.bodySites.toLocaleString('en')} with a body site for the body map` : ''}.
        </p>
      </Show>
      <p>
        {props.plan.duplicates.length === 0
          ? 'None of it is in your history yet.'
          : `Already in your history, not added again: ${props.plan.duplicates.length.toLocaleString('en')} ${props.plan.duplicates.length === 1 ? 'record' : 'records'}.`}
      </p>
      <Show when={props.plan.skipped.length > 0}>
        <h5>Skipped</h5>
        <ul class="import-skipped">
          <For each={props.plan.skipped}>
            {(s) => (
              <li>
                {s.count.toLocaleString('en')} {s.resourceType}: {s.reason}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={problems().length > 0}>
        <h5>Could not be imported</h5>
        <ul class="import-refused">
          <For each={problems().slice(0, LISTED)}>
            {(p) => (
              <li>
                {p.where}: {p.what}
              </li>
            )}
          </For>
        </ul>
        <Show when={problems().length > LISTED}>
          <p>…and {(problems().length - LISTED).toLocaleString('en')} more.</p>
        </Show>
        <Show when={props.active}>
          <fieldset>
            <legend>Some of the file could not be imported. What should happen?</legend>
            <label>
              <input type="radio" name="import-choice" checked={props.choice === 'nothing-if-refused'} onChange={() => props.onChoice('nothing-if-refused')} /> Write nothing
            </label>
            <label>
              <input type="radio" name="import-choice" checked={props.choice === 'every-valid-record'} onChange={() => props.onChoice('every-valid-record')} /> Write every valid
              record; the ones above stay out
            </label>
          </fieldset>
        </Show>
      </Show>
    </section>
  )
}

function ExportRecords(props: { own: OwnHistory }): JSX.Element {
  const selection = createRecordSelection()
  const [result, setResult] = createSignal<{ ok: true; name: string; records: number; summary?: boolean } | { ok: false; error: string }>()
  const save = (event: SubmitEvent): void => {
    event.preventDefault()
    try {
      const now = Date.now()
      const bundle = exportBundle(props.own.history.entries(), { patient: props.own.history.patient, now, ...selection.options() })
      const records = (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'Provenance' && e.resource?.resourceType !== 'Patient').length
      const name = `anamnesis-records-${new Date(now).toISOString().slice(0, 10)}.json`
      offerDownload(name, new TextEncoder().encode(JSON.stringify(bundle, null, 2)), 'application/fhir+json')
      setResult({ ok: true, name, records })
    } catch (error) {
      setResult({ ok: false, error: errorMessage(error) })
    }
  }
  // The emergency summary as an IPS document: what the emergency profile keeps in it, composed now.
  const saveSummary = async (): Promise<void> => {
    try {
      const { emergencySummary, storedProfile } = await import('../../emergency/index.ts')
      const now = Date.now()
      const entries = props.own.history.entries()
      const patient = props.own.history.patient
      const { bundle } = emergencySummary({ patient, entries, profile: storedProfile(entries, patient).profile, now })
      const records = (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'Composition' && e.resource?.resourceType !== 'Patient').length
      const name = `anamnesis-summary-${new Date(now).toISOString().slice(0, 10)}.json`
      offerDownload(name, new TextEncoder().encode(JSON.stringify(bundle, null, 2)), 'application/fhir+json')
      setResult({ ok: true, name, records, summary: true })
    } catch (error) {
      setResult({ ok: false, error: errorMessage(error) })
    }
  }
  return (
    <section aria-labelledby="export-heading">
      <h3 id="export-heading">Export my records</h3>
      <p class="hint">
        Saves your records as a FHIR R4 file (a collection Bundle) that other health records and doctors' systems read, with who wrote each record. The file is not encrypted:
        keep it as you would a paper record.
      </p>
      <form onSubmit={save}>
        <RecordSelectionFields selection={selection} id="export" legend="Categories to export" fromLabel="From (optional)" toLabel="To (optional)" />
        <button type="submit" disabled={selection.picked().length === 0}>
          Export my records
        </button>
      </form>
      <p class="hint">
        Or save your International Patient Summary (IPS): the FHIR document a doctor anywhere reads first, with your active problems, allergies, current medicines, recent
        results, immunizations and procedures, as your emergency profile keeps them.
      </p>
      <p>
        <button type="button" onClick={() => void saveSummary()}>
          Export my International Patient Summary
        </button>
      </p>
      <Show when={(() => {
        const r = result()
        return r?.ok === true ? r : undefined
      })()}>
        {(r) => (
          <p role="status">
            Saved {r().name}: {r().summary === true ? 'an International Patient Summary of ' : ''}
            {r().records.toLocaleString('en')} {r().records === 1 ? 'record' : 'records'}.
          </p>
        )}
      </Show>
      <ErrorBanner message={(() => {
        const r = result()
        return r?.ok === false ? r.error : undefined
      })()} prefix="Nothing was exported: " />
    </section>
  )
}
