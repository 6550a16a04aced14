// The patient names a guardian: a caregiver who may, when the patient cannot, give a doctor
// emergency access for at most 72 hours.
import type { Address, PublicClient, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'

export interface AddGuardianParameters {
  ledger: Address
  guardian: string
}

export async function addGuardian(publicClient: PublicClient, walletClient: WalletClient, { ledger, guardian }: AddGuardianParameters): Promise<LedgerWriteResult> {
  const action = 'add the guardian'
  const account = requireAccount(walletClient, action)
  const guardianAddress = parseAddress(guardian, 'guardian')
  if (guardianAddress === account.address) throw new ChainError('INVALID_INPUT', 'You cannot be your own guardian: choose someone who can act when you cannot.')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'addGuardian', args: [guardianAddress] })
    return await walletClient.writeContract(request)
  })
}
