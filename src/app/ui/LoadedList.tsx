// A list read from the ledger, in every state a person can meet it: no wallet yet, loading,
// failed, empty, or the items. One place for the pages' lists of grants, patients and guardians.
import { For, Match, Show, Switch, type JSX } from 'solid-js'
import { failed, ready, type LoadState } from './loadState.ts'

export interface LoadedListProps<T> {
  state: LoadState<T[]>
  /** The list's accessible name. */
  label: string
  class: string
  noWallet: string
  loading: string
  empty: string
  /** Put before a read error, e.g. "Could not read your guardians: ". */
  failedPrefix?: string
  children: (item: T) => JSX.Element
}

export function LoadedList<T>(props: LoadedListProps<T>): JSX.Element {
  return (
    <Switch>
      <Match when={props.state.state === 'no-wallet'}>
        <p>{props.noWallet}</p>
      </Match>
      <Match when={props.state.state === 'loading'}>
        <p>{props.loading}</p>
      </Match>
      <Match when={failed(props.state)}>
        {(error) => (
          <p role="alert">
            {props.failedPrefix ?? ''}
            {error()}
          </p>
        )}
      </Match>
      <Match when={ready(props.state)}>
        {(items) => (
          <Show when={items().length > 0} fallback={<p>{props.empty}</p>}>
            <ul class={props.class} aria-label={props.label}>
              <For each={items()}>{(item) => props.children(item)}</For>
            </ul>
          </Show>
        )}
      </Match>
    </Switch>
  )
}
