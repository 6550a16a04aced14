// Replacing a user's keys when they may be exposed: the wallet signs for the next key version (a
// new signature, so new keys that the exposed root cannot derive) and vouches for the new signing
// key; the new public key is registered on-chain under that version; then, with the keys in use
// still open, the history moves to a new epoch whose key, and every earlier epoch's, is wrapped for
// the new key only (rotateForNewOwnerKey), and the new keys take the place of the old.
//
// Until the move is done, the vault keeps the new keys in its `next` slot beside the keys in use:
// a page closed after the transaction finishes the move at the next open (the keys in use still
// open the history; the new public key is on-chain), and a transaction that never landed leaves
// the next keys to be dropped.
import { forgetWalletKeys, identityBindingTypedData, saveWalletKeys, secp256k1Signer, type KeyVault, type SigningDomain, type StoredWalletKeys, type WalletKeys } from '../crypto/index.ts'
import { createWalletIdentity } from '../p2p/index.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import { rotateForNewOwnerKey } from './rotateHistoryKey.ts'
import { SessionError } from './SessionError.ts'
import type { SessionLedger, SessionWallet } from './sessionPorts.ts'
import { staleKeysReason } from './unlockKeys.ts'
import { matchesRegistered, signForKeys } from './walletKeys.ts'

/** Where a replacement is: the two signatures, the transaction, the move of the history. */
export type ReplaceStep = 'signing-keys' | 'signing-binding' | 'registering' | 'moving-history'

/** A replacement done: the version now registered, its block, and the epoch the history moved to. */
export interface KeyReplacement {
  version: number
  blockNumber: bigint
  epoch: number
}

/**
 * Registers the next version of the wallet's keys: checks that `held` are the registered keys,
 * asks the wallet for the next version's signature and the new signing key's binding, keeps the
 * new keys in the vault's `next` slot, and publishes the new public key under the next version.
 *
 * @throws {SessionError} `KEYS_NOT_OPEN` when nothing is registered yet or the registry holds other
 *   keys than `held` (replaced on another device meanwhile), `WRONG_SIGNER`; and the wallet's
 *   refusal or the transaction's failure, after which the keys in use are unchanged.
 */
export async function registerNextKeys(input: {
  wallet: SessionWallet
  ledger: Pick<SessionLedger, 'readRegisteredKey' | 'publishEncryptionKey'>
  domain: SigningDomain
  vault: KeyVault
  /** The keys this device holds now, and their version. */
  held: { keys: WalletKeys; version: number }
  onStep?: (step: ReplaceStep) => void
}): Promise<{ next: StoredWalletKeys; blockNumber: bigint }> {
  const { wallet, ledger, domain, vault, held } = input
  const address = wallet.address
  const registered = await ledger.readRegisteredKey(address)
  if (registered === null) throw new SessionError('KEYS_NOT_OPEN', 'Your encryption key is not registered yet, so there is nothing to replace: register it first.')
  if (registered.version !== held.version || !matchesRegistered(held.keys, registered)) throw new SessionError('KEYS_NOT_OPEN', staleKeysReason(held.version, registered.version))
  const version = registered.version + 1
  input.onStep?.('signing-keys')
  const keys = await signForKeys(wallet, domain, version)
  input.onStep?.('signing-binding')
  const binding = await wallet.signTypedData(identityBindingTypedData({ domain, account: address, signingKey: keys.identity.publicKey, keyVersion: version }), 'sign the new history signing key')
  const next: StoredWalletKeys = { keys, version, binding }
  // Kept before the transaction: once it lands, the history must move to these keys even if the page closes.
  await saveWalletKeys(vault, address, domain, next, 'next')
  input.onStep?.('registering')
  const { blockNumber } = await ledger.publishEncryptionKey({ publicKey: keys.encryption.publicKey, version })
  return { next, blockNumber }
}

/**
 * Moves `own` (open under the keys in use) to a new epoch whose key, and every earlier epoch's, is
 * wrapped for the next keys only, its key also for the doctors who keep access, in a drop the next
 * keys' identity signs (so peers keep every entry written before); then makes the next keys the
 * keys in use. Open the history again afterwards: only the next keys open it now.
 * Returns the new epoch.
 *
 * @throws {P2PError} `INVALID_IDENTITY` when the next keys' binding does not vouch for their signing
 *   key; and as rotateForNewOwnerKey does. The keys in use are then unchanged.
 */
export async function moveToNextKeys(input: {
  ledger: Pick<SessionLedger, 'readAccess' | 'readEncryptionKey'>
  address: string
  own: OwnHistoryModel
  vault: KeyVault
  domain: SigningDomain
  next: StoredWalletKeys
}): Promise<number> {
  const { keys, binding, version } = input.next
  const identity = createWalletIdentity({ address: input.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: version, domain: input.domain })
  const { epoch } = await rotateForNewOwnerKey(input.ledger, input.address, input.own, { encryptionKey: keys.encryption.publicKey, identity })
  await saveWalletKeys(input.vault, input.address, input.domain, input.next)
  await forgetWalletKeys(input.vault, input.address, input.domain, 'next')
  return epoch
}
