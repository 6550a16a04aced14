// The patient names a guardian: a caregiver who may, when the patient cannot, give a doctor
// emergency access for at most 72 hours.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/** What {@link addGuardian} needs: the consent ledger's address and the guardian's address as typed. */
export interface AddGuardianParameters {
  ledger: Address
  guardian: string
}

/**
 * Names a guardian of the connected patient, who may then give a doctor emergency access
 * for at most 72 hours when the patient cannot.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The patient's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed guardian address, `INVALID_INPUT` when the guardian is the patient,
 *   and the transaction's own failures (see {@link writeLedger}).
 */
export async function addGuardian(publicClient: ChainClient, walletClient: WalletClient, { ledger, guardian }: AddGuardianParameters): Promise<LedgerWriteResult> {
  const action = 'add the guardian'
  const account = requireAccount(walletClient, action)
  const guardianAddress = parseAddress(guardian, 'guardian')
  if (guardianAddress === account.address) throw new ChainError('INVALID_INPUT', 'You cannot be your own guardian: choose someone who can act when you cannot.')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'addGuardian', args: [guardianAddress] })
    return await walletClient.writeContract(request)
  })
}
