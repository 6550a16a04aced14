// The emergency domain's one error type: a card's code that cannot be read, a link to the full
// summary that is malformed, a profile that is not one. The message says what to do.
import { AnamnesisError } from '../errors/index.ts'

/** What is wrong with an emergency card, its link or the patient's emergency profile. */
export type EmergencyErrorCode =
  /** The code's text is not an Anamnesis emergency card (another code, or damaged beyond its header). */
  | 'NOT_A_CARD'
  /** A card of a format version this app does not read. */
  | 'UNSUPPORTED_VERSION'
  /** A card whose content breaks the format: an unknown line, a malformed value, too much. */
  | 'DAMAGED_CARD'
  /** The link to the full summary is malformed or expired. */
  | 'INVALID_LINK'
  /** The emergency profile has a field that is not one, or a malformed value. */
  | 'INVALID_PROFILE'

/** Every failure of src/emergency, with a message a patient or clinician can act on. */
export class EmergencyError extends AnamnesisError<EmergencyErrorCode> {
  override name = 'EmergencyError'
}
