// One piece of work at a time per key (a patient, a link): the keeper's stores change a patient's
// state in several awaited steps, and two requests for the same key must not interleave them.
// Different keys run side by side; a key's queue is forgotten once it is empty.

/** Runs `work` after every earlier work of the same key has settled, whether it succeeded or failed. */
export interface KeyedQueue<K> {
  <T>(key: K, work: () => Promise<T>): Promise<T>
  /** Whether work of `key` is under way or waiting. */
  busy(key: K): boolean
  /** Settles once all the work queued now has settled (a store stopping waits for it). */
  idle(): Promise<void>
}

/** A fresh queue per key, for one store. */
export function keyedQueue<K>(): KeyedQueue<K> {
  const queues = new Map<K, Promise<unknown>>()
  const run = <T>(key: K, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(work)
    const settled = next.then(
      () => undefined,
      () => undefined
    )
    queues.set(key, settled)
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key)
    })
    return next
  }
  return Object.assign(run, {
    busy: (key: K) => queues.has(key),
    idle: async () => {
      await Promise.allSettled([...queues.values()])
    }
  })
}
