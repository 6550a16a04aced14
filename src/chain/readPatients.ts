// A doctor's patients: everyone whose Granted or EmergencyGranted event names the doctor,
// with the grant as the ledger holds it now (revoked grants drop out).
import { encodeEventTopics, numberToHex, pad, parseEventLogs, type Address, type RpcLog } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { secondsToDate } from './auditEntry.ts'
import { toChainError } from './ChainError.ts'
import { decodeScope, type Scope } from './scope.ts'
import type { ChainClient } from './client.ts'

/** What {@link readPatients} needs: the consent ledger's address, the doctor's address as typed, and the blocks to search. */
export interface ReadPatientsParameters {
  ledger: Address
  doctor: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
  /** Blocks per log query, for nodes that limit the range of one query. Default 10,000. */
  blockRange?: bigint
}

/** A patient who has granted the doctor access, with the grant as the ledger holds it now. */
export interface PatientGrant {
  patient: Address
  expiry: Date
  scope: Scope
  live: boolean
  emergency: boolean
}

const grantTopics = (['Granted', 'EmergencyGranted'] as const).map((eventName) => encodeEventTopics({ abi: consentLedgerAbi, eventName })[0])

/**
 * A doctor's patients: everyone whose grant event names the doctor and whose grant is not
 * revoked, live first, then by expiry, latest first. Terms and liveness are the ledger's state
 * at the latest block.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed doctor address, `INVALID_INPUT` for a
 *   scope this app does not know, and `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function readPatients(client: ChainClient, { ledger, doctor, fromBlock = 0n, blockRange = 10_000n }: ReadPatientsParameters): Promise<PatientGrant[]> {
  const doctorAddress = parseAddress(doctor, 'doctor')
  try {
    const latest = await client.getBlock({ blockTag: 'latest' })
    const emergency = new Map<Address, boolean>()
    for (let start = fromBlock; start <= latest.number; start += blockRange) {
      const end = start + blockRange - 1n < latest.number ? start + blockRange - 1n : latest.number
      // The doctor is the second indexed argument of both events.
      const raw: RpcLog[] = await client.request({
        method: 'eth_getLogs',
        params: [{ address: ledger, fromBlock: numberToHex(start), toBlock: numberToHex(end), topics: [grantTopics, null, pad(doctorAddress.toLowerCase() as Address)] }]
      })
      const logs = parseEventLogs({ abi: consentLedgerAbi, logs: raw, eventName: ['Granted', 'EmergencyGranted'] })
      for (const log of logs) {
        if (log.address.toLowerCase() !== ledger.toLowerCase() || log.args.doctor.toLowerCase() !== doctorAddress.toLowerCase()) continue
        emergency.set(log.args.patient, log.eventName === 'EmergencyGranted')
      }
    }
    const grants = await Promise.all(
      [...emergency.entries()].map(async ([patient, isEmergency]): Promise<PatientGrant | null> => {
        const [expiry, scope] = await client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'grantOf', args: [patient, doctorAddress], blockNumber: latest.number })
        if (expiry === 0n) return null
        return { patient, expiry: secondsToDate(expiry), scope: decodeScope(scope), live: expiry > latest.timestamp, emergency: isEmergency }
      })
    )
    return grants
      .filter((grant): grant is PatientGrant => grant !== null)
      .sort((a, b) => (a.live === b.live ? b.expiry.getTime() - a.expiry.getTime() : a.live ? -1 : 1))
  } catch (error) {
    throw toChainError(error, "read the doctor's patients")
  }
}
