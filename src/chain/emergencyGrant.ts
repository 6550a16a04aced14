// A guardian, acting for a patient who cannot, gives a treating doctor access for at most
// 72 hours. Only where the doctor holds no live grant: the patient's own consent is never changed.
// The ledger also refuses a doctor whose last grant ended less than 7 days ago, a doctor the
// patient revoked less than 30 days ago, and a guardian's fourth emergency grant in 30 days.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { chainNow } from './chainNow.ts'
import { MAX_EMERGENCY_GRANT_SECONDS, prepareTerms } from './grantTerms.ts'
import { requireRegisteredKey } from './requireRegisteredKey.ts'
import type { Scope } from './scope.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/**
 * What {@link emergencyGrant} needs: the consent ledger's and key registry's addresses, the
 * patient's and doctor's addresses as typed, and the grant's end and scope.
 */
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

/**
 * A guardian gives a treating doctor access to a patient's records for at most 72 hours, for
 * a patient who cannot do it. The contract refuses it where the doctor already holds a live
 * grant from the patient, so the patient's own consent is never changed; where the doctor's last
 * grant ended less than 7 days ago or the patient revoked them less than 30 days ago; and past the
 * guardian's third emergency grant for the patient in 30 days (each a `CONTRACT_REVERTED` whose
 * message says so).
 *
 * @param publicClient - Reads the chain's time and the key registry, simulates the call and waits for the transaction.
 * @param walletClient - The guardian's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed address, `INVALID_INPUT` when the doctor is the patient or the guardian, the end is
 *   past or more than 72 hours ahead, or the scope opens nothing, `NO_ENCRYPTION_KEY` when the
 *   doctor has not published an encryption key, and the transaction's own failures (see {@link writeLedger}).
 */
export async function emergencyGrant(
  publicClient: ChainClient,
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
