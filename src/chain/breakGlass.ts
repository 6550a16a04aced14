// An emergency clinician records, on opening a patient's emergency summary, who they are and
// why; the patient sees it in the audit trail. It records the access; it cannot undo a copy.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { breakGlassReasons, type BreakGlassReason } from './breakGlassReasons.ts'
import { ChainError } from './ChainError.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/** What {@link breakGlass} needs: the consent ledger's address, the patient's address as typed, and why. */
export interface BreakGlassParameters {
  ledger: Address
  patient: string
  reason: BreakGlassReason
}

/**
 * Records on the ledger that an emergency clinician opened a patient's emergency summary,
 * and why; the patient sees it in the audit trail. It records the access; it grants nothing.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The clinician's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed patient address, `INVALID_INPUT` for a reason the ledger does not record,
 *   and the transaction's own failures (see {@link writeLedger}).
 */
export async function breakGlass(publicClient: ChainClient, walletClient: WalletClient, { ledger, patient, reason }: BreakGlassParameters): Promise<LedgerWriteResult> {
  const action = 'record the emergency access'
  const account = requireAccount(walletClient, action)
  const patientAddress = parseAddress(patient, 'patient')
  const reasonCode: number | undefined = (breakGlassReasons as Record<string, number>)[reason]
  if (reasonCode === undefined) {
    throw new ChainError('INVALID_INPUT', `"${reason}" is not a reason the ledger records; choose one of ${Object.keys(breakGlassReasons).join(', ')}.`)
  }
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'breakGlass', args: [patientAddress, reasonCode] })
    return await walletClient.writeContract(request)
  })
}
