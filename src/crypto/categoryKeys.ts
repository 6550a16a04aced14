// One key per kind of record within an epoch, so a grant's categories are enforced by
// encryption: a record is sealed under the key of its category, derived from the epoch's
// data key; the patient (who holds the epoch key) derives them all, a doctor receives only
// those of the categories granted. The envelope does not say which category sealed it (a
// reader tries the keys it holds), so the ciphertext does not reveal what kind of record it is.
//
// A category key travels in a wrapped key whose epoch field is a slot: the top bit set,
// then the epoch (27 bits) and the category (4 bits).
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { assertBytes } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { addEpochKey, type EpochKeyring } from './keyring.ts'
import { DATA_KEY_LENGTH } from './recordEnvelope.ts'

const CATEGORY_KEY_SALT = utf8ToBytes('anamnesis/category-key/v1')
const SLOT_FLAG = 0x8000_0000
/** Categories per epoch a slot can name. */
export const MAX_CATEGORIES = 16
const MAX_SLOT_EPOCH = 2 ** 27 - 1

const derived = new WeakMap<Uint8Array, Uint8Array[]>()

/** The key of `category` (its index in the grant's category list) within the epoch whose data key is `epochKey`. */
export function categoryKey(epochKey: Uint8Array, category: number): Uint8Array {
  assertBytes(epochKey, DATA_KEY_LENGTH, 'An epoch key', 'INVALID_KEY')
  if (!Number.isInteger(category) || category < 0 || category >= MAX_CATEGORIES) throw new CryptoError('INVALID_INPUT', `A category is an integer from 0 to ${MAX_CATEGORIES - 1}; got ${String(category)}.`)
  let keys = derived.get(epochKey)
  if (keys === undefined) derived.set(epochKey, (keys = []))
  return (keys[category] ??= hkdf(sha256, epochKey, CATEGORY_KEY_SALT, Uint8Array.of(category), DATA_KEY_LENGTH))
}

/** The slot a category key of `epoch` travels under. */
export function categorySlot(epoch: number, category: number): number {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_SLOT_EPOCH) throw new CryptoError('INVALID_INPUT', `An epoch for a category key is an integer from 0 to ${MAX_SLOT_EPOCH}; got ${String(epoch)}.`)
  if (!Number.isInteger(category) || category < 0 || category >= MAX_CATEGORIES) throw new CryptoError('INVALID_INPUT', `A category is an integer from 0 to ${MAX_CATEGORIES - 1}; got ${String(category)}.`)
  return (SLOT_FLAG | (epoch << 4) | category) >>> 0
}

/** The epoch and category a slot names, or undefined for a plain epoch number (a whole epoch's key). */
export function parseCategorySlot(slot: number): { epoch: number; category: number } | undefined {
  if (!Number.isInteger(slot) || slot < SLOT_FLAG || slot > 0xffff_ffff) return undefined
  return { epoch: (slot - SLOT_FLAG) >>> 4, category: slot & 0xf }
}

/** Every key this keyring holds for records of `epoch`, by category: derived from the epoch key, or received one by one. */
export function categoryKeysFor(keyring: EpochKeyring, epoch: number, categories: number): { category: number; key: Uint8Array }[] {
  const root = keyring.keys.get(epoch)
  if (root !== undefined) return Array.from({ length: categories }, (_, category) => ({ category, key: categoryKey(root, category) }))
  return [...(keyring.categories?.get(epoch) ?? new Map<number, Uint8Array>())].map(([category, key]) => ({ category, key }))
}

/** The key new records of `category` are sealed under: the current epoch's. */
export function sealingKey(keyring: EpochKeyring, category: number, categoryName = `category ${category}`): { epoch: number; key: Uint8Array } {
  const epoch = keyring.current
  const root = keyring.keys.get(epoch)
  if (root !== undefined) return { epoch, key: categoryKey(root, category) }
  const key = keyring.categories?.get(epoch)?.get(category)
  if (key === undefined) throw new CryptoError('NOT_GRANTED', `Your access does not cover ${categoryName}: the patient did not share this kind of record with you.`)
  return { epoch, key }
}

/** A reader's keyring from keys it received by slot (whole epochs or single categories). */
export function readerKeyringFromSlots(keys: readonly { slot: number; key: Uint8Array }[]): EpochKeyring {
  let keyring: EpochKeyring = { current: 0, keys: new Map() }
  for (const { slot, key } of keys) keyring = addEpochKey(keyring, slot, key)
  return keyring
}
