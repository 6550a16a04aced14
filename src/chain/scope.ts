// What a grant opens: record categories (one contract bit each) and the "may write" bit,
// as names the app uses and the bitmask the contract stores.
import { CATEGORIES, CATEGORY_WORDS, type Category } from '../history/categories.ts'
import { EMERGENCY_CATEGORIES } from '../history/emergencyCategories.ts'
import { ChainError } from './ChainError.ts'

/**
 * The record categories in the order of their bits in the contract's scope (bit 0 first): the
 * history's list itself, as the data keys a grant hands over are one per category in this order.
 */
export const recordCategories = CATEGORIES

/** A record category a grant can open: `conditions`, `medications`, …. */
export type RecordCategory = Category

/** What a doctor may see and do: the categories they may read and whether they may add records. */
export interface Scope {
  categories: readonly RecordCategory[]
  mayWrite: boolean
}

/** What an emergency grant opens: the emergency categories, read only; a guardian hands on their keys and no other. */
export const EMERGENCY_SCOPE: Scope = { categories: EMERGENCY_CATEGORIES, mayWrite: false }

/** The contract's "may write" bit (bit 15), above the category bits. */
export const MAY_WRITE_BIT = 0x8000
const CATEGORY_BITS = (1 << recordCategories.length) - 1

/**
 * The scope as the contract's bitmask: bit i for `recordCategories[i]`, and {@link MAY_WRITE_BIT}.
 *
 * @throws {ChainError} `INVALID_INPUT` for an unknown category, or for no category at all, since it opens nothing.
 */
export function encodeScope(scope: Scope): number {
  let mask = 0
  for (const category of scope.categories) {
    const bit = recordCategories.indexOf(category)
    if (bit < 0) throw new ChainError('INVALID_INPUT', `"${category}" is not a record category; choose from ${recordCategories.join(', ')}.`)
    mask |= 1 << bit
  }
  if (mask === 0) throw new ChainError('INVALID_INPUT', 'Choose at least one kind of record to share: a grant of nothing would open nothing.')
  return scope.mayWrite ? mask | MAY_WRITE_BIT : mask
}

/**
 * The scope a bitmask from the chain stands for.
 *
 * @throws {ChainError} `INVALID_INPUT` for a bit the app does not know: app and contract disagree.
 */
export function decodeScope(mask: number): Scope {
  if (!Number.isInteger(mask) || mask < 0 || (mask & ~(CATEGORY_BITS | MAY_WRITE_BIT)) !== 0) {
    throw new ChainError('INVALID_INPUT', `The ledger reported a scope (0x${mask.toString(16)}) with categories this app does not know: update the app.`)
  }
  return {
    categories: recordCategories.filter((_, bit) => (mask & (1 << bit)) !== 0),
    mayWrite: (mask & MAY_WRITE_BIT) !== 0
  }
}

/** The scope in words: "read access to conditions, medications", or "read and write access to all records". */
export function describeScope(scope: Scope): string {
  const access = scope.mayWrite ? 'read and write access' : 'read access'
  const chosen = recordCategories.filter((category) => scope.categories.includes(category))
  if (chosen.length === 0) return `${access} to no records`
  if (chosen.length === recordCategories.length) return `${access} to all records`
  return `${access} to ${chosen.map((category) => CATEGORY_WORDS[category]).join(', ')}`
}
