// The form with which a doctor writes a request, diagnosis, therapy, follow-up or outcome,
// and a patient their own symptoms, medicines and allergies. It builds the FHIR record
// (src/history/recordDrafts.ts) and hands it to onSubmit; on any error the values stay.
import { createSignal, createUniqueId, For, Match, Show, Switch, type JSX } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import { errorMessage } from '../../errors/index.ts'
import { buildRecord, HistoryError, RECORD_KINDS, type Address, type HistoryRecord, type RecordKind } from '../../history/index.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { Icd10Combobox } from './Icd10Combobox.tsx'
import {
  addedMessage,
  BODY_SITE_OPTIONS,
  checkValues,
  draftFromValues,
  fieldOfError,
  FORM_FIELDS,
  icd10Picked,
  icd10Typed,
  initialValues,
  KIND_TEXT,
  LATERALITY_OPTIONS,
  messageForField,
  targetReference,
  targetsFor,
  type ChainTarget,
  type FieldSpec,
  type Option
} from './recordFormModel.ts'

export interface RecordFormProps {
  /** The kinds of record this form offers, in the picker's order; the first is chosen at the start. */
  kinds: readonly RecordKind[]
  /** Whose history the records go into. */
  patient: Address
  /** Records a new one may link to (the previous step of the diagnostic chain). */
  chainTargets?: readonly ChainTarget[]
  /** Stores the record; a rejection is shown and the form keeps its values. */
  onSubmit: (record: HistoryRecord) => Promise<void>
  /** The form's accessible name. Default "Add to the history". */
  label?: string
}

type Status = { ok: true; text: string } | { ok: false; text: string }


