// Plaintexts are padded before sealing so a peer that holds only ciphertext cannot
// tell an allergy from a long report by its size. Padmé (Nikitin et al., "Reducing
// metadata leakage from encrypted files and communication with PURBs", 2019) rounds
// a length L up so that only O(log log L) bits of it leak, at most ~12 % overhead.
//
// Layout inside the AEAD: u32be(plaintext length) ‖ plaintext ‖ zero bytes.
import { readU32be, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'

/** The smallest sealed size: every short record looks alike. */
export const MIN_PADDED_LENGTH = 256
/** Records above this size belong in separate blocks (attachments), not in one log entry. */
export const MAX_PLAINTEXT_LENGTH = 16 * 1024 * 1024

/** The Padmé length for `length` bytes: `length` rounded up, keeping only its top bits (lengths below 2 unchanged). */
export function padmeLength(length: number): number {
  if (length < 2) return length
  const e = 31 - Math.clz32(length) // floor(log2 L)
  const s = 32 - Math.clz32(e) // floor(log2 e) + 1
  const unit = 2 ** (e - s)
  return Math.ceil(length / unit) * unit
}

/**
 * u32be(length) ‖ plaintext ‖ zeros, to the Padmé length of the whole and at least {@link MIN_PADDED_LENGTH} bytes.
 *
 * @throws {CryptoError} `INVALID_INPUT` when the plaintext is longer than {@link MAX_PLAINTEXT_LENGTH}.
 */
export function pad(plaintext: Uint8Array): Uint8Array {
  if (plaintext.length > MAX_PLAINTEXT_LENGTH) {
    throw new CryptoError('INVALID_INPUT', `A record is at most ${MAX_PLAINTEXT_LENGTH} bytes; got ${plaintext.length}. Store large attachments separately.`)
  }
  const out = new Uint8Array(Math.max(MIN_PADDED_LENGTH, padmeLength(4 + plaintext.length)))
  out.set(u32be(plaintext.length), 0)
  out.set(plaintext, 4)
  return out
}

/**
 * The plaintext inside a padded record, after the AEAD has authenticated it.
 *
 * @throws {CryptoError} `INVALID_ENVELOPE` when it is shorter than its length field, claims more bytes
 *   than it holds, or has non-zero padding.
 */
export function unpad(padded: Uint8Array): Uint8Array {
  if (padded.length < 4) throw new CryptoError('INVALID_ENVELOPE', 'The decrypted record is shorter than its length field.')
  const length = readU32be(padded, 0)
  if (length > padded.length - 4) throw new CryptoError('INVALID_ENVELOPE', `The decrypted record claims ${length} bytes but holds ${padded.length - 4}.`)
  for (let i = 4 + length; i < padded.length; i++) {
    if (padded[i] !== 0) throw new CryptoError('INVALID_ENVELOPE', 'The decrypted record has non-zero padding: it was written by a faulty client.')
  }
  return padded.slice(4, 4 + length)
}
