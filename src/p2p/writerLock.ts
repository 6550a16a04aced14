// Two tabs of the same user open the same IndexedDB stores. Only one may write a log
// (its heads would otherwise overwrite the other's): the tab holding the log's Web Lock
// writes and replicates; the others read what it stores, hear of each commit on a
// BroadcastChannel, hand their writes to it, and one of them takes over when it closes.
// Without the Web Locks API (Node), the process is the only writer.

/** The part of the Web Locks API used here (navigator.locks). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown>
}

/** The part of BroadcastChannel used here. */
export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** How tabs find each other: a lock manager and a channel; null turns either off, and with no lock this process writes. */
export interface TabCoordinationOptions {
  /** Default navigator.locks when there is one. */
  locks?: LockManagerLike | null
  /** Default `new BroadcastChannel(name)` when there is one. */
  channel?: ((name: string) => ChannelLike) | null
}

/** This tab's part in writing one log, and its channel to the log's other tabs. */
export interface WriterRole {
  /** Whether this tab writes the log now. */
  readonly writer: boolean
  /** Called once, when this tab takes over from a writer that went away. */
  onPromoted(listener: () => void): void
  /** Sends a message to the log's other tabs; nothing without a channel. */
  post(message: unknown): void
  /** Calls `listener` with every message another tab posts for this log. */
  onMessage(listener: (message: unknown) => void): void
  /** Gives up the lock, or the place in its queue, and closes the channel. */
  release(): void
}

/**
 * Takes the writer role for `name` if no other tab holds it, or queues for it: the queued tab is
 * promoted when the writer releases the lock or closes. Without a lock manager, this tab writes.
 * @param name - The lock's and the channel's name, one per log.
 * @throws {Error} The lock manager's error when the first, immediate request fails.
 */
export async function claimWriter(name: string, options: TabCoordinationOptions = {}): Promise<WriterRole> {
  const locks = options.locks === undefined ? (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks : (options.locks ?? undefined)
  const makeChannel =
    options.channel === undefined ? (typeof BroadcastChannel === 'undefined' ? undefined : (n: string) => new BroadcastChannel(n) as ChannelLike) : (options.channel ?? undefined)
  const channel = locks === undefined ? undefined : makeChannel?.(name)
  const messageListeners: ((message: unknown) => void)[] = []
  channel?.addEventListener('message', (event) => {
    for (const listener of messageListeners) listener(event.data)
  })
  const promotedListeners: (() => void)[] = []
  const stop = new AbortController()
  let releaseLock = (): void => {}
  const held = new Promise<void>((resolve) => {
    releaseLock = resolve
  })
  let writer = locks === undefined

  if (locks !== undefined) {
    writer = await new Promise<boolean>((resolve, reject) => {
      locks
        .request(name, { ifAvailable: true }, async (lock) => {
          resolve(lock !== null)
          if (lock !== null) await held
        })
        .catch(reject)
    })
    if (!writer) {
      // Queue for the lock: granted when the writer's tab closes or releases it.
      locks
        .request(name, { signal: stop.signal }, async () => {
          writer = true
          for (const listener of promotedListeners) listener()
          await held
        })
        .catch(() => undefined)
    }
  }

  return {
    get writer() {
      return writer
    },
    onPromoted: (listener) => promotedListeners.push(listener),
    post: (message) => channel?.postMessage(message),
    onMessage: (listener) => messageListeners.push(listener),
    release: () => {
      stop.abort()
      releaseLock()
      channel?.close()
    }
  }
}
