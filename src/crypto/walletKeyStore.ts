// Keeps a user's wallet-derived secret keys in the key vault between sessions, so a reload
// does not ask the wallet to sign again. One vault entry per account, deployment and slot holds
// the key version, the two secret scalars and the wallet's binding of the signing key, written in
// one step: keys of two versions are never mixed in one entry. The `next` slot holds a
// replacement's keys while the history moves to them; the `current` slot, the keys in use.
// The public keys are recomputed on load.
//
// Stored bytes (sealed by the vault): u32be(version) ‖ X25519 secret (32) ‖ secp256k1 secret (32) ‖ binding (65).
import { x25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { isU32, readU32be, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import type { WalletKeys } from './deriveIdentityKey.ts'
import type { KeyVault } from './keyVault.ts'
import { signingDomain, type SigningDomain } from './walletTypedData.ts'

/** A user's keys as this device keeps them: which version they are, and the wallet's binding of the signing key. */
export interface StoredWalletKeys {
  keys: WalletKeys
  /** The key version the keys were derived for (the key registry's numbering, from 1). */
  version: number
  /** The wallet's signature over identityBindingTypedData for keys.identity, 65 bytes. */
  binding: Uint8Array
}

const RECORD_LENGTH = 4 + 32 + 32 + 65

/** Which keys: those in use, or a replacement's while the history moves to them. */
export type KeySlot = 'current' | 'next'

function owner(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new CryptoError('INVALID_INPUT', `Expected a wallet address (0x and 40 hex digits); got "${address}".`)
  return address.toLowerCase()
}

// The vault is this origin's storage, so the origin is implied; the deployment is named, so keys
// derived for one chain or key registry are never taken for another's.
const recordName = (address: string, domain: SigningDomain, slot: KeySlot): string => {
  const { chainId, verifyingContract } = signingDomain(domain)
  return `${owner(address)}@${chainId}/${verifyingContract}/${slot === 'current' ? 'wallet-keys' : 'next-wallet-keys'}`
}

/** Where earlier builds kept keys derived from a personal_sign message; they open nothing now. */
const legacyNames = (address: string): string[] => ['x25519-encryption-key', 'secp256k1-identity-key', 'identity-binding'].map((name) => `${owner(address)}/${name}`)

/**
 * Stores the keys of `address` for this deployment in the vault's `slot` (the keys in use unless
 * told), encrypted there and replacing whatever version the slot held; the public keys are not stored.
 *
 * @throws {CryptoError} `INVALID_INPUT` for a malformed address or domain, a version that is not 1
 *   to 2^32 - 1 or a binding that is not 65 bytes, and the vault's own errors (see {@link KeyVault.put}).
 */
export async function saveWalletKeys(vault: KeyVault, address: string, domain: SigningDomain, stored: StoredWalletKeys, slot: KeySlot = 'current'): Promise<void> {
  const name = recordName(address, domain, slot)
  const { keys, version, binding } = stored
  if (!isU32(version) || version < 1) throw new CryptoError('INVALID_INPUT', `A key version is an integer from 1; got ${String(version)}.`)
  if (!(binding instanceof Uint8Array) || binding.length !== 65) throw new CryptoError('INVALID_INPUT', 'A binding signature has 65 bytes.')
  await vault.put(name, concatBytes(u32be(version), keys.encryption.secretKey, keys.identity.secretKey, binding))
  for (const legacy of legacyNames(address)) await vault.delete(legacy)
}

/**
 * The keys saved for `address` and this deployment in `slot` (the keys in use unless told), or
 * undefined when there are none (sign again to derive them). The public keys are recomputed from the secret ones.
 *
 * @throws {CryptoError} `INVALID_INPUT` for a malformed address or domain, `VAULT_CORRUPT` when
 *   the stored record is not valid keys or does not open (see {@link KeyVault.get}).
 */
export async function loadWalletKeys(vault: KeyVault, address: string, domain: SigningDomain, slot: KeySlot = 'current'): Promise<StoredWalletKeys | undefined> {
  const record = await vault.get(recordName(address, domain, slot))
  if (record === undefined) return undefined
  const corrupt = (): CryptoError => new CryptoError('VAULT_CORRUPT', 'The stored keys for this wallet are not valid keys. Unlock again with your wallet.')
  if (record.length !== RECORD_LENGTH) throw corrupt()
  const version = readU32be(record, 0)
  const encryption = record.slice(4, 36)
  const identity = record.slice(36, 68)
  if (version < 1 || !secp256k1.utils.isValidSecretKey(identity)) throw corrupt()
  return {
    version,
    binding: record.slice(68),
    keys: {
      encryption: { secretKey: encryption, publicKey: x25519.getPublicKey(encryption) },
      identity: { secretKey: identity, publicKey: secp256k1.getPublicKey(identity, true) }
    }
  }
}

/**
 * Deletes the keys saved for `address` and this deployment in `slot` (the keys in use unless told);
 * the wallet derives them again on the next unlock.
 *
 * @throws {CryptoError} `INVALID_INPUT` for a malformed address or domain.
 */
export async function forgetWalletKeys(vault: KeyVault, address: string, domain: SigningDomain, slot: KeySlot = 'current'): Promise<void> {
  await vault.delete(recordName(address, domain, slot))
}
