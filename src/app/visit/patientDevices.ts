// Where a doctor last reached each patient's device, kept in this browser's localStorage: the
// record of src/visit over the app's node, for the join (remember), "My patients" (reach, and
// follow up: followUpPatient.ts) and the session (the keepers a patient named sync their history).
import type { P2PNode } from '../../p2p/index.ts'
import { createPatientDevices, type PatientDevice } from '../../visit/index.ts'
import { visitChannel } from './visitContext.ts'

export type { PatientDevice }

// localStorage is read when used, not when this module loads.
export const devices = createPatientDevices({
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => localStorage.setItem(key, value)
})

export function rememberPatientDevice(patient: string, device: PatientDevice): void {
  devices.remember(patient, device)
}

/** Whether `wallet` is a keeper `patient` named to this doctor at their last visit: this device syncs their history with it. */
export function isNamedKeeper(patient: string, wallet: string): boolean {
  return devices.isKeeperOf(patient, wallet)
}

export function patientDevice(patient: string): PatientDevice | undefined {
  return devices.device(patient)
}

/** Whether this node has a direct connection to the patient's device now; undefined when no visit ever reached it. */
export function patientReachable(node: P2PNode | undefined, patient: string): boolean | undefined {
  return devices.reachable(node === undefined ? undefined : visitChannel(node), patient)
}

/** Dials the patient's device where the doctor last reached it; true when the connection is direct, not through the relay. */
export async function connectToPatientDevice(node: P2PNode, patient: string): Promise<boolean> {
  return await devices.connect(visitChannel(node), patient)
}

