// One record sealed for the log: XChaCha20-Poly1305 under the epoch's data key, with
// associated data that binds the record id, the epoch and the writer, so a ciphertext
// moved to another record, epoch or writer fails to open instead of being misread.
//
// Associated data (all integers big-endian):
//   u32be(len) ‖ "anamnesis/record-envelope/v1"   domain label
//   u32be(epoch)                                  fixed width
//   u32be(len) ‖ UTF-8(record id)
//   u32be(len) ‖ UTF-8(writer)                    as given; callers pass one canonical form
//
// Binary form of an envelope (encodeEnvelope):
//   0x01 ‖ u32be(epoch) ‖ u8(len) ‖ UTF-8(record id) ‖ nonce (24) ‖ ciphertext (padded plaintext + 16-byte tag)
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { assertBytes, describe, fitsUtf8, isU32, lengthPrefixedText, readU32be, strictUtf8Text, u32be, utf8Bytes } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { pad, unpad } from './padding.ts'

/** The envelope format this app writes and reads (an envelope's `v` and its first byte). */
export const ENVELOPE_VERSION = 1
/** XChaCha20-Poly1305's nonce: 24 bytes, large enough to be drawn at random for every record. */
export const NONCE_LENGTH = 24
/** The Poly1305 tag that ends every ciphertext. */
export const TAG_LENGTH = 16
/** Every data key (an epoch's, a category's) is 32 bytes. */
export const DATA_KEY_LENGTH = 32
const MAX_RECORD_ID_BYTES = 255
const MAX_WRITER_BYTES = 255
const DOMAIN = lengthPrefixedText('anamnesis/record-envelope/v1')

/** One sealed record as it travels in the log: everything but the ciphertext is in the clear. */
export interface RecordEnvelope {
  v: typeof ENVELOPE_VERSION
  /** The record's entry id, in the clear so a reader can rebuild the associated data. Random, so it says nothing. */
  id: string
  /** Which data key sealed it. */
  epoch: number
  nonce: Uint8Array
  /** Padded plaintext, encrypted, followed by the 16-byte Poly1305 tag. */
  ciphertext: Uint8Array
}

/** What a ciphertext is bound to. The writer comes from the log entry's signed identity, never from the envelope. */
export interface RecordBinding {
  /** The entry's id: 1 to 255 bytes of UTF-8. */
  recordId: string
  /** The epoch of the data key that seals it. */
  epoch: number
  /** Who wrote it, 1 to 255 bytes of UTF-8, compared byte for byte: callers pass one canonical form. */
  writer: string
}

function checkText(value: unknown, what: string, maxBytes: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new CryptoError('INVALID_INPUT', `${what} must be a non-empty string; got ${describe(value)}.`)
  if (!fitsUtf8(value, maxBytes)) throw new CryptoError('INVALID_INPUT', `${what} is at most ${maxBytes} bytes of UTF-8.`)
  return value
}

function checkEpoch(epoch: unknown): number {
  if (!isU32(epoch)) throw new CryptoError('INVALID_INPUT', `An epoch is an integer from 0 to 4294967295; got ${String(epoch)}.`)
  return epoch
}

/**
 * The associated data for a record: see the layout at the top of this file.
 *
 * @throws {CryptoError} `INVALID_INPUT` for an epoch that is not a u32, or a record id or writer that is empty or over 255 bytes.
 */
export function recordAssociatedData(binding: RecordBinding): Uint8Array {
  return concatBytes(
    DOMAIN,
    u32be(checkEpoch(binding.epoch)),
    lengthPrefixedText(checkText(binding.recordId, 'A record id', MAX_RECORD_ID_BYTES)),
    lengthPrefixedText(checkText(binding.writer, 'A writer', MAX_WRITER_BYTES))
  )
}

