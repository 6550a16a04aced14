// Publishes (or rotates) the caller's X25519 public key in the key registry and waits for it to land.
import { bytesToHex, type Address, type Hash, type PublicClient, type WalletClient } from 'viem'
import { keyRegistryAbi } from './abi.generated.ts'
import { ChainError, toChainError } from './ChainError.ts'

export interface PublishEncryptionKeyParameters {
  registry: Address
  publicKey: Uint8Array
}

export interface PublishEncryptionKeyResult {
  transactionHash: Hash
  blockNumber: bigint
}

export async function publishEncryptionKey(
  publicClient: PublicClient,
  walletClient: WalletClient,
  { registry, publicKey }: PublishEncryptionKeyParameters
): Promise<PublishEncryptionKeyResult> {
  if (publicKey.length !== 32 || publicKey.every((b) => b === 0)) {
    throw new ChainError('INVALID_INPUT', 'An X25519 public key has 32 bytes and is not all zero.')
  }
  const account = walletClient.account
  if (account === undefined) throw new ChainError('WALLET_UNAVAILABLE', 'Connect a wallet before registering a key.')
  try {
    // Simulate first so a revert is reported with its reason before the wallet is asked to sign.
    const { request } = await publicClient.simulateContract({
      account,
      address: registry,
      abi: keyRegistryAbi,
      functionName: 'publishKey',
      args: [bytesToHex(publicKey)]
    })
    const transactionHash = await walletClient.writeContract(request)
    const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash, pollingInterval: 250 })
    if (receipt.status !== 'success') throw new ChainError('TRANSACTION_FAILED', 'The key registration was mined but failed.', { details: transactionHash })
    return { transactionHash, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw toChainError(error, 'register the encryption key')
  }
}
