// Whether a doctor's grant from a patient is live now (for the given scope): the ledger's own view,
// evaluated at the latest block's time.
import type { Address } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { toChainError } from './ChainError.ts'
import { encodeScope, MAY_WRITE_BIT, type Scope } from './scope.ts'
import type { ChainClient } from './client.ts'

/** What {@link isGrantLive} needs: the consent ledger's address and the patient's and doctor's addresses as typed. */
export interface IsGrantLiveParameters {
  ledger: Address
  patient: string
  doctor: string
  /** What the doctor needs; without it, whether any grant is live. */
  scope?: Scope
}

/**
 * Whether a doctor holds a live grant from a patient, as the ledger judges it at the latest block:
 * one covering all of `scope` when it is given, any grant at all when not.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed address, `INVALID_INPUT` for a scope
 *   that opens nothing, and `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function isGrantLive(client: ChainClient, { ledger, patient, doctor, scope }: IsGrantLiveParameters): Promise<boolean> {
  const patientAddress = parseAddress(patient, 'patient')
  const doctorAddress = parseAddress(doctor, 'doctor')
  const mask = scope === undefined ? 0 : encodeScope(scope)
  try {
    return await client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'isLive', args: [patientAddress, doctorAddress, mask] })
  } catch (error) {
    throw toChainError(error, 'check the grant')
  }
}

/**
 * Whether `writer` may add entries to `patient`'s history now: a live grant that carries the
 * may-write bit, as the ledger judges it at the latest block.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed address, and `CHAIN_UNREACHABLE` or
 *   `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function mayWriteHistory(client: ChainClient, { ledger, patient, writer }: { ledger: Address; patient: string; writer: string }): Promise<boolean> {
  const patientAddress = parseAddress(patient, 'patient')
  const writerAddress = parseAddress(writer, 'writer')
  try {
    return await client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'isLive', args: [patientAddress, writerAddress, MAY_WRITE_BIT] })
  } catch (error) {
    throw toChainError(error, 'check the write grant')
  }
}
