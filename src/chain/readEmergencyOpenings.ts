// Every time a clinician broke the glass on the patient's emergency summary, as the patient is told
// at the next open: the ledger's GlassBroken events naming the patient, newest first.
import type { Address } from 'viem'
import { parseAddress } from './address.ts'
import { toAuditEntries, type AuditEntry } from './auditEntry.ts'
import { toChainError } from './ChainError.ts'
import { fetchPatientLogs, newestFirst } from './patientLogs.ts'
import type { ChainClient } from './client.ts'

/** What {@link readEmergencyOpenings} needs: the consent ledger, the patient as typed, and where the ledger's logs start. */
export interface ReadEmergencyOpeningsParameters {
  ledger: Address
  patient: string
  /** The block the ledger was deployed in. Default 0. */
  fromBlock?: bigint
}

/**
 * The patient's break-glass entries (kind `glassBroken`: who, why, when), newest first.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address; `CHAIN_UNREACHABLE` or
 *   `TRANSACTION_FAILED` when the logs cannot be read.
 */
export async function readEmergencyOpenings(client: ChainClient, { ledger, patient, fromBlock = 0n }: ReadEmergencyOpeningsParameters): Promise<AuditEntry[]> {
  const patientAddress = parseAddress(patient, 'patient')
  try {
    const toBlock = await client.getBlockNumber({ cacheTime: 0 })
    const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock, toBlock, eventNames: ['GlassBroken'] })
    return await toAuditEntries(client, logs.sort(newestFirst))
  } catch (error) {
    throw toChainError(error, 'read who opened your emergency summary')
  }
}
