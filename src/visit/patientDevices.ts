// Where a doctor last reached each patient's device: the direct address from their last visit,
// kept on the doctor's device (a key-value storage, localStorage in the browser) so "My patients"
// can say whether the patient is reachable now and connect again. Nothing medical; a patient's
// address and their device's.
import { VisitError } from './visitError.ts'
import type { VisitChannel } from './visitPorts.ts'

const STORAGE_KEY = 'anamnesis.patientDevices'

/** A patient's device, as a visit reached it. */
export interface PatientDevice {
  /** The patient's device (libp2p peer id). */
  peer: string
  /** Its address through the relay, as the invite gave it. */
  address: string
}

/** The part of the Web Storage API the record needs. */
export interface DeviceStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export interface PatientDevices {
  /** Keeps where `patient`'s device was reached, replacing what was kept before. */
  remember(patient: string, device: PatientDevice): void
  /** Where `patient`'s device was last reached; undefined when no visit reached it. */
  device(patient: string): PatientDevice | undefined
  /** Whether `channel` has a direct connection to the patient's device now; undefined when no visit ever reached it. */
  reachable(channel: Pick<VisitChannel, 'hasDirectConnection'> | undefined, patient: string): boolean | undefined
  /** Dials the patient's device where the doctor last reached it; true when the connection is direct, not through the relay. */
  connect(channel: Pick<VisitChannel, 'dial'>, patient: string): Promise<boolean>
}

/** The record of patients' devices in `storage`. */
export function createPatientDevices(storage: DeviceStorage): PatientDevices {
  const readAll = (): Record<string, PatientDevice> => {
    try {
      const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}')
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
  const device = (patient: string): PatientDevice | undefined => readAll()[patient.toLowerCase()]
  return {
    remember: (patient, reached) => {
      storage.setItem(STORAGE_KEY, JSON.stringify({ ...readAll(), [patient.toLowerCase()]: reached }))
    },
    device,
    reachable: (channel, patient) => {
      const reached = device(patient)
      if (reached === undefined) return undefined
      return channel?.hasDirectConnection(reached.peer) ?? false
    },
    connect: async (channel, patient) => {
      const reached = device(patient)
      if (reached === undefined) throw new VisitError('NO_DEVICE', 'No visit has reached this patient’s device yet.')
      const { direct } = await channel.dial(reached.address)
      return direct
    }
  }
}
