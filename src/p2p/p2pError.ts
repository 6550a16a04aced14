// The p2p domain's one error class: a code the app can branch on and a message
// a patient or doctor can act on.
import { AnamnesisError, isStorageFull } from '../errors/index.ts'

/** Why something of the p2p domain failed: the node, a dial, an identity, a history log or its replication. */
export type P2PErrorCode =
  /** A configured relay address that is not a multiaddr or does not end in `/p2p/<relay peer id>`. */
  | 'INVALID_RELAY_ADDRESS'
  /** A peer address that is not a circuit address (`<relay>/p2p-circuit/webrtc/p2p/<peer>`). */
  | 'INVALID_PEER_ADDRESS'
  /** The Helia/libp2p node did not start; `details` holds the library's message. */
  | 'NODE_START_FAILED'
  /** Declared for a node used before it started; nothing throws it now. */
  | 'NOT_STARTED'
  /** No direct WebRTC connection to the other browser after every try. */
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
  /** A peer broke the sync protocol's rules or limits; it is disconnected and held off for a while. */
  | 'PEER_MISBEHAVED'
  /** The browser refused to store more (IndexedDB's QuotaExceededError); the write stored nothing. */
  | 'STORAGE_FULL'
  /** A backup file that cannot be read, is damaged, or is not this wallet's history: nothing was imported. */
  | 'BACKUP_INVALID'
  /** Entries of a backup file failed the checks every entry of a history passes: nothing was imported. */
  | 'ENTRIES_REFUSED'
  /** An attached file that is not stored here and did not arrive from any connected peer. */
  | 'ATTACHMENT_NOT_FOUND'

/**
 * Every failure of src/p2p the app is meant to show: a {@link P2PErrorCode} to branch on
 * and a message a patient or doctor can act on. The sync and visit wires have their own
 * error classes (SyncRefusedError, NoDirectConnectionError, WireError, VisitInviteError).
 */
export class P2PError extends AnamnesisError<P2PErrorCode> {
  override name = 'P2PError'
}


/** What the patient reads when a write to the history found the browser's storage full. */
export const STORAGE_FULL_RECORD_MESSAGE =
  "Your browser has no room left to store this record: nothing was written and your history is as it was. Free space on this device (or remove other websites' data in your browser's settings), then save it again."

/**
 * The error a failed write of the stores rejects with: a refusal for want of space (IndexedDB's
 * QuotaExceededError, anywhere down the causes) becomes {@link P2PError} `STORAGE_FULL` with its
 * cause kept; any other error is returned as it is (a thrown non-Error wrapped in one).
 */
export function storageWriteError(error: unknown): Error {
  if (error instanceof P2PError && error.code === 'STORAGE_FULL') return error
  if (isStorageFull(error)) return new P2PError('STORAGE_FULL', STORAGE_FULL_RECORD_MESSAGE, { cause: error })
  return error instanceof Error ? error : new Error(String(error), { cause: error })
}
