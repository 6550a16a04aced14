// A doctor follows up on a patient after a visit: the history opens with the keys the patient's
// last approval wrapped for this doctor, pulled from the patient's device when it can be reached,
// else from one of the keepers that approval named (dialled directly), which serve it while the
// doctor's grant is live on the ledger. What the doctor writes goes back the same way. A doctor let
// in by a guardian's emergency grant never met the patient: the keys come from the patient's keepers,
// where the guardian left them (src/session emergencyKeys.ts), and the history from the same keeper.
import { errorMessage } from '../errors/index.ts'
import { peerIdOfAddress } from '../p2p/index.ts'
import type { PatientDevice, PatientDevices } from './patientDevices.ts'
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
  channel: Pick<VisitChannel, 'dial' | 'dialDirect' | 'hangUp' | 'hasDirectConnection'>
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
  if (emergency !== undefined) {
    await unlock(history)
    return await openEmergency(channel, history, patient, [...new Set([...(reached?.keepers ?? []).map(({ address }) => address), ...emergency.keepers])])
  }
  const wrappedKeys = reached?.wrappedKeys
  if (reached === undefined || wrappedKeys === undefined) {
    throw new VisitError('NO_KEYS', "This browser holds no keys from this patient: they come with the patient's approval at a visit. Join a visit of theirs from this browser first.")
  }
  return await openFromDeviceOrKeeper(channel, history, patient, reached, wrappedKeys)
}

/** Opens this doctor's keys if they are not open yet. */
async function unlock<R extends { close(): Promise<void> }>(history: FollowUpOptions<R>['history']): Promise<void> {
  if (history.encryptionPublicKey() === undefined) await history.unlock()
  if (history.encryptionPublicKey() === undefined) throw new VisitError('KEYS_LOCKED', history.unlockFailure() ?? 'Your keys could not be opened on this device.')
}

/** What a settled dial came to: up, or the reason it failed. */
type Dialled<T> = { up: T } | { failed: string }

const settle = <T>(dialling: Promise<T>): Promise<Dialled<T>> =>
  dialling.then(
    (up) => ({ up }),
    (error: unknown) => ({ failed: errorMessage(error) })
  )

/**
 * The history from the patient's device, else from the first of their keepers that answers. The
 * device and the first keeper are dialled at once, while this doctor's keys open: a device that is
 * offline costs no wait before the keeper, and neither dial waits for the keys. The keeper's
 * connection is closed again when the device answers, so that the history is pulled from one peer.
 */
async function openFromDeviceOrKeeper<R extends { close(): Promise<void> }>(
  channel: FollowUpOptions<R>['channel'],
  history: FollowUpOptions<R>['history'],
  patient: string,
  reached: PatientDevice,
  wrappedKeys: Uint8Array
): Promise<FollowUp<R>> {
  const keepers = reached.keepers ?? []
  // Dialled even when a connection is up: one left over from before the patient's app closed looks
  // open until probed, and the dial probes it.
  const device = settle(channel.dial(reached.address))
  const keeperDials = new Map<string, Promise<Dialled<void>>>()
  const dialKeeper = (address: string): Promise<Dialled<void>> => {
    let dialling = keeperDials.get(address)
    if (dialling === undefined) {
      dialling = settle(channel.dialDirect(address))
      keeperDials.set(address, dialling)
    }
    return dialling
  }
  const first = keepers[0]
  if (first !== undefined) void dialKeeper(first.address)
  try {
    await unlock(history)
  } catch (error) {
    hangUpKeepers(channel, keeperDials)
    throw error
  }

  const failures: string[] = []
  const reachedDevice = await device
  if ('up' in reachedDevice && reachedDevice.up.direct) {
    // Before the log opens, which pulls from every peer connected then.
    hangUpKeepers(channel, keeperDials)
    try {
      const reading = await history.readPatient(patient, wrappedKeys, reached.peer, async () => {
        if (!channel.hasDirectConnection(reached.peer)) await channel.dial(reached.address)
      })
      return { reading, source: { from: 'device' } }
    } catch (error) {
      failures.push(`their device: ${errorMessage(error)}`)
    }
  } else failures.push('up' in reachedDevice ? 'their device is reachable only through the relay' : `their device: ${reachedDevice.failed}`)
  for (const { address, keeper: wallet } of keepers) {
    const keeper = peerOf(address)
    const dialled = await dialKeeper(address)
    if ('failed' in dialled) {
      failures.push(`keeper ${keeper.slice(-8)}: ${dialled.failed}`)
      continue
    }
    // The keeper serves the log only while the ledger says this doctor's grant is live; the reading says when it ends.
    // Its wallet, named at the visit, is the one it proves: its key version is asked as the pull starts.
    const reading = await history.readPatient(
      patient,
      wrappedKeys,
      keeper,
      async () => {
        if (!channel.hasDirectConnection(keeper)) await channel.dialDirect(address)
      },
      wallet
    )
    return { reading, source: { from: 'keeper', address } }
  }
  throw new VisitError(
    'UNREACHABLE',
    keepers.length === 0
      ? `The patient's device is unreachable (${failures.join('; ')}), and they named no keeper at their last visit. Try again when their app is open.`
      : `The patient's device and keepers are unreachable (${failures.join('; ')}). Try again later.`
  )
}

/** Closes each connection a keeper dial opened, once it is up, and forgets the dials: a keeper needed after all is dialled again. */
function hangUpKeepers(channel: FollowUpOptions<never>['channel'], dials: Map<string, Promise<Dialled<void>>>): void {
  for (const [address, dialling] of dials) {
    void dialling.then(async (dialled) => {
      if ('up' in dialled) await channel.hangUp(address).catch(() => undefined)
    })
  }
  dials.clear()
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
