// The visit domain's errors: what stopped a step, in words the patient or doctor can act on.

export type VisitErrorCode =
  /** The patient's history is not open here, so its keys cannot be shared. */
  | 'HISTORY_LOCKED'
  /** The doctor published no encryption key, so nothing can be wrapped for them. */
  | 'NO_DOCTOR_KEY'
  /** The doctor's keys could not be opened on this device. */
  | 'KEYS_LOCKED'
  /** No visit has reached the patient's device from this one, so there is nowhere to connect. */
  | 'NO_DEVICE'
  /** No visit left this device the keys the patient wrapped for this doctor. */
  | 'NO_KEYS'
  /** Neither the patient's device nor any of their keepers answered. */
  | 'UNREACHABLE'

export class VisitError extends Error {
  override name = 'VisitError'
  readonly code: VisitErrorCode
  constructor(code: VisitErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
