// The byte layouts of the crypto formats are built from two pieces: a fixed-width
// big-endian u32 and a u32-length-prefixed byte string. Nothing here is secret.
import { concatBytes } from '@noble/hashes/utils.js'
import { CryptoError } from './CryptoError.ts'

/** The largest value a u32 field (an epoch, a length) holds: 2^32 - 1. */
export const U32_MAX = 0xffff_ffff

/** Whether `value` is an integer from 0 to {@link U32_MAX}, so it fits a u32 field. */
export function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= U32_MAX
}

/**
 * `value` as 4 bytes, big-endian.
 *
 * @throws {CryptoError} `INVALID_INPUT` when `value` is not an integer from 0 to {@link U32_MAX}.
 */
export function u32be(value: number): Uint8Array {
  if (!isU32(value)) throw new CryptoError('INVALID_INPUT', `Expected an integer from 0 to ${U32_MAX}; got ${String(value)}.`)
  // Byte by byte: a DataView would need the small array's buffer, which the engine then moves off its heap, once per field sealed.
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
}

/**
 * The big-endian u32 at `offset` of `bytes`. Unchecked: the caller has checked the length
 * (a read past the end throws a RangeError, not a CryptoError).
 */
export function readU32be(bytes: Uint8Array, offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset + 4 > bytes.length) throw new RangeError(`Offset ${offset} is outside the bounds of ${bytes.length} bytes.`)
  return (bytes[offset] as number) * 0x1000000 + (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number))
}

/** u32be(length) ‖ bytes: no two different field lists encode to the same bytes. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32be(bytes.length), bytes)
}

// One encoder and one strict decoder for the module: a reader opens short text fields (record ids,
// writers) by the thousand, and making a coder for each cost more than the coding.
// The decoder keeps a leading byte order mark as text: the bytes decode to the text they encode.
const utf8Encoder = new TextEncoder()
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * `text` in UTF-8.
 *
 * @throws {TypeError} When `text` is not a string (an encoder would write `undefined` as no bytes).
 */
export function utf8Bytes(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`Expected a string to encode; got ${describe(text)}.`)
  return utf8Encoder.encode(text)
}

/**
 * Whether `text` is at most `maxBytes` bytes of UTF-8. A UTF-16 unit takes 1 to 3 bytes, so only
 * a text whose length leaves it in doubt is encoded.
 */
export function fitsUtf8(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return true
  return text.length <= maxBytes && utf8Encoder.encode(text).length <= maxBytes
}

/**
 * `bytes` as UTF-8 text, a leading byte order mark included.
 *
 * @throws {TypeError} When `bytes` are not UTF-8.
 */
export function strictUtf8Text(bytes: Uint8Array): string {
  return strictUtf8Decoder.decode(bytes)
}

/** A domain label or a text field, UTF-8 and length-prefixed. */
export function lengthPrefixedText(text: string): Uint8Array {
  return lengthPrefixed(utf8Bytes(text))
}

/**
 * Checks at the boundary that `value` is a Uint8Array of exactly `length` bytes.
 *
 * @param what - What the value is, capitalised, for the message ("A data key").
 * @param code - The code to throw: `INVALID_KEY` for key material, `INVALID_INPUT` (the default) otherwise.
 * @throws {CryptoError} `code` when `value` is not a Uint8Array or has another length.
 */
export function assertBytes(value: unknown, length: number, what: string, code: 'INVALID_KEY' | 'INVALID_INPUT' = 'INVALID_INPUT'): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CryptoError(code, `${what} must be a Uint8Array; got ${describe(value)}.`)
  if (value.length !== length) throw new CryptoError(code, `${what} has ${length} bytes; got ${value.length}.`)
}

/** What `value` is, for an error message: its length for bytes, its type otherwise; never its contents, which may be secret. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}
