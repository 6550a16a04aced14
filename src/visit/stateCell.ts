// A value that says when it changes: how the visit's halves tell a view (a Solid binding, a test)
// where they stand, without depending on any framework.

/** Read the value, change it, or listen for changes. */
export interface StateCell<T> {
  get(): T
  /** Replaces the value and tells every listener. */
  set(value: T): void
  /** Calls `listener` with each new value; returns the function that stops it. */
  subscribe(listener: (value: T) => void): () => void
}

/** The reading half of a StateCell, for those who only follow it. */
export type ReadableState<T> = Pick<StateCell<T>, 'get' | 'subscribe'>

/** A StateCell holding `initial`. */
export function createStateCell<T>(initial: T): StateCell<T> {
  let value = initial
  const listeners = new Set<(value: T) => void>()
  return {
    get: () => value,
    set: (next) => {
      value = next
      for (const listener of [...listeners]) listener(next)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    }
  }
}
