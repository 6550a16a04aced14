// One key per kind of record within an epoch, so a grant's categories are enforced by
// encryption: a record is sealed under the key of its category, derived from the epoch's
// data key; the patient (who holds the epoch key) derives them all, a doctor receives only
// those of the categories granted (under a slot, categorySlot.ts). The envelope does not say
// which category sealed it (a reader tries the keys it holds), so the ciphertext does not
// reveal what kind of record it is.
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { assertBytes } from './binaryFields.ts'
import { assertCategory } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import type { EpochKeyring } from './keyring.ts'
import { DATA_KEY_LENGTH } from './recordEnvelope.ts'

const CATEGORY_KEY_SALT = utf8ToBytes('anamnesis/category-key/v1')

const derived = new WeakMap<Uint8Array, Uint8Array[]>()

/**
 * The key of `category` (its index in the grant's category list) within the epoch whose data key is `epochKey`:
 * HKDF-SHA256(epochKey, salt, u8(category)). Derived once per key object and cached, so the same
 * Uint8Array comes back each time: callers must not change it. Like every data key, it is
 * wrapped before it leaves the device and stored only inside the vault.
 *
 * @throws {CryptoError} `INVALID_KEY` when `epochKey` is not 32 bytes, `INVALID_INPUT` when
 *   `category` is not an integer from 0 to {@link MAX_CATEGORIES} - 1.
 */
export function categoryKey(epochKey: Uint8Array, category: number): Uint8Array {
  assertBytes(epochKey, DATA_KEY_LENGTH, 'An epoch key', 'INVALID_KEY')
  assertCategory(category)
  let keys = derived.get(epochKey)
  if (keys === undefined) derived.set(epochKey, (keys = []))
  return (keys[category] ??= hkdf(sha256, epochKey, CATEGORY_KEY_SALT, Uint8Array.of(category), DATA_KEY_LENGTH))
}

/**
 * Every key this keyring holds for records of `epoch`, by category: derived from each of the epoch's whole
 * keys, then those received one by one. Empty when the keyring holds nothing for `epoch`.
 *
 * @param categories - How many categories the grant's list has; used only for the whole epoch keys held.
 * @throws {CryptoError} `INVALID_INPUT` when a whole epoch key is held and `categories` exceeds {@link MAX_CATEGORIES}.
 */
export function categoryKeysFor(keyring: EpochKeyring, epoch: number, categories: number): { category: number; key: Uint8Array }[] {
  const derivedKeys = (keyring.keys.get(epoch) ?? []).flatMap((root) => Array.from({ length: categories }, (_, category) => ({ category, key: categoryKey(root, category) })))
  const received = [...(keyring.categories?.get(epoch) ?? new Map<number, readonly Uint8Array[]>())].flatMap(([category, keys]) => keys.map((key) => ({ category, key })))
  return [...derivedKeys, ...received]
}

/**
 * The key new records of `category` are sealed under: the current epoch's sealing key.
 *
 * @param categoryName - How the category is named to the user in the message, when it is not granted.
 * @throws {CryptoError} `NOT_GRANTED` when the keyring holds neither the current epoch's whole key nor
 *   this category's key for it; `INVALID_INPUT` for a category a slot cannot name, when the whole key is held.
 */
export function sealingKey(keyring: EpochKeyring, category: number, categoryName = `category ${category}`): { epoch: number; key: Uint8Array } {
  const epoch = keyring.current
  const root = keyring.keys.get(epoch)?.[0]
  if (root !== undefined) return { epoch, key: categoryKey(root, category) }
  const key = keyring.categories?.get(epoch)?.get(category)?.[0]
  if (key === undefined) throw new CryptoError('NOT_GRANTED', `Your access does not cover ${categoryName}: the patient did not share this kind of record with you.`)
  return { epoch, key }
}
