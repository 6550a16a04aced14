// A doctor's follow-up from "My patients": src/visit's openFollowUp over this browser's node, the
// history session and the record of what each patient's last approval gave.
import type { P2PNode } from '../../p2p/index.ts'
import { openFollowUp, type FollowUp } from '../../visit/index.ts'
import type { HistorySession, PatientReading } from '../session/createHistorySession.ts'
import { doctorHistory } from './doctorHistoryPort.ts'
import { devices } from './patientDevices.ts'
import { visitChannel } from './visitContext.ts'

/**
 * Opens `patient`'s history with the keys their last approval gave: from their device when it answers,
 * else from their keepers. With `emergency` (a guardian's grant), with the keys the guardian left with
 * the patient's keepers: those a visit named and `emergency.keepers` (the app's defaults).
 */
export async function followUpPatient(node: P2PNode, session: HistorySession, patient: string, emergency?: { keepers: readonly string[] }): Promise<FollowUp<PatientReading>> {
  return await openFollowUp({ channel: visitChannel(node), history: doctorHistory(session), devices, ...(emergency === undefined ? {} : { emergency }) }, patient)
}
