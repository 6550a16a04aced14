// A patient's events in the consent ledger's logs, decoded, oldest first. Two filters make one
// read: the patient's own anchor event is anonymous (their address is topic 0), every other
// event carries its signature as topic 0 and the patient as topic 1.
import { encodeEventTopics, numberToHex, pad, parseEventLogs, type Address, type RpcLog } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import type { ChainClient } from './client.ts'

type LedgerAbi = typeof consentLedgerAbi
type LedgerEventName = Extract<LedgerAbi[number], { type: 'event' }>['name']

/** Every event of the ledger, each of which names the patient it concerns. */
export const ledgerEventNames = [
  'Granted',
  'EmergencyGranted',
  'Revoked',
  'GuardianAdded',
  'GuardianRemoved',
  'GlassBroken',
  'VisitLogged',
  'Anchored',
  'DoctorAnchored'
] as const satisfies readonly LedgerEventName[]

/** The name of a ledger event that concerns a patient. */
export type PatientEventName = (typeof ledgerEventNames)[number]

/** A ledger event read from the logs and decoded, with its block, position and transaction. */
export type PatientLog = ReturnType<typeof parseEventLogs<LedgerAbi, true, PatientEventName[]>>[number]

/** What {@link fetchPatientLogs} needs: the consent ledger's address, the patient, and the blocks to search. */
export interface FetchPatientLogsParameters {
  ledger: Address
  patient: Address
  fromBlock: bigint
  toBlock: bigint
  /** Only these events; all of them when left out. */
  eventNames?: readonly PatientEventName[]
}

const signatureOf = (eventName: Exclude<PatientEventName, 'Anchored'>): `0x${string}` => encodeEventTopics({ abi: consentLedgerAbi, eventName })[0]

/**
 * The patient's events between two blocks (both included), oldest first. Events the node
 * returns for another ledger or patient are dropped.
 *
 * @throws The RPC or decoding error as it comes; callers turn it into a ChainError.
 */
export async function fetchPatientLogs(client: ChainClient, { ledger, patient, fromBlock, toBlock, eventNames = ledgerEventNames }: FetchPatientLogsParameters): Promise<PatientLog[]> {
  if (toBlock < fromBlock) return []
  const patientTopic = pad(patient.toLowerCase() as Address)
  const range = { address: ledger, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) }
  const named = eventNames.filter((name): name is Exclude<PatientEventName, 'Anchored'> => name !== 'Anchored')
  const requests: Promise<RpcLog[]>[] = []
  if (named.length > 0) {
    requests.push(client.request({ method: 'eth_getLogs', params: [{ ...range, topics: [named.map(signatureOf), patientTopic] }] }))
  }
  if (eventNames.includes('Anchored')) {
    requests.push(client.request({ method: 'eth_getLogs', params: [{ ...range, topics: [patientTopic] }] }))
  }
  const rawLogs = (await Promise.all(requests)).flat()
  const logs = parseEventLogs({ abi: consentLedgerAbi, logs: rawLogs, eventName: [...eventNames] })
  // The node filtered by address and topic; check both again rather than trust a remote answer.
  return logs
    .filter((log) => log.address.toLowerCase() === ledger.toLowerCase() && log.args.patient.toLowerCase() === patient.toLowerCase())
    .sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1))
}

/** Sort comparator that orders log positions (block, then index in the block) newest first. */
export function newestFirst(a: { blockNumber: bigint; logIndex: number }, b: { blockNumber: bigint; logIndex: number }): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber > b.blockNumber ? -1 : 1
  return b.logIndex - a.logIndex
}
