// What every ledger write shares: the connected account, and after the wallet has sent the
// transaction, waiting for it to land and reporting any failure as a ChainError.
import type { Account, Hash, WalletClient } from 'viem'
import { ChainError, toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/** A ledger write's transaction and the block it was mined in. */
export interface LedgerWriteResult {
  transactionHash: Hash
  blockNumber: bigint
}

/**
 * The wallet's connected account.
 *
 * @param action - What the person was doing ("grant access"), for the message.
 * @throws {ChainError} `WALLET_UNAVAILABLE`, asking the person to connect a wallet first.
 */
export function requireAccount(walletClient: WalletClient, action: string): Account {
  const account = walletClient.account
  if (account === undefined) throw new ChainError('WALLET_UNAVAILABLE', `Connect a wallet to ${action}.`)
  return account
}

/**
 * Runs `send` (which simulates the call, so a refusal comes back with its reason before the
 * wallet asks to sign, then sends it) and waits for the transaction to be mined.
 *
 * @param action - What the transaction does ("grant access"), for the messages.
 * @throws {ChainError} `WALLET_REJECTED` when the person declines to sign, `CONTRACT_REVERTED`
 *   when the contract refuses (with its reason in words), `CHAIN_UNREACHABLE`, or
 *   `TRANSACTION_FAILED` when the transaction fails or is mined but fails.
 */
export async function writeLedger(publicClient: ChainClient, action: string, send: () => Promise<Hash>): Promise<LedgerWriteResult> {
  try {
    const transactionHash = await send()
    const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash, pollingInterval: 250 })
    if (receipt.status !== 'success') {
      throw new ChainError('TRANSACTION_FAILED', `The transaction to ${action} was mined but failed; nothing changed.`, { details: transactionHash })
    }
    return { transactionHash, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw toChainError(error, action)
  }
}
