// A resource's state in the shape the pages show: no wallet, loading, ready or failed.
import type { Resource } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'

export type LoadState<T> = { state: 'no-wallet' } | { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: string }

/** A resource's state without reading an errored resource's value (which throws). */
export function loadState<T>(resource: Resource<T>, connected: boolean): LoadState<T> {
  if (!connected) return { state: 'no-wallet' }
  switch (resource.state) {
    case 'errored': {
      const error: unknown = resource.error
      return { state: 'failed', error: errorMessage(error) }
    }
    case 'ready':
    case 'refreshing':
      return { state: 'ready', value: resource.latest }
    default:
      return { state: 'loading' }
  }
}

/** The loaded value, for `<Match when={ready(state)}>`. */
export function ready<T>(state: LoadState<T>): T | undefined {
  return state.state === 'ready' ? state.value : undefined
}

/** The error message, for `<Match when={failed(state)}>`. */
export function failed<T>(state: LoadState<T>): string | undefined {
  return state.state === 'failed' ? state.error : undefined
}
