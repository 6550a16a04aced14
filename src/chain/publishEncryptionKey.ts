// Publishes (or replaces, under the next version) the caller's X25519 public key in the key
// registry and waits for it to land.
import { bytesToHex, type Address, type Hash, type WalletClient } from 'viem'
import { keyRegistryAbi } from './abi.generated.ts'
import { ChainError, toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/** What {@link publishEncryptionKey} needs: the key registry's address, the 32-byte X25519 public key and its version. */
export interface PublishEncryptionKeyParameters {
  registry: Address
  publicKey: Uint8Array
  /** The version the key was derived for: 1 for a first key, else the registered version plus one. */
  version: number
}

/** The key registration's transaction and the block it was mined in. */
export interface PublishEncryptionKeyResult {
  transactionHash: Hash
  blockNumber: bigint
}

/**
 * Publishes the connected account's X25519 public key in the key registry as version `version`
 * (replacing any earlier version), so data keys can be wrapped for it, and waits for the
 * transaction to be mined.
 *
 * @param publicClient - Simulates the call and waits for the transaction.
 * @param walletClient - The account's wallet, which signs and sends it.
 * @throws {ChainError} `INVALID_INPUT` when the key is not 32 bytes or is all zero or the version
 *   is not 1 to 2^32 - 1, `WALLET_UNAVAILABLE` without a connected account, and `WALLET_REJECTED`,
 *   `CONTRACT_REVERTED` (the key is already registered, or another version was registered
 *   meanwhile), `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` from the transaction.
 */
export async function publishEncryptionKey(
  publicClient: ChainClient,
  walletClient: WalletClient,
  { registry, publicKey, version }: PublishEncryptionKeyParameters
): Promise<PublishEncryptionKeyResult> {
  if (publicKey.length !== 32 || publicKey.every((b) => b === 0)) {
    throw new ChainError('INVALID_INPUT', 'An X25519 public key has 32 bytes and is not all zero.')
  }
  if (!Number.isInteger(version) || version < 1 || version > 0xffff_ffff) throw new ChainError('INVALID_INPUT', `A key version is an integer from 1 to 4294967295; got ${String(version)}.`)
  const account = walletClient.account
  if (account === undefined) throw new ChainError('WALLET_UNAVAILABLE', 'Connect a wallet before registering a key.')
  try {
    // Simulate first so a revert is reported with its reason before the wallet is asked to sign.
    const { request } = await publicClient.simulateContract({
      account,
      address: registry,
      abi: keyRegistryAbi,
      functionName: 'publishKey',
      args: [bytesToHex(publicKey), version]
    })
    const transactionHash = await walletClient.writeContract(request)
    const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash, pollingInterval: 250 })
    if (receipt.status !== 'success') throw new ChainError('TRANSACTION_FAILED', 'The key registration was mined but failed.', { details: transactionHash })
    return { transactionHash, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw toChainError(error, 'register the encryption key')
  }
}
