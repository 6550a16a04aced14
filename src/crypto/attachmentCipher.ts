// A file attached to a record, sealed in the browser before any of it becomes an IPFS block.
// Its key is derived from the category key that seals its record and a random file id kept in
// the record (never the key), so every file has a key of its own and a reader needs nothing but
// the category key it already holds. The file is sealed in chunks of 256 KiB (the STREAM
// construction): each chunk under XChaCha20-Poly1305 with a nonce and associated data that bind
// its index and whether it is the last, so a chunk dropped, moved, repeated, swapped with one of
// another file or cut off at the end fails to open. The key is unique to the file and the index
// unique within it, so no nonce is ever used twice under one key.
//
//   key   = HKDF-SHA256(categoryKey, salt "anamnesis/attachment/v1", info "anamnesis/attachment-key/v1" ‖ fileId)
//   nonce = u32be(index) ‖ u8(last) ‖ 19 zero bytes
//   aad   = u32be(len) ‖ "anamnesis/attachment/v1" ‖ fileId ‖ u32be(index) ‖ u8(last)
//   ciphertext = chunk 0 ‖ chunk 1 ‖ … (each: up to 256 KiB of the file + 16-byte tag); an empty file is one empty last chunk
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { assertBytes, lengthPrefixedText, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { DATA_KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH } from './recordEnvelope.ts'

/** How much of the file one sealed chunk holds: 256 KiB. */
export const ATTACHMENT_CHUNK = 256 * 1024
/** The random file id that makes each file's key its own: 16 bytes. */
export const ATTACHMENT_FILE_ID_LENGTH = 16

const SALT = utf8ToBytes('anamnesis/attachment/v1')
const INFO = utf8ToBytes('anamnesis/attachment-key/v1')
const DOMAIN = lengthPrefixedText('anamnesis/attachment/v1')

/** A fresh random file id (the platform's CSPRNG, through noble). */
export function newAttachmentFileId(): Uint8Array {
  return randomBytes(ATTACHMENT_FILE_ID_LENGTH)
}

/**
 * The key of one attached file: HKDF-SHA256 of its record's category key, with the file id in the info.
 * Like every data key it never leaves the device.
 *
 * @throws {CryptoError} `INVALID_KEY` when `categoryKey` is not 32 bytes, `INVALID_INPUT` when `fileId` is not 16 bytes.
 */
export function attachmentKey(categoryKey: Uint8Array, fileId: Uint8Array): Uint8Array {
  assertBytes(categoryKey, DATA_KEY_LENGTH, 'A category key', 'INVALID_KEY')
  assertBytes(fileId, ATTACHMENT_FILE_ID_LENGTH, 'An attachment file id')
  return hkdf(sha256, categoryKey, SALT, concatBytes(INFO, fileId), DATA_KEY_LENGTH)
}

/** The SHA-256 of a file, as its record states it and a reader checks it once the file is open. */
export function attachmentDigest(file: Uint8Array): Uint8Array {
  return sha256(file)
}

/** How many bytes the sealed form of a file of `size` bytes has. */
export function sealedAttachmentSize(size: number): number {
  const chunks = Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK))
  return size + chunks * TAG_LENGTH
}

function chunkCipher(key: Uint8Array, fileId: Uint8Array, index: number, last: boolean): ReturnType<typeof xchacha20poly1305> {
  const flag = Uint8Array.of(last ? 1 : 0)
  const nonce = new Uint8Array(NONCE_LENGTH)
  nonce.set(u32be(index), 0)
  nonce.set(flag, 4)
  return xchacha20poly1305(key, nonce, concatBytes(DOMAIN, fileId, u32be(index), flag))
}

/**
 * Seals a file chunk by chunk under its own key; yields each sealed chunk as it is made, so a
 * large file is stored as it is sealed.
 *
 * @throws {CryptoError} As {@link attachmentKey}.
 */
export function* sealAttachment(categoryKey: Uint8Array, fileId: Uint8Array, file: Uint8Array): Generator<Uint8Array> {
  const key = attachmentKey(categoryKey, fileId)
  const chunks = Math.max(1, Math.ceil(file.length / ATTACHMENT_CHUNK))
  for (let index = 0; index < chunks; index++) {
    const plain = file.subarray(index * ATTACHMENT_CHUNK, (index + 1) * ATTACHMENT_CHUNK)
    yield chunkCipher(key, fileId, index, index === chunks - 1).encrypt(plain)
  }
}

function openChunk(key: Uint8Array, fileId: Uint8Array, index: number, last: boolean, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return chunkCipher(key, fileId, index, last).decrypt(sealed)
  } catch {
    return undefined
  }
}

/**
 * Opens a sealed file as its blocks arrive, in any sizes, and yields the file chunk by chunk.
 * Each candidate key (the category keys the reader holds for the record's epoch) is tried on the
 * first chunk; the one that opens it opens the rest. Every chunk is checked before it is yielded.
 *
 * @param size - The file's size as its record states it: the sealed bytes must be exactly as many as it implies.
 * @throws {CryptoError} `NOT_GRANTED` when `categoryKeys` is empty (the reader holds no key of the
 *   record's category); `DECRYPTION_FAILED` when no key opens the first chunk or a chunk was altered,
 *   moved or substituted, or the file is cut short or runs on.
 */
export async function* openAttachment(categoryKeys: readonly Uint8Array[], fileId: Uint8Array, size: number, sealed: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  assertBytes(fileId, ATTACHMENT_FILE_ID_LENGTH, 'An attachment file id')
  if (!Number.isSafeInteger(size) || size < 0) throw new CryptoError('INVALID_INPUT', 'An attachment size must be a whole number of bytes.')
  const chunks = Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK))
  const total = sealedAttachmentSize(size)
  if (categoryKeys.length === 0) throw new CryptoError('NOT_GRANTED', "This attachment's category is not shared with you, so it cannot be opened here.")
  const keys = categoryKeys.map((categoryKey) => attachmentKey(categoryKey, fileId))
  let key: Uint8Array | undefined
  let index = 0
  let received = 0
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  const sealedLength = (i: number): number => (i === chunks - 1 ? size - i * ATTACHMENT_CHUNK : ATTACHMENT_CHUNK) + TAG_LENGTH
  const take = (length: number): Uint8Array => {
    const all = pending.length === 1 ? (pending[0] as Uint8Array) : concatBytes(...pending)
    pending = length < all.length ? [all.subarray(length)] : []
    pendingBytes = all.length - length
    return all.subarray(0, length)
  }
  const broken = (): CryptoError =>
    new CryptoError('DECRYPTION_FAILED', 'This attachment was altered or is incomplete: a part of it does not match what was sealed, so none of it is shown.')
  for await (const piece of sealed) {
    received += piece.length
    if (received > total) throw broken()
    pending.push(piece)
    pendingBytes += piece.length
    while (index < chunks && pendingBytes >= sealedLength(index)) {
      const chunk = take(sealedLength(index))
      const last = index === chunks - 1
      if (key === undefined) {
        for (const candidate of keys) {
          const plain = openChunk(candidate, fileId, index, last, chunk)
          if (plain === undefined) continue
          key = candidate
          yield plain
          break
        }
        if (key === undefined) throw broken()
      } else {
        const plain = openChunk(key, fileId, index, last, chunk)
        if (plain === undefined) throw broken()
        yield plain
      }
      index++
    }
  }
  if (index !== chunks || pendingBytes !== 0) throw broken()
}
