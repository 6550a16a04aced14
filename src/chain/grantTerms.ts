// A grant's terms as the contract takes, stores and logs them: one word with the expiry in
// bits 0-63 (unix seconds, the first second the grant is no longer live) and the scope in bits 64-79.
import { ChainError } from './ChainError.ts'
import { decodeScope, encodeScope, type Scope } from './scope.ts'

/** The longest a patient's grant may run: one year (the contract's bound). */
export const MAX_GRANT_SECONDS = 365n * 24n * 3600n
/** The longest a guardian's emergency grant may run: 72 hours (the contract's bound). */
export const MAX_EMERGENCY_GRANT_SECONDS = 72n * 3600n

const EXPIRY_BITS = 64n
const EXPIRY_MASK = (1n << EXPIRY_BITS) - 1n

/** A grant's terms: when it ends and what it opens. */
export interface GrantTerms {
  /** The first second (unix time) at which the grant is no longer live. */
  expiry: bigint
  scope: Scope
}

/**
 * The terms as the one word the contract takes: the expiry in bits 0-63, the scope in bits 64-79.
 *
 * @throws {ChainError} `INVALID_INPUT` when the expiry is not a positive 64-bit number or the scope opens nothing.
 */
export function encodeTerms({ expiry, scope }: GrantTerms): bigint {
  if (expiry <= 0n || expiry > EXPIRY_MASK) throw new ChainError('INVALID_INPUT', 'The end of the grant is not a valid date.')
  return expiry | (BigInt(encodeScope(scope)) << EXPIRY_BITS)
}

/**
 * The expiry and scope in a terms word read from the chain.
 *
 * @throws {ChainError} `INVALID_INPUT` when the word holds scope bits this app does not know.
 */
export function decodeTerms(terms: bigint): GrantTerms {
  const scopeBits = terms >> EXPIRY_BITS
  if (terms < 0n || scopeBits > 0xffffn) throw new ChainError('INVALID_INPUT', 'The ledger reported grant terms this app cannot read: update the app.')
  return { expiry: terms & EXPIRY_MASK, scope: decodeScope(Number(scopeBits)) }
}

/**
 * Unix seconds of a Date (its milliseconds round down); a bigint is taken as unix seconds already.
 *
 * @throws {ChainError} `INVALID_INPUT` for an invalid Date.
 */
export function toUnixSeconds(when: Date | bigint): bigint {
  if (typeof when === 'bigint') return when
  const ms = when.getTime()
  if (Number.isNaN(ms)) throw new ChainError('INVALID_INPUT', 'The end of the grant is not a valid date.')
  return BigInt(Math.floor(ms / 1000))
}

/**
 * The terms word for a grant ending at `expiry` that may run at most `maxSeconds` from `now`
 * (unix seconds), checked as the contract will check them, so a bad date never reaches a wallet.
 *
 * @param maxSeconds - The longest the grant may run: {@link MAX_GRANT_SECONDS} or {@link MAX_EMERGENCY_GRANT_SECONDS}.
 * @throws {ChainError} `INVALID_INPUT` when the expiry is invalid, not after `now` or too far
 *   ahead, or the scope opens nothing.
 */
export function prepareTerms({ expiry, scope, now, maxSeconds }: { expiry: Date | bigint; scope: Scope; now: bigint; maxSeconds: bigint }): bigint {
  const seconds = toUnixSeconds(expiry)
  if (seconds <= now) throw new ChainError('INVALID_INPUT', 'The end date has already passed. Choose a date in the future.')
  if (seconds - now > maxSeconds) {
    const limit = maxSeconds === MAX_EMERGENCY_GRANT_SECONDS ? '72 hours' : maxSeconds === MAX_GRANT_SECONDS ? 'one year' : `${maxSeconds} seconds`
    throw new ChainError('INVALID_INPUT', `The end date is too far ahead: this grant may last at most ${limit}. Choose an earlier date.`)
  }
  return encodeTerms({ expiry: seconds, scope })
}
