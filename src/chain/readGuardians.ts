// The patient's guardians now: everyone a GuardianAdded event named, confirmed by the
// ledger's own view, so a removal (or a re-adding) is read as the contract holds it.
import type { Address } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { toChainError } from './ChainError.ts'
import { fetchPatientLogs } from './patientLogs.ts'
import type { ChainClient } from './client.ts'

/** What {@link readGuardians} needs: the consent ledger's address, the patient's address as typed, and where to start searching. */
export interface ReadGuardiansParameters {
  ledger: Address
  patient: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
}

/** One of a patient's current guardians. */
export interface GuardianRecord {
  guardian: Address
  /** When they were last named. */
  namedInBlock: bigint
}

/**
 * The patient's guardians now: everyone a GuardianAdded event named whom the ledger still
 * holds as a guardian at the latest block, in the order they were first named.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address, and `CHAIN_UNREACHABLE`
 *   or `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function readGuardians(client: ChainClient, { ledger, patient, fromBlock = 0n }: ReadGuardiansParameters): Promise<GuardianRecord[]> {
  const patientAddress = parseAddress(patient, 'patient')
  try {
    const blockNumber = await client.getBlockNumber({ cacheTime: 0 })
    const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock, toBlock: blockNumber, eventNames: ['GuardianAdded'] })
    const named = new Map<Address, bigint>()
    for (const log of logs) if (log.eventName === 'GuardianAdded') named.set(log.args.guardian, log.blockNumber)
    const candidates = [...named.entries()]
    const current = await Promise.all(
      candidates.map(([guardian]) =>
        client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'isGuardian', args: [patientAddress, guardian], blockNumber })
      )
    )
    return candidates.filter((_, i) => current[i] === true).map(([guardian, namedInBlock]) => ({ guardian, namedInBlock }))
  } catch (error) {
    throw toChainError(error, "read the patient's guardians")
  }
}

/**
 * Whether `patient` names `guardian` as one of their guardians now, as the ledger holds it at the
 * latest block.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed address, and `CHAIN_UNREACHABLE` or
 *   `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function isGuardianOf(client: ChainClient, { ledger, patient, guardian }: { ledger: Address; patient: string; guardian: string }): Promise<boolean> {
  const patientAddress = parseAddress(patient, 'patient')
  const guardianAddress = parseAddress(guardian, 'guardian')
  try {
    return await client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'isGuardian', args: [patientAddress, guardianAddress] })
  } catch (error) {
    throw toChainError(error, 'check the guardian')
  }
}
