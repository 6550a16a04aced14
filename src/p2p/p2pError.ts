// The p2p domain's one error class: a code the app can branch on and a message
// a patient or doctor can act on.

export type P2PErrorCode =
  | 'INVALID_RELAY_ADDRESS'
  | 'INVALID_PEER_ADDRESS'
  | 'NODE_START_FAILED'
  | 'NOT_STARTED'
  | 'DIAL_FAILED'
  /** A wallet identity whose key, binding signature or form is wrong. */
  | 'INVALID_IDENTITY'
  /** A history log whose manifest or stored state is not one of ours. */
  | 'INVALID_LOG'
  /** This wallet may not write to this history (no live grant with the write bit). */
  | 'WRITE_NOT_ALLOWED'
  /** The history log was closed. */
  | 'LOG_CLOSED'
  /** Replication with a peer failed or was cut off; what arrived before is kept. */
  | 'SYNC_FAILED'

export class P2PError extends Error {
  override name = 'P2PError'
  readonly code: P2PErrorCode
  readonly details: string | undefined

  constructor(code: P2PErrorCode, message: string, options?: { details?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options?.details
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    return err.message === '' ? err.name : err.message
  }
  return String(err)
}
