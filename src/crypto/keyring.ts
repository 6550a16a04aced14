// Data keys by epoch. The patient's keyring starts at epoch 0 and moves to a new epoch
// on every revocation, each key derived from the patient's secret (deriveDataKey.ts); old
// keys stay so old records stay readable. A reader's keyring holds only the epochs that
// were wrapped for them.
//
// Binary form (encodeKeyring): 0x01 ‖ u32be(current) ‖ u32be(count) ‖ count × (u32be(epoch) ‖ key (32))
import { concatBytes } from '@noble/hashes/utils.js'
import { assertBytes, isU32, readU32be, U32_MAX, u32be } from './binaryFields.ts'
import { parseCategorySlot } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { DATA_KEY_LENGTH } from './recordEnvelope.ts'

/**
 * Data keys by epoch, never changed in place: {@link addEpochKey} returns a new keyring. The keys never leave
 * the device unwrapped; a keyring is stored only inside the vault ({@link encodeKeyring}).
 */
export interface EpochKeyring {
  /** The newest epoch: new records are sealed under its key. */
  readonly current: number
  /** Whole epochs' keys (the patient's, or a reader's with access to every category). */
  readonly keys: ReadonlyMap<number, Uint8Array>
  /** A reader's keys for single categories, by epoch then category (see categoryKeys.ts). */
  readonly categories?: ReadonlyMap<number, ReadonlyMap<number, Uint8Array>>
}

/**
 * The current epoch and its whole data key: what the patient seals new records under.
 *
 * @throws {CryptoError} `UNKNOWN_EPOCH` when the keyring holds no whole key for its current epoch
 *   (a reader with category keys only).
 */
export function currentKey(keyring: EpochKeyring): { epoch: number; key: Uint8Array } {
  return { epoch: keyring.current, key: keyForEpoch(keyring, keyring.current) }
}

/**
 * The whole data key of `epoch`.
 *
 * @throws {CryptoError} `UNKNOWN_EPOCH` when the keyring holds none for it.
 */
export function keyForEpoch(keyring: EpochKeyring, epoch: number): Uint8Array {
  const key = keyring.keys.get(epoch)
  if (key === undefined) {
    throw new CryptoError('UNKNOWN_EPOCH', `No data key for epoch ${epoch}: this record was written after your access ended, or its key has not reached this device yet.`)
  }
  return key
}

/**
 * A reader adds a key it unwrapped: a whole epoch's, or (when `epoch` is a category slot,
 * see categorySlot.ts) one category's. A key never changes once known. The key is copied;
 * the keyring given is not changed, and is returned as is when the key was already known.
 *
 * @param keyring - The keyring so far, or undefined to start one.
 * @param epoch - An epoch, or a category slot.
 * @throws {CryptoError} `INVALID_INPUT` when `epoch` is not an integer from 0 to 2^32 - 1,
 *   `INVALID_KEY` when `key` is not 32 bytes or a different key is already known for that epoch or slot.
 */
export function addEpochKey(keyring: EpochKeyring | undefined, epoch: number, key: Uint8Array): EpochKeyring {
  if (!isU32(epoch)) throw new CryptoError('INVALID_INPUT', `An epoch is an integer from 0 to ${U32_MAX}; got ${String(epoch)}.`)
  assertBytes(key, DATA_KEY_LENGTH, 'A data key', 'INVALID_KEY')
  const slot = parseCategorySlot(epoch)
  if (slot !== undefined) {
    const known = keyring?.categories?.get(slot.epoch)?.get(slot.category)
    if (known !== undefined) {
      if (known.every((byte, i) => byte === key[i]) && keyring !== undefined) return keyring
      throw new CryptoError('INVALID_KEY', `A different key for category ${slot.category} of epoch ${slot.epoch} is already known: refusing to replace it.`)
    }
    const categories = new Map(keyring?.categories ?? [])
    categories.set(slot.epoch, new Map([...(categories.get(slot.epoch) ?? []), [slot.category, key.slice()]]))
    return { current: Math.max(keyring?.current ?? slot.epoch, slot.epoch), keys: keyring?.keys ?? new Map(), categories }
  }
  const known = keyring?.keys.get(epoch)
  if (known !== undefined) {
    if (known.every((byte, i) => byte === key[i])) return keyring ?? { current: epoch, keys: new Map([[epoch, key]]) }
    throw new CryptoError('INVALID_KEY', `A different key for epoch ${epoch} is already known: refusing to replace it.`)
  }
  const keys = new Map(keyring?.keys ?? [])
  keys.set(epoch, key.slice())
  return { ...(keyring?.categories === undefined ? {} : { categories: keyring.categories }), current: Math.max(keyring?.current ?? epoch, epoch), keys }
}

/**
 * The binary form of a keyring's whole epoch keys (see the top of this file), to be stored only
 * through the key vault: it holds every key in the clear. Category keys are not included.
 *
 * @throws {CryptoError} `INVALID_INPUT` when an epoch does not fit a u32.
 */
export function encodeKeyring(keyring: EpochKeyring): Uint8Array {
  const epochs = [...keyring.keys.keys()].sort((a, b) => a - b)
  return concatBytes(
    Uint8Array.of(1),
    u32be(keyring.current),
    u32be(epochs.length),
    ...epochs.map((epoch) => concatBytes(u32be(epoch), keyForEpoch(keyring, epoch)))
  )
}

/**
 * A keyring from its binary form ({@link encodeKeyring}).
 *
 * @throws {CryptoError} `INVALID_INPUT` for an unknown format, a wrong length, a repeated epoch,
 *   or a current epoch without its key.
 */
export function decodeKeyring(bytes: Uint8Array): EpochKeyring {
  const bad = (what: string): never => {
    throw new CryptoError('INVALID_INPUT', `Not a stored keyring: ${what}.`)
  }
  if (!(bytes instanceof Uint8Array) || bytes.length < 9 || bytes[0] !== 1) return bad('unknown format')
  const current = readU32be(bytes, 1)
  const count = readU32be(bytes, 5)
  if (bytes.length !== 9 + count * (4 + DATA_KEY_LENGTH)) return bad('wrong length')
  const keys = new Map<number, Uint8Array>()
  for (let i = 0; i < count; i++) {
    const at = 9 + i * (4 + DATA_KEY_LENGTH)
    keys.set(readU32be(bytes, at), bytes.slice(at + 4, at + 4 + DATA_KEY_LENGTH))
  }
  if (keys.size !== count || !keys.has(current)) return bad('epochs repeat or the current one is missing')
  return { current, keys }
}
