// Commits the root of a history log's heads and its entry count to the ledger: the patient
// anchors their own history, a doctor with a live write grant the history they added to.
import { bytesToHex, isHex, type Address, type Hex, type WalletClient } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { requireAccount, writeLedger, type LedgerWriteResult } from './writeLedger.ts'
import type { ChainClient } from './client.ts'

/** What {@link anchor} needs: the consent ledger's address, the root and entry count to commit, and whose history. */
export interface AnchorParameters {
  ledger: Address
  /** The 32-byte root of the history log's heads. */
  root: Hex | Uint8Array
  /** How many entries the root covers. */
  entryCount: number | bigint
  /** Whose history: the caller's own when left out; another patient's needs a live write grant from them. */
  patient?: string
}

/**
 * Anchors a history on the ledger: commits the root of its log's heads and how many entries
 * that root covers. The patient anchors their own history (`anchor`); a doctor anchors the
 * patient's (`anchorForPatient`), which the contract allows only under a live write grant.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The patient's or doctor's wallet, which signs and sends it.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `INVALID_INPUT` when the
 *   root is not 32 bytes or is all zero or the count is below one, `INVALID_ADDRESS` for a malformed
 *   patient address, and the transaction's own failures (see {@link writeLedger}).
 */
export async function anchor(publicClient: ChainClient, walletClient: WalletClient, { ledger, root, entryCount, patient }: AnchorParameters): Promise<LedgerWriteResult> {
  const action = 'anchor the history'
  const account = requireAccount(walletClient, action)
  const rootHex = typeof root === 'string' ? root : bytesToHex(root)
  if (!isHex(rootHex, { strict: true }) || rootHex.length !== 66 || /^0x0+$/.test(rootHex)) {
    throw new ChainError('INVALID_INPUT', 'The history root must be 32 bytes and not all zero.')
  }
  if (typeof entryCount === 'number' ? !Number.isSafeInteger(entryCount) || entryCount < 1 : entryCount < 1n) {
    throw new ChainError('INVALID_INPUT', 'An anchor must cover at least one entry of the history.')
  }
  const count = BigInt(entryCount)
  const patientAddress = patient === undefined ? account.address : parseAddress(patient, 'patient')
  return await writeLedger(publicClient, action, async () => {
    if (patientAddress === account.address) {
      const { request } = await publicClient.simulateContract({ account, address: ledger, abi: consentLedgerAbi, functionName: 'anchor', args: [rootHex, count] })
      return await walletClient.writeContract(request)
    }
    const { request } = await publicClient.simulateContract({
      account,
      address: ledger,
      abi: consentLedgerAbi,
      functionName: 'anchorForPatient',
      args: [patientAddress, rootHex, count]
    })
    return await walletClient.writeContract(request)
  })
}
