// A data key wrapped for one reader: ephemeral-static X25519, HKDF-SHA256, and
// XChaCha20-Poly1305, so only the holder of the reader's X25519 secret key opens it.
//
//   shared = X25519(ephemeral secret, reader public)       (all-zero result refused)
//   info   = u32be(len) ‖ "anamnesis/wrap-data-key/v1" ‖ u32be(epoch) ‖ ephemeral public (32) ‖ reader public (32)
//   kek    = HKDF-SHA256(ikm = shared, salt = empty, info, 32)
//   sealed = XChaCha20-Poly1305(kek, nonce (24, random), aad = info).encrypt(data key)   (32 + 16 bytes)
//
// Binary form (encodeWrappedKey), 109 bytes:
//   0x01 ‖ u32be(epoch) ‖ ephemeral public (32) ‖ nonce (24) ‖ sealed (48)
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes, randomBytes } from '@noble/ciphers/utils.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { assertBytes, describe, isU32, lengthPrefixedText, readU32be, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { DATA_KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH } from './recordEnvelope.ts'
import { categoryKey } from './categoryKeys.ts'
import { categorySlot } from './categorySlot.ts'
import { wholeKeys, type EpochKeyring } from './keyring.ts'

/** The wrapped-key format this app writes and reads (a wrapped key's `v` and first byte). */
export const WRAPPED_KEY_VERSION = 1
/** The binary form's size: 109 bytes. */
export const WRAPPED_KEY_LENGTH = 1 + 4 + 32 + NONCE_LENGTH + DATA_KEY_LENGTH + TAG_LENGTH
const DOMAIN = lengthPrefixedText('anamnesis/wrap-data-key/v1')

/** A data key sealed for one reader (see the top of this file); everything but the key is in the clear. */
export interface WrappedKey {
  v: typeof WRAPPED_KEY_VERSION
  /** The epoch of the key, or the category slot of a category key (see categorySlot.ts); bound into the seal. */
  epoch: number
  /** The sender's one-time X25519 public key (32 bytes); its secret half is discarded after wrapping. */
  ephemeralPublicKey: Uint8Array
  /** 24 random bytes. */
  nonce: Uint8Array
  /** The data key, encrypted, followed by the 16-byte tag. */
  ciphertext: Uint8Array
}

/**
 * The HKDF info, also the AEAD's associated data: both public keys and the epoch.
 *
 * @throws {CryptoError} `INVALID_INPUT` when `epoch` is not a u32. The keys' lengths are not checked here.
 */
export function wrapInfo(epoch: number, ephemeralPublicKey: Uint8Array, readerPublicKey: Uint8Array): Uint8Array {
  return concatBytes(DOMAIN, u32be(epoch), ephemeralPublicKey, readerPublicKey)
}

function keyEncryptionKey(secretKey: Uint8Array, publicKey: Uint8Array, info: Uint8Array): Uint8Array {
  let shared: Uint8Array
  try {
    // noble refuses an all-zero shared secret (a low-order public key).
    shared = x25519.getSharedSecret(secretKey, publicKey)
  } catch (cause) {
    throw new CryptoError('INVALID_KEY', 'This encryption public key is not usable (a low-order X25519 point). Ask the reader to register their key again.', { cause })
  }
  return hkdf(sha256, shared, undefined, info, 32)
}

/**
 * Wraps one epoch's data key for the reader whose X25519 public key is given, with a fresh ephemeral key
 * and nonce. The result may travel anywhere: only the reader's secret key opens it. It does not say who
 * wrapped it: anyone with the reader's public key can make one.
 *
 * @param epoch - The key's epoch, or a category slot for a category key.
 * @throws {CryptoError} `INVALID_KEY` when a key is not 32 bytes or the reader's key is a low-order point,
 *   `INVALID_INPUT` when `epoch` is not a u32.
 */
export function wrapDataKey(dataKey: Uint8Array, readerPublicKey: Uint8Array, epoch: number): WrappedKey {
  return wrapDataKeyWith(dataKey, readerPublicKey, epoch, x25519.utils.randomSecretKey(), randomBytes(NONCE_LENGTH))
}

/**
 * wrapDataKey with caller-chosen randomness, for known-answer tests only: a reused ephemeral key or
 * nonce weakens the wrap.
 *
 * @throws {CryptoError} As {@link wrapDataKey}; `INVALID_KEY` for an ephemeral key that is not 32 bytes,
 *   `INVALID_INPUT` for a nonce that is not 24 bytes.
 */
