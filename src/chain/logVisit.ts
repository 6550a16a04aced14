// A doctor's app records that it opened a patient's history, once per visit, under a live grant.
// It records access; it cannot prevent a copy of what was read.
import type { Address, PublicClient, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'

export interface LogVisitParameters {
  ledger: Address
  patient: string
}

export async function logVisit(publicClient: PublicClient, walletClient: WalletClient, { ledger, patient }: LogVisitParameters): Promise<LedgerWriteResult> {
  const action = 'record the visit'
  const account = requireAccount(walletClient, action)
  const patientAddress = parseAddress(patient, 'patient')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'logVisit', args: [patientAddress] })
    return await walletClient.writeContract(request)
  })
}
