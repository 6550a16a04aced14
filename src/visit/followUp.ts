// A doctor follows up on a patient after a visit: the history opens with the keys the patient's
// last approval wrapped for this doctor, pulled from the patient's device when it can be reached,
// else from one of the keepers that approval named (dialled directly), which serve it while the
// doctor's grant is live on the ledger. What the doctor writes goes back the same way. A doctor let
// in by a guardian's emergency grant never met the patient: the keys come from the patient's keepers,
// where the guardian left them (src/session emergencyKeys.ts), and the history from the same keeper.
import { errorMessage } from '../errors/index.ts'
import { peerIdOfAddress } from '../p2p/index.ts'
import type { PatientDevices } from './patientDevices.ts'
import { VisitError } from './visitError.ts'
import type { DoctorHistoryPort, VisitChannel } from './visitPorts.ts'

/** Where a follow-up reads the patient's history from: their device, or a keeper (its address). */
export type FollowUpSource = { from: 'device' } | { from: 'keeper'; address: string }

/** An open follow-up: the reading, and where it pulls from. */
export interface FollowUp<R> {
  reading: R
  source: FollowUpSource
}

export interface FollowUpOptions<R extends { close(): Promise<void> }> {
  channel: Pick<VisitChannel, 'dial' | 'dialDirect' | 'hasDirectConnection'>
  history: Pick<DoctorHistoryPort<R>, 'unlock' | 'encryptionPublicKey' | 'unlockFailure' | 'readPatient' | 'takeEmergencyKeys'>
  devices: Pick<PatientDevices, 'device'>
  /** For a guardian's emergency grant: the keepers to take the keys and the history from (those a visit named, then the app's defaults). */
  emergency?: { keepers: readonly string[] }
}

const peerOf = (address: string): string => peerIdOfAddress(address) ?? address

/**
 * Opens `patient`'s history for a follow-up: from their device if a direct connection comes up,
 * else from the first of their keepers that answers.
 * @throws {VisitError} `NO_KEYS` when no visit left keys here, `KEYS_LOCKED` when this wallet's keys
 *   do not open on this device, `UNREACHABLE` when neither the device nor a keeper answers (with why).
 */
export async function openFollowUp<R extends { close(): Promise<void> }>({ channel, history, devices, emergency }: FollowUpOptions<R>, patient: string): Promise<FollowUp<R>> {
  const reached = devices.device(patient)
  const wrappedKeys = reached?.wrappedKeys
  if (emergency === undefined && (reached === undefined || wrappedKeys === undefined)) {
    throw new VisitError('NO_KEYS', "This browser holds no keys from this patient: they come with the patient's approval at a visit. Join a visit of theirs from this browser first.")
  }
  if (history.encryptionPublicKey() === undefined) await history.unlock()
  if (history.encryptionPublicKey() === undefined) throw new VisitError('KEYS_LOCKED', history.unlockFailure() ?? 'Your keys could not be opened on this device.')
  if (emergency !== undefined) return await openEmergency(channel, history, patient, [...new Set([...(reached?.keepers ?? []).map(({ address }) => address), ...emergency.keepers])])
  if (reached === undefined || wrappedKeys === undefined) throw new VisitError('NO_KEYS', 'This browser holds no keys from this patient.')

  const failures: string[] = []
  try {
    // Dialled even when a connection is up: one left over from before the patient's app closed looks
    // open until probed, and the dial probes it.
    if ((await channel.dial(reached.address)).direct) {
      const reading = await history.readPatient(patient, wrappedKeys, reached.peer, async () => {
        if (!channel.hasDirectConnection(reached.peer)) await channel.dial(reached.address)
      })
      return { reading, source: { from: 'device' } }
    }
    failures.push('their device is reachable only through the relay')
  } catch (error) {
    failures.push(`their device: ${errorMessage(error)}`)
  }
  const keepers = reached.keepers ?? []
  for (const { address } of keepers) {
    const keeper = peerOf(address)
    try {
      await channel.dialDirect(address)
    } catch (error) {
      failures.push(`keeper ${keeper.slice(-8)}: ${errorMessage(error)}`)
      continue
    }
    // The keeper serves the log only while the ledger says this doctor's grant is live; the reading says when it ends.
    const reading = await history.readPatient(patient, wrappedKeys, keeper, async () => {
      if (!channel.hasDirectConnection(keeper)) await channel.dialDirect(address)
    })
    return { reading, source: { from: 'keeper', address } }
  }
  throw new VisitError(
    'UNREACHABLE',
    keepers.length === 0
      ? `The patient's device is unreachable (${failures.join('; ')}), and they named no keeper at their last visit. Try again when their app is open.`
      : `The patient's device and keepers are unreachable (${failures.join('; ')}). Try again later.`
  )
}

/** The history of a patient whose guardian let this doctor in: keys and history from the first keeper that holds keys for them. */
async function openEmergency<R extends { close(): Promise<void> }>(
  channel: FollowUpOptions<R>['channel'],
  history: FollowUpOptions<R>['history'],
  patient: string,
  keepers: readonly string[]
): Promise<FollowUp<R>> {
  if (keepers.length === 0) throw new VisitError('UNREACHABLE', "No keeper of the patient's is known here: the guardian who let you in can tell you one (it is on the patient's emergency card).")
  const failures: string[] = []
  for (const address of keepers) {
    const keeper = peerOf(address)
    let keys: Uint8Array
    try {
      keys = await history.takeEmergencyKeys(patient, address)
    } catch (error) {
      failures.push(`keeper ${keeper.slice(-8)}: ${errorMessage(error)}`)
      continue
    }
    // The keeper serves the log while the ledger says the emergency grant is live; the reading says when it ends.
    // Keys that do not open here (a keeper that answered with another's, or damaged ones) send the doctor on to the next keeper.
    try {
      const reading = await history.readPatient(patient, keys, keeper, async () => {
        if (!channel.hasDirectConnection(keeper)) await channel.dialDirect(address)
      })
      return { reading, source: { from: 'keeper', address } }
    } catch (error) {
      failures.push(`keeper ${keeper.slice(-8)}: its keys do not open here (${errorMessage(error)})`)
    }
  }
  throw new VisitError('UNREACHABLE', `No keeper holds the emergency keys for you (${failures.join('; ')}). Ask the guardian who let you in to hand them on again.`)
}
