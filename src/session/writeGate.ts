// Writes under way on this page: a record being stored, a key epoch moving, a transaction
// waiting for its block. A new version of the app takes over only when none is, so a reload
// never cuts one off halfway (src/app/shell/updateOffer.ts).
import { createCell, type Cell } from './cell.ts'

export interface WriteGate {
  /** How many writes are under way. */
  readonly pending: Cell<number>
  /** Runs `write`, counted as under way until it settles; writes may nest. */
  track<T>(write: () => Promise<T>): Promise<T>
  /**
   * Runs `action` now when no write is under way, otherwise the moment the last one settles
   * (before anything awaiting it resumes). Returns the function that cancels it.
   */
  whenIdle(action: () => void): () => void
}

/** The write gate of one page. */
export function createWriteGate(): WriteGate {
  const pending = createCell(0)
  const waiting = new Set<() => void>()

  const settled = (): void => {
    pending.set(pending.get() - 1)
    if (pending.get() > 0) return
    const actions = [...waiting]
    waiting.clear()
    for (const action of actions) action()
  }

  return {
    pending,
    async track(write) {
      pending.set(pending.get() + 1)
      try {
        return await write()
      } finally {
        settled()
      }
    },
    whenIdle(action) {
      if (pending.get() === 0) {
        action()
        return () => undefined
      }
      const once = (): void => action()
      waiting.add(once)
      return () => waiting.delete(once)
    }
  }
}
