// The p2p domain's one error class: a code the app can branch on and a message
// a patient or doctor can act on.
import { AnamnesisError } from '../errors/index.ts'

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

export class P2PError extends AnamnesisError<P2PErrorCode> {
  override name = 'P2PError'
}

