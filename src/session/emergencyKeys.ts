// A guardian hands a treating doctor the emergency records' keys while the patient cannot: the
// guardian's device pulls the patient's history from a keeper (ciphertext, which the keeper serves
// to the patient's guardians), opens the key drops the patient's app wrapped for the guardian (the
// emergency categories of every epoch, keyReaders.ts), wraps those keys again for the doctor's
// published key and leaves them with the patient's keepers (src/keeper emergencyKeys.ts). The
// doctor's device takes them from a keeper and reads the history from it like any follow-up.
// Nothing but the emergency categories' keys is handed on: a guardian holds no other.
import { EMERGENCY_CATEGORY_INDEXES } from '../history/emergencyCategories.ts'
import { hexToBytes } from 'viem'
import { encodeWrappedKeys, wrapKeyringFor, type EpochKeyring } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import { peerIdOfAddress, type PatientLog } from '../p2p/index.ts'
import { SessionError } from './SessionError.ts'
import type { SessionLedger } from './sessionPorts.ts'
import type { WalletKeys } from './unlockKeys.ts'

/** How this device speaks to a patient's keepers about emergency keys, as its user's identity (src/keeper's client over the node). */
export interface EmergencyKeysClient {
  /** Opens (or keeps) a direct connection to the keeper; its wallet, as its hello names it. @throws When it is unreachable. */
  connect(address: string): Promise<string>
  /** Leaves `keys` (wrapped for `doctor`) with each keeper; each keeper's answer, or why it failed. */
  hand(addresses: readonly string[], request: { patient: string; doctor: string; keys: Uint8Array }): Promise<{ keeper: string; ok: boolean; error?: string }[]>
  /** The keys a guardian left with the keeper for this device's user. @throws With the keeper's reason. */
  take(address: string, patient: string): Promise<Uint8Array>
}

/** What a hand-on did: the keepers that keep the keys, and how many keys (epochs × categories) the doctor got. */
export interface HandedOn {
  keepers: string[]
  keys: number
}

export interface HandOnInput {
  client: EmergencyKeysClient
  /** Opens the patient's log on this device (HistoryOrbit.openLog). */
  openLog(patient: string): Promise<PatientLog>
  ledger: Pick<SessionLedger, 'readRegisteredKey'>
  /** The guardian's keys on this device. */
  keys: WalletKeys
  patient: string
  doctor: string
  /** The patient's keepers to try, in order: the history is pulled from the first that serves it, the keys left with every one. */
  keepers: readonly string[]
}

const peerOf = (address: string): string => peerIdOfAddress(address) ?? address

/**
 * Hands the doctor the emergency categories' keys of `patient`'s history, as the guardian whose keys
 * these are.
 * @throws {SessionError} `EMERGENCY_KEYS_NOT_HANDED` with why: the doctor registered no encryption key,
 *   no keeper served the history, the history holds no key for this guardian, or no keeper kept them.
 */
export async function handOnEmergencyKeys(input: HandOnInput): Promise<HandedOn> {
  const fail = (message: string): SessionError => new SessionError('EMERGENCY_KEYS_NOT_HANDED', message)
  if (input.keepers.length === 0) throw fail("No keeper to reach the patient's history through: enter the address of one of the patient's keepers.")
  const registered = await input.ledger.readRegisteredKey(input.doctor)
  if (registered === null) throw fail('The doctor has not registered an encryption key yet: they open Anamnesis with their wallet and register it, then hand the keys on again.')
  const doctorKey = hexToBytes(registered.key)

  const { openPatientHistory } = await import('../history/index.ts')
  const log = await input.openLog(input.patient)
  try {
    const failures: string[] = []
    let pulled = false
    for (const address of input.keepers) {
      try {
        await input.client.connect(address)
        await log.syncWith(peerOf(address))
        pulled = true
        break
      } catch (error) {
        failures.push(`keeper ${peerOf(address).slice(-8)}: ${errorMessage(error)}`)
      }
    }
    if (!pulled) throw fail(`No keeper of the patient served their history (${failures.join('; ')}).`)
    const empty: EpochKeyring = { current: 0, keys: new Map() }
    const history = openPatientHistory({ log, keyring: empty, reader: input.keys.encryption })
    let wrapped: Uint8Array
    let count: number
    try {
      const keys = wrapKeyringFor(history.keyring(), doctorKey, EMERGENCY_CATEGORY_INDEXES)
      count = keys.length
      if (count === 0) throw fail("The patient's history holds no emergency keys for you yet: the patient's app wraps them for you the next time it runs after naming you guardian.")
      wrapped = encodeWrappedKeys(keys)
    } finally {
      // Closing the history closes its log.
      await history.close()
    }
    const answers = await input.client.hand(input.keepers, { patient: input.patient, doctor: input.doctor, keys: wrapped })
    const kept = answers.filter((answer) => answer.ok).map((answer) => answer.keeper)
    if (kept.length === 0) throw fail(`No keeper kept the keys: ${answers.map((answer) => `keeper ${peerOf(answer.keeper).slice(-8)}: ${answer.error ?? 'refused'}`).join('; ')}`)
    return { keepers: kept, keys: count }
  } catch (error) {
    await log.close().catch(() => undefined)
    throw error
  }
}
