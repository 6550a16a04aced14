// Where a doctor last reached each patient's device: the direct address from their last visit,
// kept on the doctor's device (localStorage) so "My patients" can say whether the patient is
// reachable now and connect again. Nothing medical; a patient's address and their device's.
import type { P2PNode } from '../../p2p/index.ts'

const STORAGE_KEY = 'anamnesis.patientDevices'

export interface PatientDevice {
  /** The patient's device (libp2p peer id). */
  peer: string
  /** Its address through the relay, as the invite gave it. */
  address: string
}

function readAll(): Record<string, PatientDevice> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}')
    if (typeof parsed !== 'object' || parsed === null) return {}
    const devices: Record<string, PatientDevice> = {}
    for (const [patient, value] of Object.entries(parsed as Record<string, unknown>)) {
      const v = value as Partial<PatientDevice> | null
      if (typeof v?.peer === 'string' && typeof v.address === 'string') devices[patient] = { peer: v.peer, address: v.address }
    }
    return devices
  } catch {
    // A damaged list only costs the reachability hint.
    return {}
  }
}

export function rememberPatientDevice(patient: string, device: PatientDevice): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...readAll(), [patient.toLowerCase()]: device }))
}

export function patientDevice(patient: string): PatientDevice | undefined {
  return readAll()[patient.toLowerCase()]
}

/** Whether this node has a direct connection to the patient's device now; undefined when no visit ever reached it. */
export function patientReachable(node: P2PNode | undefined, patient: string): boolean | undefined {
  const device = patientDevice(patient)
  if (device === undefined) return undefined
  return node?.libp2p.getConnections().some((c) => c.remotePeer.toString() === device.peer && c.status === 'open' && c.limits == null) ?? false
}

/** Dials the patient's device where the doctor last reached it; true when the connection is direct, not through the relay. */
export async function connectToPatientDevice(node: P2PNode, patient: string): Promise<boolean> {
  const device = patientDevice(patient)
  if (device === undefined) throw new Error('No visit has reached this patient’s device yet.')
  const { direct } = await node.dial(device.address)
  return direct
}
