// The history domain's one error type. The message names the field (as a FHIR path,
// e.g. `Condition.code.coding[0].system`) and says what is wrong with it.
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'

/** What is wrong with a record, an entry or a write to the history. */
export type HistoryErrorCode =
  /** The record's resourceType is not one the history keeps. */
  | 'UNKNOWN_RECORD_TYPE'
  /** This writer holds no key for the record's category: the grant does not cover it. */
  | 'NOT_GRANTED'
  /** A field the record needs is absent. */
  | 'MISSING_FIELD'
  /** A field is present but malformed, out of range or of the wrong kind. */
  | 'INVALID_FIELD'
  /** A field FHIR R4 does not define for this type (or a second choice of a [x] field). */
  | 'UNKNOWN_FIELD'
  /** The record is about someone other than this history's patient. */
  | 'WRONG_PATIENT'
  /** An entry's envelope fields (id, writer, writtenAt, amends) are wrong. */
  | 'INVALID_ENTRY'
  /** Bytes from a peer that are not the canonical JSON of their content. */
  | 'NOT_CANONICAL'
  /** An entry larger than one log entry may be. */
  | 'TOO_LARGE'
  /** An entry id already in the history. */
  | 'DUPLICATE_ENTRY'
  /** A new record whose id another record in the history already has: amend that one instead. */
  | 'DUPLICATE_RECORD'
  /** An entry id that is not in the history. */
  | 'UNKNOWN_ENTRY'
  /** A correction that does not fit the entry it corrects. */
  | 'INVALID_AMENDMENT'
  /** A writer other than the patient whose newest key is older than the patient's current epoch. */
  | 'STALE_KEY'
  /** An entry that did not decrypt or whose sealed binding does not match it. */
  | 'UNREADABLE_ENTRY'
  /** A file to import that is not UTF-8 JSON or NDJSON, or not FHIR. */
  | 'UNREADABLE_FILE'
  /** A file to attach that is too large, would pass the history's limit, or is not a PDF or image. */
  | 'ATTACHMENT_REFUSED'

/** Every failure of src/history: a {@link HistoryErrorCode}, a message naming the field at fault, and that field's FHIR path. */
export class HistoryError extends AnamnesisError<HistoryErrorCode> {
  override name = 'HistoryError'
  /** The FHIR path of the field at fault, when one field is. */
  readonly field: string | undefined
  constructor(code: HistoryErrorCode, message: string, options?: AnamnesisErrorOptions & { field?: string }) {
    super(code, message, options)
    this.field = options?.field
  }
}
