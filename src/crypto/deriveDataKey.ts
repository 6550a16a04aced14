// The data keys of a patient's own history. Epoch 0's key is derived from the patient's X25519
// secret key, so every device with the wallet holds it from the start: a new history needs no
// entry in the log, and two devices opening it cannot race. Every later epoch's key is random,
// made by the device that moves the history on and carried in a key drop addressed to the
// patient's own key (keyDrop.ts), so signing again never gives a later key, and a secret of an
// older key version opens nothing sealed after it was replaced. Deriving epoch 0 exposes nothing
// the secret does not already open: every key drop addressed to the patient.
import { randomBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { assertBytes, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { addEpochKey, type EpochKeyring } from './keyring.ts'
import { DATA_KEY_LENGTH } from './recordEnvelope.ts'

const DATA_KEY_SALT = utf8ToBytes('anamnesis/history-data-key/v1')
const OWNER = /^0x[0-9a-f]{40}$/

/**
 * The data key of epoch 0 of `owner`'s history: HKDF-SHA256(secret, salt, owner ‖ u32be(0)).
 * It never leaves the device unwrapped.
 *
 * @param encryptionSecretKey - The patient's X25519 secret key; only the patient holds it.
 * @param owner - The history owner's wallet address, in any letter case.
 * @throws {CryptoError} `INVALID_KEY` when the secret is not 32 bytes, `INVALID_INPUT` for an owner
 *   that is not a wallet address.
 */
export function firstEpochKey(encryptionSecretKey: Uint8Array, owner: string): Uint8Array {
  assertBytes(encryptionSecretKey, 32, 'An encryption secret key', 'INVALID_KEY')
  const address = owner.toLowerCase()
  if (!OWNER.test(address)) throw new CryptoError('INVALID_INPUT', `Expected the history owner's wallet address; got "${owner}".`)
  return hkdf(sha256, encryptionSecretKey, DATA_KEY_SALT, concatBytes(utf8ToBytes(address), u32be(0)), DATA_KEY_LENGTH)
}

/**
 * The owner's keyring as a device starts it: epoch 0's key alone. Later epochs come from the key
 * drops in the history.
 *
 * @throws {CryptoError} As {@link firstEpochKey}.
 */
export function firstEpochKeyring(encryptionSecretKey: Uint8Array, owner: string): EpochKeyring {
  return addEpochKey(undefined, 0, firstEpochKey(encryptionSecretKey, owner))
}

/** A fresh random data key for a new epoch (the platform's CSPRNG, through noble). */
export function newEpochKey(): Uint8Array {
  return randomBytes(DATA_KEY_LENGTH)
}
