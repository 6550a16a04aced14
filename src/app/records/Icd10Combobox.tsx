// An ICD-10 picker following the ARIA combobox pattern (list autocomplete): type a code or
// words, move through the bundled list's matches with the arrow keys, Enter picks,
// Escape closes the list (or, when it is closed, clears the box).
import { createMemo, createSignal, For, type JSX } from 'solid-js'
import { searchIcd10, type Icd10Code } from '../../history/index.ts'
import { nextActive } from './recordFormModel.ts'

const MAX_OPTIONS = 8

export interface Icd10ComboboxProps {
  /** The input's id, for its <label for>. */
  id: string
  /** The text in the box. */
  text: string
  /** Ids of the hint and error the input is described by. */
  describedBy?: string
  invalid?: boolean
  onType: (text: string) => void
  onPick: (option: Icd10Code) => void
}

export function Icd10Combobox(props: Icd10ComboboxProps): JSX.Element {
  const listId = (): string => `${props.id}-listbox`
  const optionId = (index: number): string => `${props.id}-option-${index}`
  const [open, setOpen] = createSignal(false)
  const [active, setActive] = createSignal(-1)
  const options = createMemo(() => searchIcd10(props.text, { limit: MAX_OPTIONS }))
  const expanded = (): boolean => open() && options().length > 0

  const close = (): void => {
    setOpen(false)
    setActive(-1)
  }
  const pick = (option: Icd10Code | undefined): void => {
    if (option === undefined) return
    props.onPick(option)
    close()
  }

  const onKeyDown = (event: KeyboardEvent): void => {
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        event.preventDefault()
        if (!expanded()) {
          setOpen(true)
          if (event.altKey) return
        }
        setActive(nextActive(active(), event.key, options().length))
        return
      case 'Enter':
        if (expanded() && active() >= 0) {
          event.preventDefault()
          pick(options()[active()])
        }
        return
      case 'Escape':
        if (expanded()) {
          event.preventDefault()
          close()
        } else if (props.text !== '') {
          event.preventDefault()
          props.onType('')
        }
        return
      default:
        return
    }
  }

  return (
    <div class="combobox">
      <input
        id={props.id}
        type="text"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        aria-autocomplete="list"
        aria-expanded={expanded()}
        aria-controls={listId()}
        aria-activedescendant={expanded() && active() >= 0 ? optionId(active()) : undefined}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid === true ? true : undefined}
        value={props.text}
        onInput={(event) => {
          props.onType(event.currentTarget.value)
          setOpen(event.currentTarget.value.trim() !== '')
          setActive(-1)
        }}
        onKeyDown={onKeyDown}
        onBlur={close}
      />
      <ul id={listId()} role="listbox" aria-label="Matching ICD-10 codes" class="combobox-list" hidden={!expanded()}>
        <For each={options()}>
          {(option, index) => (
            <li
              id={optionId(index())}
              role="option"
              aria-selected={index() === active()}
              class="combobox-option"
              // Keep the focus in the input: the click picks, the input stays where typing goes on.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => pick(option)}
            >
              <span class="combobox-code">{option.code}</span> {option.title}
            </li>
          )}
        </For>
      </ul>
      <span class="visually-hidden" aria-live="polite">
        {expanded() ? `${options().length} ${options().length === 1 ? 'code' : 'codes'} found; use the arrow keys to choose.` : ''}
      </span>
    </div>
  )
}
