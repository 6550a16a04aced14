// The secp256k1 key of the user's OrbitDB identity, derived from the same wallet
// signature as the encryption key (another HKDF info string), so a new device that
// gets the same signature recovers the same identity and can keep writing its log.
import { mapHashToField } from '@noble/curves/abstract/modular.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { deriveEncryptionKey, type EncryptionKeyPair } from './deriveEncryptionKey.ts'
import { KEY_DERIVATION_SALT, signatureSeed } from './walletSignature.ts'

const IDENTITY_INFO = utf8ToBytes('anamnesis/secp256k1-orbitdb-identity-key')

/** A user's secp256k1 key pair for their OrbitDB identity, which signs their log entries. */
export interface IdentityKeyPair {
  /** 32-byte big-endian scalar in [1, n-1]. Never leaves the device; stored only inside the vault. */
  secretKey: Uint8Array
  /** 33-byte compressed SEC1 point, as OrbitDB and libp2p use it. */
  publicKey: Uint8Array
}

/**
 * Maps 48 bytes of key material to a valid secp256k1 scalar: (x mod (n-1)) + 1,
 * FIPS 186-5 A.2.1 style. 48 bytes (n is 32 bytes) leave a modulo bias below 2^-128,
 * and no retry loop is needed because every input lands in [1, n-1].
 *
 * @param keyMaterial - Uniform bytes, 48 to 1024 of them; noble throws a plain Error otherwise.
 */
export function identityScalar(keyMaterial: Uint8Array): Uint8Array {
  return mapHashToField(keyMaterial, secp256k1.Point.Fn.ORDER)
}

/**
 * Derives the OrbitDB identity key pair from a 65-byte wallet signature over keyDerivationTypedData.
 *
 * @throws {CryptoError} `INVALID_SIGNATURE` when the signature is not 65 bytes or r or s is out of range.
 */
export function deriveIdentityKey(signature: Uint8Array): IdentityKeyPair {
  const keyMaterial = hkdf(sha256, signatureSeed(signature), KEY_DERIVATION_SALT, IDENTITY_INFO, 48)
  const secretKey = identityScalar(keyMaterial)
  return { secretKey, publicKey: secp256k1.getPublicKey(secretKey, true) }
}

/** Every key of a user, derived from one wallet signature; the secret halves never leave the device. */
export interface WalletKeys {
  /** X25519: data keys are wrapped for its public half, which goes on-chain. */
  encryption: EncryptionKeyPair
  /** secp256k1: signs the user's OrbitDB log entries. */
  identity: IdentityKeyPair
}

/**
 * Every key of a user, from the one signature over keyDerivationTypedData.
 *
 * @throws {CryptoError} `INVALID_SIGNATURE` when the signature is not 65 bytes or r or s is out of range.
 */
export function deriveWalletKeys(signature: Uint8Array): WalletKeys {
  return { encryption: deriveEncryptionKey(signature), identity: deriveIdentityKey(signature) }
}
