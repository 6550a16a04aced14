// What a guardian types to let a treating doctor in, checked before any transaction: the doctor's
// address, and how many hours (the contract allows at most 72). The grant opens the emergency
// categories for reading only; nothing else is the guardian's to give.
import { MAX_EMERGENCY_GRANT_SECONDS, parseAddress } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'

/** The longest emergency grant, in hours, as the contract caps it. */
export const MAX_EMERGENCY_HOURS = Number(MAX_EMERGENCY_GRANT_SECONDS / 3600n)


/** The form's fields as typed. */
export interface EmergencyGrantFields {
  doctor: string
  hours: string
  /** A keeper of the patient's to hand the keys through, besides the app's default keepers; optional. */
  keeper?: string
}

/** The grant to send, or what to fix, in words for the guardian. */
export type CheckedEmergencyGrant = { ok: true; doctor: `0x${string}`; seconds: number } | { ok: false; error: string }

/** Checks the form for `guardian` acting for `patient`: a well-formed doctor who is neither of them, and 1 to 72 whole hours. */
export function checkEmergencyGrant(fields: EmergencyGrantFields, who: { guardian: string; patient: string }): CheckedEmergencyGrant {
  let doctor: `0x${string}`
  try {
    doctor = parseAddress(fields.doctor.trim(), 'doctor')
  } catch (error) {
    return { ok: false, error: errorMessage(error) }
  }
  if (doctor.toLowerCase() === who.patient.toLowerCase()) return { ok: false, error: "That is the patient's own address: enter the address of the doctor treating them." }
  if (doctor.toLowerCase() === who.guardian.toLowerCase()) return { ok: false, error: 'That is your own address: a guardian cannot grant access to themself. Enter the address of the doctor treating the patient.' }
  const hours = Number(fields.hours.trim())
  if (fields.hours.trim() === '' || !Number.isInteger(hours) || hours < 1 || hours > MAX_EMERGENCY_HOURS) {
    return { ok: false, error: `Choose a whole number of hours from 1 to ${MAX_EMERGENCY_HOURS}: an emergency grant runs at most ${MAX_EMERGENCY_HOURS} hours.` }
  }
  return { ok: true, doctor, seconds: hours * 3600 }
}
