// The session's one error type, for what goes wrong between the wallet, the key registry and
// this device's keys, and with backups: messages a patient or doctor can act on, never key material.
import { AnamnesisError } from '../errors/index.ts'

/** Why the session refused to open or replace keys, or to make or restore a backup. */
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
  /** A backup was asked of a history that holds nothing yet. */
  | 'BACKUP_EMPTY'
  /** A file chosen for a restore is larger than any backup this device could import. */
  | 'BACKUP_TOO_LARGE'
  /** A restore needs the history open on this device, and it did not open. */
  | 'HISTORY_NOT_OPEN'
  /** No keeper took the emergency card: none enrolled, or each was unreachable or refused. */
  | 'EMERGENCY_CARD_NOT_STORED'
  /** The full tier of an emergency card could not be opened: no keeper released it, or it did not open with the card's key. */
  | 'EMERGENCY_SUMMARY_UNAVAILABLE'
  /** A guardian's hand-on of the emergency keys did not reach the doctor: no key registered, no keeper served or kept them. */
  | 'EMERGENCY_KEYS_NOT_HANDED'
  /** An attached file that could not be opened: its category is not shared, a block was altered or is missing, or it does not match its hash. */
  | 'ATTACHMENT_UNREADABLE'
  /** No keeper took a shared link's file: none enrolled, or each was unreachable or refused. */
  | 'LINK_NOT_SHARED'
  /** A SMART Health Link's text is not one the app can open. */
  | 'LINK_MALFORMED'
  /** The link's server answers that it is no longer available: deactivated, expired, stopped after wrong passcodes, or never there. */
  | 'LINK_UNAVAILABLE'
  /** The link asks for a passcode, and the one given is wrong (or none was given). */
  | 'LINK_PASSCODE'
  /** The link's server could not be reached, or answered outside the specification. */
  | 'LINK_UNREACHABLE'
  /** The shared file did not open with the link's key, or is not a FHIR Bundle. */
  | 'LINK_UNREADABLE'

/** Every refusal of src/session about keys, keepers and backups: a sentence to act on and a {@link SessionErrorCode}. */
export class SessionError extends AnamnesisError<SessionErrorCode> {
  override name = 'SessionError'
}
