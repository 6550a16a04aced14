// The session's one error type, for what goes wrong between the wallet, the key registry and
// this device's keys: messages a patient or doctor can act on, never key material.
import { AnamnesisError } from '../errors/index.ts'

/** Why the session refused to open or replace keys. */
export type SessionErrorCode =
  /** The keys a signature derives are not the ones the key registry holds for the account. */
  | 'KEY_MISMATCH'
  /** The signature the wallet gave is not the connected account's. */
  | 'WRONG_SIGNER'
  /** The account's key is registered already, and is the one this wallet derives: nothing to publish. */
  | 'ALREADY_REGISTERED'
  /** Replacing keys needs the history open on this device, under the registered keys. */
  | 'KEYS_NOT_OPEN'
  /** A keeper did not enrol the history: unreachable, or it refused (not accepted, a wrong code, no room). */
  | 'KEEPER_REFUSED'
  /** The patient has as many keepers as the list on the ledger holds. */
  | 'KEEPERS_FULL'

/** Every refusal of src/session about keys and keepers: a sentence to act on and a {@link SessionErrorCode}. */
export class SessionError extends AnamnesisError<SessionErrorCode> {
  override name = 'SessionError'
}
