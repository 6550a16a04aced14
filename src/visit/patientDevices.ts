// Where a doctor last reached each patient's device: the direct address from their last visit,
// kept on the doctor's device (a key-value storage, localStorage in the browser) so "My patients"
// can say whether the patient is reachable now and connect again; and, from the patient's last
// approval, their keepers and the data keys they wrapped for this doctor, so the doctor can follow
// up while every device of the patient is offline. Nothing medical in the clear: the keys are
// ciphertext only this doctor's key opens (later epochs come as key drops in the history itself).
import { bytesToHex, hexToBytes } from 'viem'
import { parseAnswerKeepers, type AnswerKeeper } from '../p2p/index.ts'
import { VisitError } from './visitError.ts'
import type { VisitChannel } from './visitPorts.ts'

const STORAGE_KEY = 'anamnesis.patientDevices'

/** A patient's device, as a visit reached it. */
export interface PatientDevice {
  /** The patient's device (libp2p peer id). */
  peer: string
  /** Its address through the relay, as the invite gave it. */
  address: string
  /** The patient's keepers, as their last approval named them. */
  keepers?: readonly AnswerKeeper[]
  /** The data keys the patient's last approval wrapped for this doctor's key. */
  wrappedKeys?: Uint8Array
}

/** The most bytes of wrapped keys kept for a patient: far above what every category's keys over many epochs take. */
const MAX_WRAPPED_BYTES = 256 * 1024

/** The part of the Web Storage API the record needs. */
export interface DeviceStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export interface PatientDevices {
  /** Keeps where `patient`'s device was reached; keepers and keys replace those kept before when given, and stay otherwise. */
  remember(patient: string, device: PatientDevice): void
  /** Where `patient`'s device was last reached; undefined when no visit reached it. */
  device(patient: string): PatientDevice | undefined
  /** Whether `wallet` is a keeper `patient` named to this doctor: this device syncs that patient's history with it. */
  isKeeperOf(patient: string, wallet: string): boolean
  /** Whether `channel` has a direct connection to the patient's device now; undefined when no visit ever reached it. */
  reachable(channel: Pick<VisitChannel, 'hasDirectConnection'> | undefined, patient: string): boolean | undefined
  /** Dials the patient's device where the doctor last reached it; true when the connection is direct, not through the relay. */
  connect(channel: Pick<VisitChannel, 'dial'>, patient: string): Promise<boolean>
}

/** A device as the record stores it: the keys as hex. */
const stored = ({ wrappedKeys, ...device }: PatientDevice): Record<string, unknown> => ({ ...device, ...(wrappedKeys === undefined ? {} : { wrappedKeys: bytesToHex(wrappedKeys) }) })

/** The record of patients' devices in `storage`. */
export function createPatientDevices(storage: DeviceStorage): PatientDevices {
  const readAll = (): Record<string, PatientDevice> => {
    try {
      const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}')
      if (typeof parsed !== 'object' || parsed === null) return {}
      const devices: Record<string, PatientDevice> = {}
      for (const [patient, value] of Object.entries(parsed as Record<string, unknown>)) {
        const v = value as { peer?: unknown; address?: unknown; keepers?: unknown; wrappedKeys?: unknown } | null
        if (typeof v?.peer !== 'string' || typeof v.address !== 'string') continue
        // Another script of this origin could have written here: what is not what this record keeps is dropped.
        const keepers = parseAnswerKeepers(v.keepers)
        const wrapped = typeof v.wrappedKeys === 'string' && v.wrappedKeys.length <= 2 + 2 * MAX_WRAPPED_BYTES && /^0x(?:[0-9a-f]{2})+$/.test(v.wrappedKeys) ? v.wrappedKeys : undefined
        devices[patient] = {
          peer: v.peer,
          address: v.address,
          ...(keepers === undefined ? {} : { keepers }),
          ...(wrapped === undefined ? {} : { wrappedKeys: hexToBytes(wrapped as `0x${string}`) })
        }
      }
      return devices
    } catch {
      // A damaged list costs the reachability hint and the keys: the patient's next visit brings them again.
      return {}
    }
  }
  const device = (patient: string): PatientDevice | undefined => readAll()[patient.toLowerCase()]
  return {
    remember: (patient, reached) => {
      const all = readAll()
      const key = patient.toLowerCase()
      all[key] = { ...all[key], ...reached }
      storage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(Object.entries(all).map(([p, d]) => [p, stored(d)]))))
    },
    device,
    isKeeperOf: (patient, wallet) => device(patient)?.keepers?.some((keeper) => keeper.keeper === wallet.toLowerCase()) === true,
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
