// One wallet signature derives the user's X25519 key on this device; only its public half
// goes on-chain, in the key registry. Used by Settings and by a doctor joining a visit.
import type { Address } from 'viem'
import { publishEncryptionKey, type ConnectedWallet, type PublishEncryptionKeyResult } from '../chain/index.ts'
import { deriveEncryptionKey, keyDerivationTypedData, type SigningDomain } from '../crypto/index.ts'
import type { ChainClient } from '../chain/index.ts'
import { walletSigner } from './chainLedger.ts'

/** Derives the wallet's X25519 key for this origin and deployment from one signature and publishes its public half; `onSigned` once the wallet signed. */
export async function registerEncryptionKey(
  publicClient: ChainClient,
  wallet: ConnectedWallet,
  registry: Address,
  domain: SigningDomain,
  onSigned?: () => void
): Promise<PublishEncryptionKeyResult> {
  const signature = await walletSigner(wallet).signTypedData(keyDerivationTypedData({ domain, account: wallet.address, version: 1 }), 'sign the key derivation message')
  const { publicKey } = deriveEncryptionKey(signature)
  onSigned?.()
  return await publishEncryptionKey(publicClient, wallet.client, { registry, publicKey })
}
