// Keeps a user's wallet-derived secret keys in the key vault between sessions, so a
// reload does not ask the wallet to sign again. Only the two secret scalars are
// stored (wrapped by the vault); the public keys are recomputed on load.
import { x25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { CryptoError } from './CryptoError.ts'
import type { WalletKeys } from './deriveIdentityKey.ts'
import type { KeyVault } from './keyVault.ts'

const names = (address: string): { encryption: string; identity: string } => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new CryptoError('INVALID_INPUT', `Expected a wallet address (0x and 40 hex digits); got "${address}".`)
  const owner = address.toLowerCase()
  return { encryption: `${owner}/x25519-encryption-key`, identity: `${owner}/secp256k1-identity-key` }
}

/**
 * Stores the two secret keys of `address` in the vault, encrypted there; the public keys are not stored.
 *
 * @throws {CryptoError} `INVALID_INPUT` when `address` is not 0x and 40 hex digits, and the vault's own
 *   errors (see {@link KeyVault.put}).
 */
export async function saveWalletKeys(vault: KeyVault, address: string, keys: WalletKeys): Promise<void> {
  const name = names(address)
  await vault.put(name.encryption, keys.encryption.secretKey)
  await vault.put(name.identity, keys.identity.secretKey)
}

/**
 * The keys saved for this address, or undefined when there are none (sign again to derive them).
 * The public keys are recomputed from the secret ones.
 *
 * @throws {CryptoError} `INVALID_INPUT` for a malformed address, `VAULT_CORRUPT` when the stored keys are
 *   not valid keys or do not open (see {@link KeyVault.get}).
 */
export async function loadWalletKeys(vault: KeyVault, address: string): Promise<WalletKeys | undefined> {
  const name = names(address)
  const [encryption, identity] = await Promise.all([vault.get(name.encryption), vault.get(name.identity)])
  if (encryption === undefined || identity === undefined) return undefined
  if (encryption.length !== 32 || !secp256k1.utils.isValidSecretKey(identity)) {
    throw new CryptoError('VAULT_CORRUPT', 'The stored keys for this wallet are not valid keys. Unlock again with your wallet.')
  }
  return {
    encryption: { secretKey: encryption, publicKey: x25519.getPublicKey(encryption) },
    identity: { secretKey: identity, publicKey: secp256k1.getPublicKey(identity, true) }
  }
}

/**
 * Deletes the keys saved for `address` from the vault; the wallet derives them again on the next unlock.
 *
 * @throws {CryptoError} `INVALID_INPUT` when `address` is not 0x and 40 hex digits.
 */
export async function forgetWalletKeys(vault: KeyVault, address: string): Promise<void> {
  const name = names(address)
  await vault.delete(name.encryption)
  await vault.delete(name.identity)
}
