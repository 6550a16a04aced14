// The crypto domain's one error type. Messages say what failed and what it means
// for the user; they never include key material.
import { AnamnesisError } from '../errors/index.ts'

/** Why a crypto operation failed: the input, the keys, the ciphertext's authenticity, the grant, or the vault. */
export type CryptoErrorCode =
  /** A wallet signature that cannot seed the keys (wrong length, r or s out of range). */
  | 'INVALID_SIGNATURE'
  /** A key of the wrong length or a public key that is not usable (a low-order point). */
  | 'INVALID_KEY'
  /** A malformed argument: a record id, writer, epoch or plaintext the formats do not allow. */
  | 'INVALID_INPUT'
  /** A record envelope that is malformed (wrong version, field sizes, encoding). */
  | 'INVALID_ENVELOPE'
  /** Authentication failed: wrong key, or the envelope or its binding was altered. */
  | 'DECRYPTION_FAILED'
  /** A wrapped data key that is malformed. */
  | 'INVALID_WRAPPED_KEY'
  /** A wrapped data key that does not open with this reader's key, or was altered. */
  | 'UNWRAP_FAILED'
  /** A reader holds no key for this kind of record: the grant does not cover its category. */
  | 'NOT_GRANTED'
  /** No data key for the epoch asked for in this keyring. */
  | 'UNKNOWN_EPOCH'
  /** The key vault cannot work here (no WebCrypto, no storage). */
  | 'VAULT_UNAVAILABLE'
  /** A secret in the key vault that does not open: its wrapping key changed or the stored bytes were altered. */
  | 'VAULT_CORRUPT'

/**
 * Every failure of src/crypto: a message a person can act on and a {@link CryptoErrorCode}.
 * Its message and details never carry key material or plaintext.
 */
export class CryptoError extends AnamnesisError<CryptoErrorCode> {
  override name = 'CryptoError'
}
