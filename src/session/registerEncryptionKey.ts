// A first registration: one wallet signature derives the user's X25519 key (version 1) on this
// device; only its public half goes on-chain, in the key registry. Used by Settings. A key
// already registered is never published over: the wallet's keys are checked against it instead.
import type { Address } from 'viem'
import { publishEncryptionKey, readEncryptionKey, type ConnectedWallet, type PublishEncryptionKeyResult } from '../chain/index.ts'
import type { SigningDomain } from '../crypto/index.ts'
import type { ChainClient } from '../chain/index.ts'
import { walletSigner } from './chainLedger.ts'
import { SessionError } from './SessionError.ts'
import { requireRegisteredKeys, signForKeys } from './walletKeys.ts'

/**
 * Derives the wallet's key for this origin and deployment from one signature and publishes its
 * public half as version 1; `onSigned` once the wallet signed.
 *
 * @throws {SessionError} `ALREADY_REGISTERED` when the registry holds this wallet's key already,
 *   `KEY_MISMATCH` when it holds another (nothing is published), `WRONG_SIGNER`; and
 *   {@link ChainError} from reading the registry, the wallet and the transaction.
 */
export async function registerEncryptionKey(
  publicClient: ChainClient,
  wallet: ConnectedWallet,
  registry: Address,
  domain: SigningDomain,
  onSigned?: () => void
): Promise<PublishEncryptionKeyResult> {
  const registered = await readEncryptionKey(publicClient, { registry, user: wallet.address })
  const keys = await signForKeys(walletSigner(wallet), domain, registered?.version ?? 1)
  onSigned?.()
  if (registered !== null) {
    requireRegisteredKeys(keys, registered, wallet.address)
    throw new SessionError('ALREADY_REGISTERED', 'This encryption key is already registered for your address.', { details: `version ${registered.version}` })
  }
  return await publishEncryptionKey(publicClient, wallet.client, { registry, publicKey: keys.encryption.publicKey, version: 1 })
}
