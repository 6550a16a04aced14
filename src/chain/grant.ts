// The patient grants a doctor access to chosen record categories until a date (or changes an
// earlier grant to them); checked here first so a mistake never reaches the wallet.
import type { Address, PublicClient, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { chainNow } from './chainNow.ts'
import { MAX_GRANT_SECONDS, prepareTerms } from './grantTerms.ts'
import { requireRegisteredKey } from './requireRegisteredKey.ts'
import type { Scope } from './scope.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'

export interface GrantParameters {
  ledger: Address
  /** The key registry, to check the doctor can read what is shared with them. */
  registry: Address
  doctor: string
  /** When the grant ends: a Date, or unix seconds. At most one year ahead. */
  expiry: Date | bigint
  scope: Scope
}

export async function grant(publicClient: PublicClient, walletClient: WalletClient, { ledger, registry, doctor, expiry, scope }: GrantParameters): Promise<LedgerWriteResult> {
  const action = 'grant access'
  const account = requireAccount(walletClient, action)
  const doctorAddress = parseAddress(doctor, 'doctor')
  if (doctorAddress === account.address) throw new ChainError('INVALID_INPUT', 'You cannot grant access to yourself: choose the doctor who should see your history.')
  const terms = prepareTerms({ expiry, scope, now: await chainNow(publicClient), maxSeconds: MAX_GRANT_SECONDS })
  await requireRegisteredKey(publicClient, { registry, user: doctorAddress, role: 'doctor' })
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'grant', args: [doctorAddress, terms] })
    return await walletClient.writeContract(request)
  })
}
