// A patient's grants as they stand: the doctors come from the ledger's grant events, the terms
// and liveness from its current state, so an expired grant shows as expired and a revoked one not at all
// (readAccess.ts keeps the revocations, for the history's key epochs).
import type { Address, Hash } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { secondsToDate } from './auditEntry.ts'
import { toChainError } from './ChainError.ts'
import { fetchPatientLogs, type PatientLog } from './patientLogs.ts'
import { decodeScope, type Scope } from './scope.ts'
import type { ChainClient } from './client.ts'

/** What {@link readGrants} needs: the consent ledger's address, the patient's address as typed, and the blocks to search. */
export interface ReadGrantsParameters {
  ledger: Address
  patient: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
  /** Blocks per log query, for nodes that limit the range of one query. Default 10,000. */
  blockRange?: bigint
}

/** A grant a patient has made as it stands now, with where the grant in force was made. */
export interface GrantRecord {
  doctor: Address
  /** The first moment the grant is no longer live. */
  expiry: Date
  scope: Scope
  /** Live at the latest block. */
  live: boolean
  /** Who made the grant in force: the patient, or the guardian of an emergency grant. */
  grantedBy: Address
  emergency: boolean
  /** Where the grant in force was made. */
  blockNumber: bigint
  transactionHash: Hash
}

/** A grant event as the logs give it. */
export type GrantLog = Extract<PatientLog, { eventName: 'Granted' | 'EmergencyGranted' }>

/**
 * The patient's standing grants (live or expired, not revoked): live first, then by expiry,
 * latest first. The doctors come from the ledger's grant events, the terms and liveness from
 * its state at the latest block.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address, `INVALID_INPUT` for a
 *   scope this app does not know, and `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function readGrants(client: ChainClient, { ledger, patient, fromBlock = 0n, blockRange = 10_000n }: ReadGrantsParameters): Promise<GrantRecord[]> {
  const patientAddress = parseAddress(patient, 'patient')
  try {
    const latest = await client.getBlock({ blockTag: 'latest' })
    const lastGrant = new Map<Address, GrantLog>()
    for (let start = fromBlock; start <= latest.number; start += blockRange) {
      const end = start + blockRange - 1n < latest.number ? start + blockRange - 1n : latest.number
      const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock: start, toBlock: end, eventNames: ['Granted', 'EmergencyGranted'] })
      for (const log of logs) if (log.eventName === 'Granted' || log.eventName === 'EmergencyGranted') lastGrant.set(log.args.doctor, log)
    }
    return await grantsAt(client, ledger, patientAddress, lastGrant, latest)
  } catch (error) {
    throw toChainError(error, 'read the grants')
  }
}

/**
 * The grants standing at `latest` for the doctors of `lastGrant` (each doctor's last grant event), read
 * from the ledger's state at that same block so the two agree: live first, then by expiry, latest first.
 * Revoked grants are left out.
 *
 * @throws The RPC or decoding error as it comes; callers turn it into a ChainError.
 */
export async function grantsAt(
  client: ChainClient,
  ledger: Address,
  patient: Address,
  lastGrant: ReadonlyMap<Address, GrantLog>,
  latest: { number: bigint; timestamp: bigint }
): Promise<GrantRecord[]> {
  const records = await Promise.all(
    [...lastGrant.entries()].map(async ([doctor, log]): Promise<GrantRecord | null> => {
      const [expiry, scope] = await client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'grantOf', args: [patient, doctor], blockNumber: latest.number })
      if (expiry === 0n) return null
      return {
        doctor,
        expiry: secondsToDate(expiry),
        scope: decodeScope(scope),
        live: expiry > latest.timestamp,
        grantedBy: log.eventName === 'EmergencyGranted' ? log.args.guardian : patient,
        emergency: log.eventName === 'EmergencyGranted',
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash
      }
    })
  )
  return records
    .filter((record): record is GrantRecord => record !== null)
    .sort((a, b) => (a.live === b.live ? b.expiry.getTime() - a.expiry.getTime() : a.live ? -1 : 1))
}