/**
 * Seals one record's plaintext, padded, under the epoch's data key with a fresh random 24-byte nonce.
 *
 * @param dataKey - The key of `binding.epoch` (an epoch's or a category's); never leaves the device unwrapped.
 * @throws {CryptoError} `INVALID_KEY` when the key is not 32 bytes, `INVALID_INPUT` for a plaintext that
 *   is not bytes or is over 16 MiB, or a binding {@link recordAssociatedData} refuses.
 */
export function sealRecord(plaintext: Uint8Array, dataKey: Uint8Array, binding: RecordBinding): RecordEnvelope {
  return sealRecordWithNonce(plaintext, dataKey, binding, randomBytes(NONCE_LENGTH))
}

/**
 * sealRecord with a caller-chosen nonce, for known-answer tests only: a repeated nonce under one key breaks confidentiality.
 *
 * @throws {CryptoError} As {@link sealRecord}; `INVALID_INPUT` when the nonce is not 24 bytes.
 */
export function sealRecordWithNonce(plaintext: Uint8Array, dataKey: Uint8Array, binding: RecordBinding, nonce: Uint8Array): RecordEnvelope {
  assertBytes(dataKey, DATA_KEY_LENGTH, 'A data key', 'INVALID_KEY')
  assertBytes(nonce, NONCE_LENGTH, 'A nonce')
  if (!(plaintext instanceof Uint8Array)) throw new CryptoError('INVALID_INPUT', `A record's plaintext must be a Uint8Array; got ${describe(plaintext)}.`)
  const aad = recordAssociatedData(binding)
  const ciphertext = xchacha20poly1305(dataKey, nonce, aad).encrypt(pad(plaintext))
  return { v: ENVELOPE_VERSION, id: binding.recordId, epoch: binding.epoch, nonce: nonce.slice(), ciphertext }
}

/**
 * Opens an envelope with the data key of its epoch. `writer` is who the log says
 * wrote the entry; a mismatch with the sealing writer fails like a wrong key.
 *
 * @returns The plaintext, unpadded.
 * @throws {CryptoError} `INVALID_ENVELOPE` for a malformed envelope or padding, `INVALID_KEY` when the
 *   key is not 32 bytes, `INVALID_INPUT` for an unusable writer, `DECRYPTION_FAILED` when the key,
 *   the writer or the envelope does not match.
 */
export function openRecord(envelope: RecordEnvelope, dataKey: Uint8Array, writer: string): Uint8Array {
  const checked = parseEnvelope(envelope)
  assertBytes(dataKey, DATA_KEY_LENGTH, 'A data key', 'INVALID_KEY')
  const aad = recordAssociatedData({ recordId: checked.id, epoch: checked.epoch, writer })
  let padded: Uint8Array
  try {
    padded = xchacha20poly1305(dataKey, checked.nonce, aad).decrypt(checked.ciphertext)
  } catch (cause) {
    throw new CryptoError(
      'DECRYPTION_FAILED',
      `Record ${checked.id} (epoch ${checked.epoch}) did not decrypt: the key is not this epoch's, the writer is not ${writer}, or the envelope was altered. Nothing of it is shown.`,
      { cause }
    )
  }
  return unpad(padded)
}

/**
 * Opens a record with whichever of `dataKeys` sealed it: the index of the key and the plaintext,
 * or undefined when none did. Trying keys is the normal path for a reader (the envelope does not
 * say which key sealed it), so a wrong key costs one tag check, not an error.
 *
 * @throws {CryptoError} `INVALID_ENVELOPE` for a malformed envelope, or padding that is bad once a key
 *   opened it, `INVALID_KEY` for a key tried that is not 32 bytes, `INVALID_INPUT` for an unusable writer.
 */
export function openRecordWithAny(envelope: RecordEnvelope, dataKeys: readonly Uint8Array[], writer: string): { index: number; plaintext: Uint8Array } | undefined {
  const checked = parseEnvelope(envelope)
  const aad = recordAssociatedData({ recordId: checked.id, epoch: checked.epoch, writer })
  for (const [index, dataKey] of dataKeys.entries()) {
    assertBytes(dataKey, DATA_KEY_LENGTH, 'A data key', 'INVALID_KEY')
    let padded: Uint8Array
    try {
      padded = xchacha20poly1305(dataKey, checked.nonce, aad).decrypt(checked.ciphertext)
    } catch {
      continue
    }
    return { index, plaintext: unpad(padded) }
  }
  return undefined
}

