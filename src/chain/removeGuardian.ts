// The patient removes a guardian; emergency grants that guardian already made stay until they
// expire or the patient revokes them.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/** What {@link removeGuardian} needs: the consent ledger's address and the guardian's address as typed. */
export interface RemoveGuardianParameters {
  ledger: Address
  guardian: string
}

/**
 * The connected patient removes a guardian. Emergency grants the guardian already made stay
 * until they expire or the patient revokes them.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The patient's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed guardian address, and the transaction's own failures (see {@link writeLedger}).
 */
export async function removeGuardian(publicClient: ChainClient, walletClient: WalletClient, { ledger, guardian }: RemoveGuardianParameters): Promise<LedgerWriteResult> {
  const action = 'remove the guardian'
  const account = requireAccount(walletClient, action)
  const guardianAddress = parseAddress(guardian, 'guardian')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'removeGuardian', args: [guardianAddress] })
    return await walletClient.writeContract(request)
  })
}
