// The patient ends a doctor's grant at once, live or expired. What the doctor already read
// cannot be unread; the app rotates the data key so they read nothing new.
import type { Address, WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/** What {@link revoke} needs: the consent ledger's address and the doctor's address as typed. */
export interface RevokeParameters {
  ledger: Address
  doctor: string
}

/**
 * The connected patient ends a doctor's grant at once, live or expired. What the doctor has read
 * cannot be unread; rotating the data keys, so they read nothing new, is the app's part.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The patient's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_ADDRESS` for a
 *   malformed doctor address, and the transaction's own failures (see {@link writeLedger}).
 */
export async function revoke(publicClient: ChainClient, walletClient: WalletClient, { ledger, doctor }: RevokeParameters): Promise<LedgerWriteResult> {
  const action = 'revoke access'
  const account = requireAccount(walletClient, action)
  const doctorAddress = parseAddress(doctor, 'doctor')
  return await writeLedger(publicClient, action, async () => {
    const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'revoke', args: [doctorAddress] })
    return await walletClient.writeContract(request)
  })
}
