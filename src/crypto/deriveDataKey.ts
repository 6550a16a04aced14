// The data keys of a patient's own history, one per epoch, derived from the patient's
// X25519 secret key (itself derived from their wallet's signature). So the wallet alone
// recovers every data key on a new device: the epochs in use are read from the log's
// envelopes, which carry their epoch in the clear. A doctor never holds the secret and
// cannot derive a later epoch; they get only the keys the patient wraps for them.
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { assertBytes, isU32, U32_MAX, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { addEpochKey, type EpochKeyring } from './keyring.ts'
import { DATA_KEY_LENGTH } from './recordEnvelope.ts'

const DATA_KEY_SALT = utf8ToBytes('anamnesis/history-data-key/v1')
const OWNER = /^0x[0-9a-f]{40}$/

/**
 * The data key of `owner`'s history for `epoch`: HKDF-SHA256(secret, salt, owner ‖ u32be(epoch)).
 * It never leaves the device unwrapped and is stored only inside the vault.
 *
 * @param encryptionSecretKey - The patient's X25519 secret key; only the patient holds it.
 * @param owner - The history owner's wallet address, in any letter case.
 * @throws {CryptoError} `INVALID_KEY` when the secret is not 32 bytes, `INVALID_INPUT` for an owner
 *   that is not a wallet address or an epoch that is not an integer from 0 to 2^32 - 1.
 */
export function deriveDataKey(encryptionSecretKey: Uint8Array, owner: string, epoch: number): Uint8Array {
  assertBytes(encryptionSecretKey, 32, 'An encryption secret key', 'INVALID_KEY')
  const address = owner.toLowerCase()
  if (!OWNER.test(address)) throw new CryptoError('INVALID_INPUT', `Expected the history owner's wallet address; got "${owner}".`)
  if (!isU32(epoch)) throw new CryptoError('INVALID_INPUT', `An epoch is an integer from 0 to ${U32_MAX}; got ${String(epoch)}.`)
  return hkdf(sha256, encryptionSecretKey, DATA_KEY_SALT, concatBytes(utf8ToBytes(address), u32be(epoch)), DATA_KEY_LENGTH)
}

/**
 * The owner's keyring with every epoch from 0 to `current`, each derived: one HKDF per epoch.
 *
 * @throws {CryptoError} As {@link deriveDataKey}.
 */
export function derivedKeyring(encryptionSecretKey: Uint8Array, owner: string, current: number): EpochKeyring {
  if (!isU32(current)) throw new CryptoError('INVALID_INPUT', `An epoch is an integer from 0 to ${U32_MAX}; got ${String(current)}.`)
  let keyring: EpochKeyring | undefined
  for (let epoch = 0; epoch <= current; epoch++) keyring = addEpochKey(keyring, epoch, deriveDataKey(encryptionSecretKey, owner, epoch))
  if (keyring === undefined) throw new CryptoError('INVALID_INPUT', 'No epoch to derive.')
  return keyring
}
