// The patient removes a guardian; emergency grants that guardian already made stay until they
// expire or the patient revokes them.
import type { Address, PublicClient, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'

export interface RemoveGuardianParameters {
  ledger: Address
  guardian: string
}

export async function removeGuardian(publicClient: PublicClient, walletClient: WalletClient, { ledger, guardian }: RemoveGuardianParameters): Promise<LedgerWriteResult> {
  const action = 'remove the guardian'
  const account = requireAccount(walletClient, action)
  const guardianAddress = parseAddress(guardian, 'guardian')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'removeGuardian', args: [guardianAddress] })
    return await walletClient.writeContract(request)
  })
}