/**
 * Checks a value that came from a peer and returns it as an envelope (the same field objects, not copies).
 *
 * @throws {CryptoError} `INVALID_ENVELOPE` for a wrong version, an id that is not 1 to 255 bytes, an
 *   epoch that is not a u32, a nonce that is not 24 bytes, or a ciphertext shorter than the tag.
 */
export function parseEnvelope(value: unknown): RecordEnvelope {
  const bad = (what: string): never => {
    throw new CryptoError('INVALID_ENVELOPE', `Not a record envelope: ${what}.`)
  }
  if (typeof value !== 'object' || value === null) return bad(`expected an object, got ${describe(value)}`)
  const { v, id, epoch, nonce, ciphertext } = value as Record<string, unknown>
  if (v !== ENVELOPE_VERSION) return bad(`version ${String(v)} is not supported (expected ${ENVELOPE_VERSION})`)
  if (typeof id !== 'string' || id.length === 0 || !fitsUtf8(id, MAX_RECORD_ID_BYTES)) return bad('id must be a string of 1 to 255 bytes')
  if (!isU32(epoch)) return bad('epoch must be an integer from 0 to 4294967295')
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_LENGTH) return bad(`nonce must be ${NONCE_LENGTH} bytes`)
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < TAG_LENGTH) return bad(`ciphertext must hold at least the ${TAG_LENGTH}-byte tag`)
  return { v, id, epoch, nonce, ciphertext }
}

/**
 * The binary form of an envelope (see the top of this file), as it is stored in the log.
 *
 * @throws {CryptoError} `INVALID_ENVELOPE` as {@link parseEnvelope}.
 */
export function encodeEnvelope(envelope: RecordEnvelope): Uint8Array {
  const { id, epoch, nonce, ciphertext } = parseEnvelope(envelope)
  const idBytes = utf8Bytes(id)
  return concatBytes(Uint8Array.of(ENVELOPE_VERSION), u32be(epoch), Uint8Array.of(idBytes.length), idBytes, nonce, ciphertext)
}

/**
 * An envelope from its binary form, checked as {@link parseEnvelope} checks it. Nothing is decrypted.
 *
 * @throws {CryptoError} `INVALID_ENVELOPE` when it is too short, truncated, of another version, its id is
 *   not UTF-8, or {@link parseEnvelope} refuses it.
 */
export function decodeEnvelope(bytes: Uint8Array): RecordEnvelope {
  if (!(bytes instanceof Uint8Array) || bytes.length < 6) throw new CryptoError('INVALID_ENVELOPE', 'Not a record envelope: too short.')
  const version = bytes[0]
  if (version !== ENVELOPE_VERSION) throw new CryptoError('INVALID_ENVELOPE', `Not a record envelope: version ${String(version)} is not supported.`)
  const epoch = readU32be(bytes, 1)
  const idLength = bytes[5] ?? 0
  const nonceStart = 6 + idLength
  if (bytes.length < nonceStart + NONCE_LENGTH + TAG_LENGTH) throw new CryptoError('INVALID_ENVELOPE', 'Not a record envelope: truncated.')
  let id: string
  try {
    id = strictUtf8Text(bytes.subarray(6, nonceStart))
  } catch (cause) {
    throw new CryptoError('INVALID_ENVELOPE', 'Not a record envelope: the id is not UTF-8.', { cause })
  }
  return parseEnvelope({
    v: ENVELOPE_VERSION,
    id,
    epoch,
    nonce: bytes.slice(nonceStart, nonceStart + NONCE_LENGTH),
    ciphertext: bytes.slice(nonceStart + NONCE_LENGTH)
  })
}
