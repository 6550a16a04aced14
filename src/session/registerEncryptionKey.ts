// One wallet signature derives the user's X25519 key on this device; only its public half
// goes on-chain, in the key registry. Used by Settings and by a doctor joining a visit.
import { hexToBytes, type Address, type Hex } from 'viem'
import { publishEncryptionKey, toChainError, type ConnectedWallet, type PublishEncryptionKeyResult } from '../chain/index.ts'
import { deriveEncryptionKey, keyDerivationMessage } from '../crypto/index.ts'
import type { ChainClient } from '../chain/index.ts'

/** Derives the wallet's X25519 key from one signature and publishes its public half; `onSigned` once the wallet signed. */
export async function registerEncryptionKey(
  publicClient: ChainClient,
  wallet: ConnectedWallet,
  registry: Address,
  onSigned?: () => void
): Promise<PublishEncryptionKeyResult> {
  const { client: walletClient, address } = wallet
  let signature: Hex
  try {
    signature = await walletClient.signMessage({ account: walletClient.account ?? address, message: keyDerivationMessage(address) })
  } catch (error) {
    throw toChainError(error, 'sign the key derivation message')
  }
  const { publicKey } = deriveEncryptionKey(hexToBytes(signature))
  onSigned?.()
  return await publishEncryptionKey(publicClient, walletClient, { registry, publicKey })
}