export function RecordForm(props: RecordFormProps): JSX.Element {
  const uid = createUniqueId()
  const [chosen, setChosen] = createSignal<RecordKind | undefined>()
  const kind = (): RecordKind => {
    const picked = chosen()
    return picked !== undefined && props.kinds.includes(picked) ? picked : (props.kinds[0] ?? 'symptom')
  }
  const [values, setValues] = createStore(Object.fromEntries(RECORD_KINDS.map((k) => [k, initialValues(k)])) as Record<RecordKind, Record<string, string>>)
  const [errors, setErrors] = createSignal<Record<string, string>>({})
  const [status, setStatus] = createSignal<Status | undefined>()
  const [busy, setBusy] = createSignal(false)

  const fieldId = (name: string): string => `${uid}-${kind()}-${name}`
  const value = (name: string): string => values[kind()][name] ?? ''
  const setValue = (name: string, next: string): void => {
    setValues(kind(), name, next)
    if (errors()[name] !== undefined) setErrors((all) => Object.fromEntries(Object.entries(all).filter(([field]) => field !== name)))
  }
  const describedBy = (field: FieldSpec): string | undefined =>
    [field.hint === undefined ? undefined : `${fieldId(field.name)}-hint`, errors()[field.name] === undefined ? undefined : `${fieldId(field.name)}-error`]
      .filter((id) => id !== undefined)
      .join(' ') || undefined

  const choose = (next: RecordKind): void => {
    setChosen(next)
    setErrors({})
    setStatus(undefined)
  }

  const showProblems = (problems: Record<string, string>, summary: string): void => {
    setErrors(problems)
    setStatus({ ok: false, text: summary })
    const first = FORM_FIELDS[kind()].find((field) => problems[field.name] !== undefined)
    if (first !== undefined) document.getElementById(fieldId(first.name))?.focus()
  }

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    if (busy()) return
    const current = kind()
    const formValues = { ...values[current] }
    const problems = checkValues(current, formValues)
    const count = Object.keys(problems).length
    if (count > 0) return showProblems(problems, `Not added: ${count === 1 ? 'one field needs' : `${count} fields need`} attention.`)
    let record: HistoryRecord
    try {
      record = buildRecord(draftFromValues(current, formValues), { patient: props.patient })
    } catch (error) {
      if (!(error instanceof HistoryError)) {
        setStatus({ ok: false, text: `Not added: ${errorMessage(error)}` })
        return
      }
      const field = fieldOfError(current, error)
      const message = field === undefined ? error.message : messageForField(field, error)
      return showProblems(field === undefined ? {} : { [field.name]: message }, `Not added: ${message}`)
    }
    setBusy(true)
    setStatus(undefined)
    try {
      await props.onSubmit(record)
      setValues(current, reconcile(initialValues(current)))
      setErrors({})
      setStatus({ ok: true, text: addedMessage(current, record) })
    } catch (error) {
      setStatus({ ok: false, text: `Not added: ${errorMessage(error)}` })
    } finally {
      setBusy(false)
    }
  }

  const selectOptions = (field: FieldSpec): { options: readonly Option[]; empty: string | undefined } => {
    switch (field.control) {
      case 'bodySite':
        return { options: BODY_SITE_OPTIONS, empty: 'Not given' }
      case 'laterality':
        return { options: LATERALITY_OPTIONS, empty: 'Not given' }
      case 'link':
      case 'problem': {
        const targets: ChainTarget[] = targetsFor(kind(), field.control, props.chainTargets ?? [])
        const options = targets.map((target) => ({ value: targetReference(target), label: target.label }))
        if (options.length === 0) return { options, empty: field.control === 'problem' ? 'No diagnosis in this history yet' : 'Nothing to link to yet' }
        return { options, empty: field.control === 'problem' ? 'Choose a diagnosis…' : 'Nothing' }
      }
      default:
        return { options: field.options ?? [], empty: field.initial === undefined ? (field.required === true ? 'Choose…' : 'Not given') : undefined }
    }
  }

  const control = (field: FieldSpec): JSX.Element => {
    const common = {
      id: fieldId(field.name),
      'aria-describedby': describedBy(field),
      'aria-invalid': errors()[field.name] === undefined ? undefined : true,
      required: field.required === true
    }
    return (
      <Switch
        fallback={
          <select {...common} value={value(field.name)} onChange={(event) => setValue(field.name, event.currentTarget.value)}>
            <Show when={selectOptions(field).empty}>{(empty) => <option value="">{empty()}</option>}</Show>
            <For each={selectOptions(field).options}>{(option) => <option value={option.value}>{option.label}</option>}</For>
          </select>
        }
      >
        <Match when={field.control === 'text'}>
          <input {...common} type="text" value={value(field.name)} onInput={(event) => setValue(field.name, event.currentTarget.value)} />
        </Match>
        <Match when={field.control === 'date'}>
          <input {...common} type="date" value={value(field.name)} onInput={(event) => setValue(field.name, event.currentTarget.value)} />
        </Match>
        <Match when={field.control === 'textarea'}>
          <textarea {...common} rows={3} value={value(field.name)} onInput={(event) => setValue(field.name, event.currentTarget.value)} />
        </Match>
        <Match when={field.control === 'icd10'}>
          <Icd10Combobox
            id={fieldId(field.name)}
            text={value('icd10Text')}
            describedBy={describedBy(field)}
            invalid={errors()[field.name] !== undefined}
            onType={(text) => {
              const next = icd10Typed(text)
              setValue('icd10Text', next.icd10Text)
              setValue(field.name, next.icd10)
            }}
            onPick={(option) => {
              const next = icd10Picked(option.code, option.title)
              setValue('icd10Text', next.icd10Text)
              setValue(field.name, next.icd10)
            }}
          />
        </Match>
      </Switch>
    )
  }

  return (
    <form class="record-form" aria-label={props.label ?? 'Add to the history'} novalidate onSubmit={(event) => void submit(event)}>
      <Show when={props.kinds.length > 1}>
        <fieldset class="kind-picker">
          <legend>What to add</legend>
          <For each={props.kinds}>
            {(k) => (
              <label class="kind-option">
                <input type="radio" name={`${uid}-kind`} value={k} checked={kind() === k} onChange={() => choose(k)} /> {KIND_TEXT[k].label}
              </label>
            )}
          </For>
        </fieldset>
      </Show>
      <div class="record-fields">
        <For each={FORM_FIELDS[kind()]}>
          {(field) => (
            <div class="form-field">
              <label for={fieldId(field.name)}>
                {field.label}
                <Show when={field.required}>
                  <span class="required-mark"> (required)</span>
                </Show>
              </label>
              {control(field)}
              <Show when={field.hint}>
                {(hint) => (
                  <p id={`${fieldId(field.name)}-hint`} class="hint">
                    {hint()}
                  </p>
                )}
              </Show>
              <Show when={errors()[field.name]}>
                {(error) => (
                  <p id={`${fieldId(field.name)}-error`} class="field-error">
                    {error()}
                  </p>
                )}
              </Show>
            </div>
          )}
        </For>
      </div>
      <button type="submit" class="primary" disabled={busy()}>
        {KIND_TEXT[kind()].submit}
      </button>
      <p class="form-status" role="status">
        {status()?.ok === true ? status()?.text : busy() ? 'Saving…' : ''}
      </p>
      <ErrorBanner message={status()?.ok === false ? status()?.text : undefined} />
    </form>
  )
}
