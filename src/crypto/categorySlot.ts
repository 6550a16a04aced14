// Where a category key travels: a wrapped key's epoch field holds a slot, the top bit set,
// then the epoch (27 bits) and the category (4 bits); a plain epoch number names a whole
// epoch's key. Epochs stop at 2^27 - 1, so a whole epoch's number is always below 2^27 and
// can never be read as a slot (at 2^31 and above); a field between the two names nothing and
// is refused. Both the keyring (which files a received key by its field) and the category
// keys (which make slots) read this layout, so it lives apart from either.
import { CryptoError } from './CryptoError.ts'

const SLOT_FLAG = 0x8000_0000
/** Categories per epoch a slot can name. */
export const MAX_CATEGORIES = 16
/** The last epoch a history can reach: a slot has room for 27 bits of epoch. */
export const MAX_EPOCH = 2 ** 27 - 1

/** Whether `epoch` is an epoch number a history can reach: an integer from 0 to {@link MAX_EPOCH}. */
export function isEpoch(epoch: unknown): epoch is number {
  return typeof epoch === 'number' && Number.isInteger(epoch) && epoch >= 0 && epoch <= MAX_EPOCH
}

/**
 * Checks that `epoch` is an epoch number a history can reach.
 *
 * @throws {CryptoError} `INVALID_INPUT` unless `epoch` is an integer from 0 to {@link MAX_EPOCH}.
 */
export function assertEpoch(epoch: unknown): asserts epoch is number {
  if (!isEpoch(epoch)) throw new CryptoError('INVALID_INPUT', `An epoch is an integer from 0 to ${MAX_EPOCH}; got ${String(epoch)}.`)
}

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
 * @throws {CryptoError} `INVALID_INPUT` when `epoch` is not an integer from 0 to {@link MAX_EPOCH}, or `category` is not one a slot can name.
 */
export function categorySlot(epoch: number, category: number): number {
  assertEpoch(epoch)
  assertCategory(category)
  return (SLOT_FLAG | (epoch << 4) | category) >>> 0
}

/**
 * What a wrapped key's epoch field names: a whole epoch's key (no `category`), or one category's key of an epoch.
 *
 * @throws {CryptoError} `INVALID_INPUT` for a field that is neither: not an integer, above 2^32 - 1, or between
 *   {@link MAX_EPOCH} and 2^31 (a whole epoch that no history reaches).
 */
export function parseKeyField(field: number): { epoch: number; category?: number } {
  if (isEpoch(field)) return { epoch: field }
  if (Number.isInteger(field) && field >= SLOT_FLAG && field <= 0xffff_ffff) return { epoch: (field - SLOT_FLAG) >>> 4, category: field & 0xf }
  throw new CryptoError('INVALID_INPUT', `A key's epoch field names an epoch from 0 to ${MAX_EPOCH} or a category slot; got ${String(field)}.`)
}