export function wrapDataKeyWith(dataKey: Uint8Array, readerPublicKey: Uint8Array, epoch: number, ephemeralSecretKey: Uint8Array, nonce: Uint8Array): WrappedKey {
  assertBytes(dataKey, DATA_KEY_LENGTH, 'A data key', 'INVALID_KEY')
  assertBytes(readerPublicKey, 32, "The reader's encryption public key", 'INVALID_KEY')
  assertBytes(ephemeralSecretKey, 32, 'An ephemeral secret key', 'INVALID_KEY')
  assertBytes(nonce, NONCE_LENGTH, 'A nonce')
  if (!isU32(epoch)) throw new CryptoError('INVALID_INPUT', `An epoch is an integer from 0 to 4294967295; got ${String(epoch)}.`)
  const ephemeralPublicKey = x25519.getPublicKey(ephemeralSecretKey)
  const info = wrapInfo(epoch, ephemeralPublicKey, readerPublicKey)
  const kek = keyEncryptionKey(ephemeralSecretKey, readerPublicKey, info)
  const ciphertext = xchacha20poly1305(kek, nonce, info).encrypt(dataKey)
  return { v: WRAPPED_KEY_VERSION, epoch, ephemeralPublicKey, nonce: nonce.slice(), ciphertext }
}

/**
 * Opens a wrapped key with the reader's X25519 secret key.
 *
 * @param readerSecretKey - Never leaves the device.
 * @returns The data key, which is kept only in the keyring and stored only inside the vault.
 * @throws {CryptoError} `INVALID_WRAPPED_KEY` when it is malformed, `INVALID_KEY` when the secret key is
 *   not 32 bytes or the ephemeral key is a low-order point, `UNWRAP_FAILED` when it was not wrapped for
 *   this key or was altered.
 */
export function unwrapDataKey(wrapped: WrappedKey, readerSecretKey: Uint8Array): Uint8Array {
  const checked = parseWrappedKey(wrapped)
  assertBytes(readerSecretKey, 32, "The reader's encryption secret key", 'INVALID_KEY')
  const info = wrapInfo(checked.epoch, checked.ephemeralPublicKey, x25519.getPublicKey(readerSecretKey))
  const kek = keyEncryptionKey(readerSecretKey, checked.ephemeralPublicKey, info)
  try {
    return xchacha20poly1305(kek, checked.nonce, info).decrypt(checked.ciphertext)
  } catch (cause) {
    throw new CryptoError(
      'UNWRAP_FAILED',
      `The data key for epoch ${checked.epoch} was not wrapped for this encryption key, or it was altered on the way. Ask the patient to share access again.`,
      { cause }
    )
  }
}

/**
 * Checks a value that came from a peer and returns it as a wrapped key (the same field objects, not copies).
 *
 * @throws {CryptoError} `INVALID_WRAPPED_KEY` for a wrong version, an epoch that is not a u32, or a field of the wrong size.
 */
export function parseWrappedKey(value: unknown): WrappedKey {
  const bad = (what: string): never => {
    throw new CryptoError('INVALID_WRAPPED_KEY', `Not a wrapped data key: ${what}.`)
  }
  if (typeof value !== 'object' || value === null) return bad(`expected an object, got ${describe(value)}`)
  const { v, epoch, ephemeralPublicKey, nonce, ciphertext } = value as Record<string, unknown>
  if (v !== WRAPPED_KEY_VERSION) return bad(`version ${String(v)} is not supported`)
  if (!isU32(epoch)) return bad('epoch must be an integer from 0 to 4294967295')
  if (!(ephemeralPublicKey instanceof Uint8Array) || ephemeralPublicKey.length !== 32) return bad('the ephemeral public key must be 32 bytes')
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_LENGTH) return bad(`the nonce must be ${NONCE_LENGTH} bytes`)
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== DATA_KEY_LENGTH + TAG_LENGTH) return bad(`the sealed key must be ${DATA_KEY_LENGTH + TAG_LENGTH} bytes`)
  return { v, epoch, ephemeralPublicKey, nonce, ciphertext }
}

