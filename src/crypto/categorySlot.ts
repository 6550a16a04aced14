// Where a category key travels: a wrapped key's epoch field holds a slot, the top bit set,
// then the epoch (27 bits) and the category (4 bits); a plain epoch number (top bit clear)
// names a whole epoch's key. Both the keyring (which files a received key by its slot) and
// the category keys (which make slots) read this layout, so it lives apart from either.
import { CryptoError } from './CryptoError.ts'

const SLOT_FLAG = 0x8000_0000
/** Categories per epoch a slot can name. */
export const MAX_CATEGORIES = 16
const MAX_SLOT_EPOCH = 2 ** 27 - 1

/**
 * Checks that `category` is an index a slot can name.
 *
 * @throws {CryptoError} `INVALID_INPUT` unless `category` is an integer from 0 to {@link MAX_CATEGORIES} - 1.
 */
export function assertCategory(category: number): void {
  if (!Number.isInteger(category) || category < 0 || category >= MAX_CATEGORIES) throw new CryptoError('INVALID_INPUT', `A category is an integer from 0 to ${MAX_CATEGORIES - 1}; got ${String(category)}.`)
}

/**
 * The slot a category key of `epoch` travels under, in a wrapped key's epoch field.
 *
 * @throws {CryptoError} `INVALID_INPUT` when `epoch` is not an integer from 0 to 2^27 - 1, or `category` is not one a slot can name.
 */
export function categorySlot(epoch: number, category: number): number {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_SLOT_EPOCH) throw new CryptoError('INVALID_INPUT', `An epoch for a category key is an integer from 0 to ${MAX_SLOT_EPOCH}; got ${String(epoch)}.`)
  assertCategory(category)
  return (SLOT_FLAG | (epoch << 4) | category) >>> 0
}

/** The epoch and category a slot names, or undefined for a plain epoch number (a whole epoch's key). */
export function parseCategorySlot(slot: number): { epoch: number; category: number } | undefined {
  if (!Number.isInteger(slot) || slot < SLOT_FLAG || slot > 0xffff_ffff) return undefined
  return { epoch: (slot - SLOT_FLAG) >>> 4, category: slot & 0xf }
}
