// The full tier of an emergency card: the patient's emergency summary sealed with a key that only
// the card carries (in its link), so the keepers that hold the ciphertext cannot read it and the
// card alone reads nothing without a keeper. A new card is a new id and a new key: replacing the
// card makes the old link's key open nothing the keepers still hold.
//
//   aad    = u32be(len) ‖ "anamnesis/emergency-summary/v1" ‖ u8(card id length) ‖ card id ‖ patient (20 bytes)
//   sealed = 0x01 ‖ nonce (24) ‖ XChaCha20-Poly1305(card key, nonce, aad)(pad(summary))
//
// The summary is padded (padding.ts) so its size says little about how much the patient has in it.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { assertBytes, describe, lengthPrefixedText } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { pad, unpad } from './padding.ts'
import { NONCE_LENGTH, TAG_LENGTH } from './recordEnvelope.ts'

/** The card key's length: an XChaCha20-Poly1305 key. */
export const EMERGENCY_CARD_KEY_LENGTH = 32
/** The shortest card id: 128 random bits, never guessed. */
export const MIN_CARD_ID_LENGTH = 16
/** The longest card id. */
export const MAX_CARD_ID_LENGTH = 32
/** The most sealed bytes a keeper holds for one card: a summary of about 60 KB before padding. */
export const MAX_EMERGENCY_CIPHERTEXT = 64 * 1024

const FORMAT = 0x01
const HEADER_LENGTH = 1 + NONCE_LENGTH
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** A new card: a random 16-byte id (what a keeper files the ciphertext under) and a random 32-byte key (what the card's link carries). */
export function newEmergencyCard(): { cardId: Uint8Array; key: Uint8Array } {
  return { cardId: randomBytes(MIN_CARD_ID_LENGTH), key: randomBytes(EMERGENCY_CARD_KEY_LENGTH) }
}

/**
 * Whether `value` is a card id: bytes, 16 to 32 of them.
 */
export function isCardId(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length >= MIN_CARD_ID_LENGTH && value.length <= MAX_CARD_ID_LENGTH
}

/**
 * The associated data that binds a sealed summary to its card and its patient: a ciphertext moved
 * to another card id or patient does not open.
 *
 * @throws {CryptoError} `INVALID_INPUT` for a card id that is not 16 to 32 bytes or a patient that is no address.
 */
export function emergencySummaryAssociatedData(cardId: Uint8Array, patient: string): Uint8Array {
  if (!isCardId(cardId)) throw new CryptoError('INVALID_INPUT', `A card id is ${MIN_CARD_ID_LENGTH} to ${MAX_CARD_ID_LENGTH} bytes; got ${describe(cardId)}.`)
  if (!ADDRESS.test(patient)) throw new CryptoError('INVALID_INPUT', 'The patient of an emergency card is a wallet address (0x and 40 hex digits).')
  return concatBytes(lengthPrefixedText('anamnesis/emergency-summary/v1'), Uint8Array.of(cardId.length), cardId, hexToBytes(patient.slice(2).toLowerCase()))
}

/**
 * Seals the patient's emergency summary (its bytes, as the summary's builder encodes it) with the
 * card's key, bound to the card id and the patient, with a fresh nonce.
 *
 * @throws {CryptoError} `INVALID_KEY` for a key that is not 32 bytes; `INVALID_INPUT` for a bad card id or
 *   patient, or a summary that would seal to more than {@link MAX_EMERGENCY_CIPHERTEXT} bytes.
 */
export function sealEmergencySummary(input: { key: Uint8Array; cardId: Uint8Array; patient: string; summary: Uint8Array }): Uint8Array {
  assertBytes(input.key, EMERGENCY_CARD_KEY_LENGTH, 'The card key', 'INVALID_KEY')
  if (!(input.summary instanceof Uint8Array)) throw new CryptoError('INVALID_INPUT', `The emergency summary must be bytes; got ${describe(input.summary)}.`)
  const aad = emergencySummaryAssociatedData(input.cardId, input.patient)
  const padded = pad(input.summary)
  if (HEADER_LENGTH + padded.length + TAG_LENGTH > MAX_EMERGENCY_CIPHERTEXT) {
    throw new CryptoError('INVALID_INPUT', `The emergency summary is too long for a card (${input.summary.length} bytes): leave out some items and try again.`)
  }
  const nonce = randomBytes(NONCE_LENGTH)
  return concatBytes(Uint8Array.of(FORMAT), nonce, xchacha20poly1305(input.key, nonce, aad).encrypt(padded))
}

/**
 * Opens a sealed emergency summary with the card's key: the summary's bytes.
 *
 * @throws {CryptoError} `INVALID_KEY` for a key that is not 32 bytes; `INVALID_INPUT` for a bad card id or
 *   patient; `INVALID_ENVELOPE` for bytes that are no sealed summary; `DECRYPTION_FAILED` when the key is
 *   another card's, or the ciphertext was altered or belongs to another card or patient.
 */
export function openEmergencySummary(input: { key: Uint8Array; cardId: Uint8Array; patient: string; ciphertext: Uint8Array }): Uint8Array {
  assertBytes(input.key, EMERGENCY_CARD_KEY_LENGTH, 'The card key', 'INVALID_KEY')
  const aad = emergencySummaryAssociatedData(input.cardId, input.patient)
  const { ciphertext } = input
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < HEADER_LENGTH + TAG_LENGTH || ciphertext[0] !== FORMAT) {
    throw new CryptoError('INVALID_ENVELOPE', 'What the keeper sent is not a sealed emergency summary.')
  }
  let padded: Uint8Array
  try {
    padded = xchacha20poly1305(input.key, ciphertext.subarray(1, HEADER_LENGTH), aad).decrypt(ciphertext.subarray(HEADER_LENGTH))
  } catch (cause) {
    throw new CryptoError('DECRYPTION_FAILED', 'The emergency summary does not open with this card: the card was replaced, or the summary was altered.', { cause })
  }
  return unpad(padded)
}