/**
 * The 109-byte binary form of a wrapped key (see the top of this file).
 *
 * @throws {CryptoError} `INVALID_WRAPPED_KEY` as {@link parseWrappedKey}.
 */
export function encodeWrappedKey(wrapped: WrappedKey): Uint8Array {
  const { epoch, ephemeralPublicKey, nonce, ciphertext } = parseWrappedKey(wrapped)
  return concatBytes(Uint8Array.of(WRAPPED_KEY_VERSION), u32be(epoch), ephemeralPublicKey, nonce, ciphertext)
}

/**
 * A wrapped key from its 109-byte binary form. Nothing is unwrapped.
 *
 * @throws {CryptoError} `INVALID_WRAPPED_KEY` for another length or version.
 */
export function decodeWrappedKey(bytes: Uint8Array): WrappedKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== WRAPPED_KEY_LENGTH) {
    throw new CryptoError('INVALID_WRAPPED_KEY', `Not a wrapped data key: expected ${WRAPPED_KEY_LENGTH} bytes, got ${describe(bytes)}.`)
  }
  if (bytes[0] !== WRAPPED_KEY_VERSION) throw new CryptoError('INVALID_WRAPPED_KEY', `Not a wrapped data key: version ${String(bytes[0])} is not supported.`)
  return parseWrappedKey({
    v: WRAPPED_KEY_VERSION,
    epoch: readU32be(bytes, 1),
    ephemeralPublicKey: bytes.slice(5, 37),
    nonce: bytes.slice(37, 61),
    ciphertext: bytes.slice(61)
  })
}

/**
 * Several wrapped keys (one per epoch a reader gets) as one byte string: their encodings, back to back.
 *
 * @throws {CryptoError} `INVALID_WRAPPED_KEY` as {@link parseWrappedKey}.
 */
export function encodeWrappedKeys(keys: readonly WrappedKey[]): Uint8Array {
  return concatBytes(...keys.map(encodeWrappedKey))
}

/**
 * The wrapped keys of {@link encodeWrappedKeys}' byte string, in order.
 *
 * @throws {CryptoError} `INVALID_WRAPPED_KEY` when it is empty, not a multiple of 109 bytes, or one key is malformed.
 */
export function decodeWrappedKeys(bytes: Uint8Array): WrappedKey[] {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length % WRAPPED_KEY_LENGTH !== 0) {
    throw new CryptoError('INVALID_WRAPPED_KEY', `Not a list of wrapped data keys: expected a multiple of ${WRAPPED_KEY_LENGTH} bytes, got ${describe(bytes)}.`)
  }
  const keys: WrappedKey[] = []
  for (let at = 0; at < bytes.length; at += WRAPPED_KEY_LENGTH) keys.push(decodeWrappedKey(bytes.subarray(at, at + WRAPPED_KEY_LENGTH)))
  return keys
}

/**
 * The keys of `keyring` wrapped for one reader: what a doctor gets when a grant starts, or what a
 * guardian hands a treating doctor. With `categories` (indexes into the grant's category list),
 * only those categories' keys of each epoch, so the rest of the history stays sealed to them: derived
 * from the keyring's whole keys, and the category keys it holds itself (a guardian's keyring holds
 * nothing else), each once; without, every epoch's whole keys. Oldest epoch first, each epoch's
 * sealing key first.
 *
 * @throws {CryptoError} As {@link wrapDataKey}; `INVALID_INPUT` for a category a slot cannot name.
 */
export function wrapKeyringFor(keyring: EpochKeyring, readerPublicKey: Uint8Array, categories?: readonly number[]): WrappedKey[] {
  const keys = wholeKeys(keyring)
  if (categories === undefined) return keys.map(({ epoch, key }) => wrapDataKey(key, readerPublicKey, epoch))
  const epochs = [...new Set([...keyring.keys.keys(), ...(keyring.categories?.keys() ?? [])])].sort((a, b) => a - b)
  return epochs.flatMap((epoch) =>
    categories.flatMap((category) => {
      const derived = (keyring.keys.get(epoch) ?? []).map((key) => categoryKey(key, category))
      const held = keyring.categories?.get(epoch)?.get(category) ?? []
      const distinct = [...derived, ...held].filter((key, i, all) => all.findIndex((other) => equalBytes(other, key)) === i)
      return distinct.map((key) => wrapDataKey(key, readerPublicKey, categorySlot(epoch, category)))
    })
  )
}
