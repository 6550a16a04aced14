// A user's X25519 encryption key comes from one wallet signature over EIP-712 typed data
// naming the app's origin, the deployment and the key version (keyDerivationTypedData), so the
// same wallet recovers the same key on any device of this deployment and no private key needs
// to be stored or backed up apart from the wallet; a new version gives new keys.
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { KEY_DERIVATION_SALT, signatureSeed } from './walletSignature.ts'

const ENCRYPTION_INFO = utf8ToBytes('anamnesis/x25519-encryption-key')

/** A user's X25519 key pair: data keys are wrapped for the public half, which is published on-chain. */
export interface EncryptionKeyPair {
  /** 32 bytes. Never leaves the device; stored only inside the vault. */
  secretKey: Uint8Array
  /** 32 bytes, Montgomery u-coordinate. */
  publicKey: Uint8Array
}

/**
 * Derives the X25519 key pair from a 65-byte secp256k1 signature (r ‖ s ‖ v) over
 * keyDerivationTypedData; v is ignored and s normalised, so either encoding gives the same key.
 *
 * @throws {CryptoError} `INVALID_SIGNATURE` when the signature is not 65 bytes or r or s is out of range.
 */
export function deriveEncryptionKey(signature: Uint8Array): EncryptionKeyPair {
  // Any 32 bytes are a valid X25519 secret key (clamped on use).
  const secretKey = hkdf(sha256, signatureSeed(signature), KEY_DERIVATION_SALT, ENCRYPTION_INFO, 32)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}
