// A guardian, acting for a patient who cannot, gives a treating doctor access for at most
// 72 hours. Only where the doctor holds no live grant: the patient's own consent is never changed.
import type { Address, PublicClient, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { chainNow } from './chainNow.ts'
import { MAX_EMERGENCY_GRANT_SECONDS, prepareTerms } from './grantTerms.ts'
import { requireRegisteredKey } from './requireRegisteredKey.ts'
import type { Scope } from './scope.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'

export interface EmergencyGrantParameters {
  ledger: Address
  registry: Address
  /** The patient the caller is a guardian of. */
  patient: string
  doctor: string
  /** When the grant ends: a Date, or unix seconds. At most 72 hours ahead. */
  expiry: Date | bigint
  scope: Scope
}

export async function emergencyGrant(
  publicClient: PublicClient,
  walletClient: WalletClient,
  { ledger, registry, patient, doctor, expiry, scope }: EmergencyGrantParameters
): Promise<LedgerWriteResult> {
  const action = 'grant emergency access'
  const account = requireAccount(walletClient, action)
  const patientAddress = parseAddress(patient, 'patient')
  const doctorAddress = parseAddress(doctor, 'doctor')
  if (doctorAddress === patientAddress) throw new ChainError('INVALID_INPUT', 'The doctor and the patient are the same address: choose the doctor who is treating the patient.')
  if (doctorAddress === account.address) throw new ChainError('INVALID_INPUT', 'A guardian cannot grant emergency access to themself: choose the doctor who is treating the patient.')
  const terms = prepareTerms({ expiry, scope, now: await chainNow(publicClient), maxSeconds: MAX_EMERGENCY_GRANT_SECONDS })
  await requireRegisteredKey(publicClient, { registry, user: doctorAddress, role: 'doctor' })
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({
      account,
      address: ledger,
      abi: consentLedgerAbi,
      functionName: 'emergencyGrant',
      args: [patientAddress, doctorAddress, terms]
    })
    return await walletClient.writeContract(request)
  })
}
