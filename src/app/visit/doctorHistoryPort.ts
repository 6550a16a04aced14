// The history session as the doctor's side uses it (src/visit DoctorHistoryPort): at a visit's
// join, and for a follow-up from "My patients".
import type { DoctorHistoryPort } from '../../visit/index.ts'
import type { HistorySession, PatientReading } from '../session/createHistorySession.ts'

export function doctorHistory(session: HistorySession): DoctorHistoryPort<PatientReading> {
  return {
    unlock: () => session.unlock(),
    encryptionPublicKey: () => session.keys()?.encryption.publicKey,
    unlockFailure: () => {
      const state = session.state()
      return state.state === 'failed' ? state.error : undefined
    },
    prefetchPatient: (patient, peer) => session.prefetchPatient(patient, peer),
    readPatient: (patient, wrappedKeys, peer, reconnect, holder) => session.readPatient(patient, wrappedKeys, peer, reconnect, holder),
    takeEmergencyKeys: (patient, keeper) => session.takeEmergencyKeys(patient, keeper)
  }
}
