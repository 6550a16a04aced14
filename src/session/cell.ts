// A value that tells who listens when it changes: how src/session hands state to a UI
// without depending on one (a Solid binding turns a cell into a signal).

/** A value to read now and to follow. */
export interface Cell<T> {
  get(): T
  /** Calls `listener` with every later value; returns the function that stops it. */
  subscribe(listener: (value: T) => void): () => void
}

/** A cell its owner writes. */
export interface WritableCell<T> extends Cell<T> {
  set(value: T): void
  /** Drops every listener (the owner is done with the cell). */
  dispose(): void
}

/** A cell holding `initial` until its owner sets another value. */
export function createCell<T>(initial: T): WritableCell<T> {
  let value = initial
  const listeners = new Set<(value: T) => void>()
  return {
    get: () => value,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(next) {
      value = next
      for (const listener of [...listeners]) listener(next)
    },
    dispose: () => listeners.clear()
  }
}
