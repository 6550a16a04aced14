// The patient grants a doctor access to chosen record categories until a date (or changes an
// earlier grant to them); checked here first so a mistake never reaches the wallet.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { chainNow } from './chainNow.ts'
import { MAX_GRANT_SECONDS, prepareTerms } from './grantTerms.ts'
import { requireRegisteredKey } from './requireRegisteredKey.ts'
import type { Scope } from './scope.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/**
 * What {@link grant} needs: the consent ledger's and key registry's addresses, the doctor's
 * address as typed, and the grant's end and scope.
 */
export interface GrantParameters {
  ledger: Address
  /** The key registry, to check the doctor can read what is shared with them. */
  registry: Address
  doctor: string
  /** When the grant ends: a Date, or unix seconds. At most one year ahead. */
  expiry: Date | bigint
  scope: Scope
}

/**
 * The connected patient grants a doctor access to the chosen record categories (and, with
 * `mayWrite`, to add records) until `expiry`; a grant to the same doctor replaces the earlier one.
 * The terms are checked here and the call simulated first, so a mistake never reaches the wallet.
 *
 * @param publicClient - Reads the chain's time and the key registry, simulates the call and waits for the transaction.
 * @param walletClient - The patient's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed doctor address, `INVALID_INPUT` when the doctor is the patient, the end is past or
 *   more than a year ahead, or the scope opens nothing, `NO_ENCRYPTION_KEY` when the doctor has
 *   not published an encryption key, and the transaction's own failures (see {@link writeLedger}).
 */
export async function grant(publicClient: ChainClient, walletClient: WalletClient, { ledger, registry, doctor, expiry, scope }: GrantParameters): Promise<LedgerWriteResult> {
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
