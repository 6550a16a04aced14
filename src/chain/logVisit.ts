// A doctor's app records that it opened a patient's history, once per visit, under a live grant.
// It records access; it cannot prevent a copy of what was read.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/** What {@link logVisit} needs: the consent ledger's address and the patient's address as typed. */
export interface LogVisitParameters {
  ledger: Address
  patient: string
}

/**
 * Records on the ledger that the connected doctor opened a patient's history; the contract
 * accepts it only under a live grant. The app calls it once per visit.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The doctor's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed patient address, and the transaction's own failures (see {@link writeLedger}).
 */
export async function logVisit(publicClient: ChainClient, walletClient: WalletClient, { ledger, patient }: LogVisitParameters): Promise<LedgerWriteResult> {
  const action = 'record the visit'
  const account = requireAccount(walletClient, action)
  const patientAddress = parseAddress(patient, 'patient')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'logVisit', args: [patientAddress] })
    return await walletClient.writeContract(request)
  })
}
