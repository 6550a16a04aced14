// The base of every error the app throws: a stable code for the UI and tests, a message a
// patient or doctor can act on, optional details for the curious, and the cause it wraps.
// Modelled on viem's BaseError, whose walk() finds a cause of a given kind down the chain.

export interface AnamnesisErrorOptions {
  /** Extra text for whoever digs deeper (a contract error's name, a library's own message); never part of `message`. */
  details?: string
  /** What went wrong underneath: another domain's error, a viem error, a platform error. */
  cause?: unknown
}

export class AnamnesisError<Code extends string = string> extends Error {
  override name = 'AnamnesisError'
  readonly code: Code
  readonly details: string | undefined

  constructor(code: Code, message: string, options: AnamnesisErrorOptions = {}) {
    // No `cause` property at all when there is none, as with a plain Error.
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details
  }

  /**
   * The first of this error and its causes, in that order, that `predicate` accepts; null when
   * none does. Without a predicate, the deepest cause (this error when it wraps nothing).
   */
  walk<T>(predicate: (error: unknown) => error is T): T | null
  walk(predicate?: (error: unknown) => boolean): unknown
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkCauses(this, predicate)
  }
}

function walkCauses(error: unknown, predicate: ((error: unknown) => boolean) | undefined): unknown {
  const seen = new Set<unknown>()
  let current = error
  // A cause chain that loops back on itself ends where it would repeat.
  for (;;) {
    if (predicate?.(current) === true) return current
    seen.add(current)
    const next = typeof current === 'object' && current !== null && 'cause' in current ? current.cause : undefined
    if (next === undefined || seen.has(next)) return predicate === undefined ? current : null
    current = next
  }
}
