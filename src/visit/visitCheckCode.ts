// The code both screens show while a doctor's request waits, for the patient and the doctor to
// compare aloud. It is derived from the invite's token, both devices and the doctor's address:
// someone who photographed the QR code and asks first, in another's name, has a code that the
// real doctor's screen does not show.
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

/** What the check code binds: the invite, the two devices as their connection proves them, and the doctor. */
export interface VisitCheckInput {
  /** The invite's one-time token. */
  token: string
  /** The patient's device (libp2p peer id). */
  patientPeer: string
  /** The doctor's device (libp2p peer id). */
  doctorPeer: string
  /** The doctor's wallet address, any case. */
  doctor: string
}

/** Six digits grouped by three ("042 917"), the same on both screens for the same request. */
export function visitCheckCode(input: VisitCheckInput): string {
  const digest = sha256(utf8ToBytes(['anamnesis/visit-check-code/v1', input.token, input.patientPeer, input.doctorPeer, input.doctor.toLowerCase()].join('\n')))
  const digits = String(new DataView(digest.buffer, digest.byteOffset, digest.byteLength).getUint32(0) % 1_000_000).padStart(6, '0')
  return `${digits.slice(0, 3)} ${digits.slice(3)}`
}
