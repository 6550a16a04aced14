// Which records leave the history (an export, a shared link): categories, and an optional period.
// One picker for both, so that the two read alike and choose the same records.
import { createSignal, For, type Accessor, type JSX } from 'solid-js'
import { CATEGORIES, type Category } from '../../history/index.ts'
import { CATEGORY_NAMES } from './categoryNames.ts'

/** The patient's choice: categories (all at first) and an optional first and last day (yyyy-mm-dd). */
export interface RecordSelection {
  picked: Accessor<readonly Category[]>
  from: Accessor<string>
  to: Accessor<string>
  toggle(category: Category, on: boolean): void
  setFrom(day: string): void
  setTo(day: string): void
  /** The choice as exportBundle takes it. */
  options(): { categories: readonly Category[]; from?: string; to?: string }
}

export function createRecordSelection(): RecordSelection {
  const [picked, setPicked] = createSignal<readonly Category[]>(CATEGORIES)
  const [from, setFrom] = createSignal('')
  const [to, setTo] = createSignal('')
  return {
    picked,
    from,
    to,
    // Kept in the categories' own order, whatever order they were ticked in.
    toggle: (category, on) => setPicked((now) => (on ? CATEGORIES.filter((c) => c === category || now.includes(c)) : now.filter((c) => c !== category))),
    setFrom,
    setTo,
    options: () => ({ categories: picked(), ...(from() === '' ? {} : { from: from() }), ...(to() === '' ? {} : { to: to() }) })
  }
}

/** The category boxes and the two dates, named for what the choice is for ("Categories to export", "From (optional)"). */
export function RecordSelectionFields(props: { selection: RecordSelection; id: string; legend: string; fromLabel: string; toLabel: string }): JSX.Element {
  const s = (): RecordSelection => props.selection
  return (
    <>
      <fieldset>
        <legend>{props.legend}</legend>
        <For each={CATEGORIES}>
          {(category) => (
            <label class="export-category">
              <input type="checkbox" checked={s().picked().includes(category)} onChange={(event) => s().toggle(category, event.currentTarget.checked)} /> {CATEGORY_NAMES[category]}
            </label>
          )}
        </For>
      </fieldset>
      <p>
        <label for={`${props.id}-from`}>{props.fromLabel}</label> <input id={`${props.id}-from`} type="date" value={s().from()} onInput={(event) => s().setFrom(event.currentTarget.value)} />{' '}
        <label for={`${props.id}-to`}>{props.toLabel}</label> <input id={`${props.id}-to`} type="date" value={s().to()} onInput={(event) => s().setTo(event.currentTarget.value)} />
      </p>
    </>
  )
}
