// A key drop: the data key of a new epoch wrapped for each reader who keeps access after a
// revocation, carried in the patient's log as an entry of its own, so every remaining reader
// finds their key wherever and whenever they next sync. It names each recipient by their
// published X25519 key (grants are public on the ledger anyway) and holds nothing else.
//
// Binary form: 0x4b ('K') ‖ version 1 ‖ u16be(count) ‖ count × (recipient public key (32) ‖ wrapped key);
// a recipient may appear once per category key they get.
// The first byte tells it from a record envelope (version 1).
import { concatBytes } from '@noble/hashes/utils.js'
import { assertBytes } from './binaryFields.ts'
import { categoryKey } from './categoryKeys.ts'
import { categorySlot } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { decodeWrappedKey, encodeWrappedKey, unwrapDataKey, wrapDataKey, WRAPPED_KEY_LENGTH, type WrappedKey } from './wrapKey.ts'

/** The first byte of a key drop ('K'), which a record envelope (version 1) never starts with. */
export const KEY_DROP_MAGIC = 0x4b
const KEY_DROP_VERSION = 1
const HEADER = 4
const ITEM = 32 + WRAPPED_KEY_LENGTH
const MAX_RECIPIENTS = 0xffff

/** One key in a key drop. */
export interface KeyDropItem {
  /** The reader's published X25519 public key (32 bytes), in the clear; not authenticated by itself, the wrap binds it. */
  recipient: Uint8Array
  /** The key for them: its `epoch` field is an epoch, or a category slot (see categorySlot.ts). */
  wrapped: WrappedKey
}

/** Whether a log payload is a key drop rather than a record envelope. */
export function isKeyDrop(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= HEADER && bytes[0] === KEY_DROP_MAGIC
}

/**
 * The data key of `epoch` (whose whole key is `key`) for each reader's published X25519 key: the
 * whole epoch key, or with `categories` only those categories' keys (see categoryKeys.ts).
 * Anyone with a reader's public key can make one: a reader trusts only the drops the patient wrote.
 *
 * @param key - The epoch's whole data key; wrapped for each reader, never put in the drop in the clear.
 * @throws {CryptoError} `INVALID_KEY` for a key or public key of the wrong length or a low-order public
 *   key, `INVALID_INPUT` for a bad epoch or category, no keys at all, or more than 65535.
 */
export function createKeyDrop(epoch: number, key: Uint8Array, readers: readonly { publicKey: Uint8Array; categories?: readonly number[] }[]): Uint8Array {
  const items = readers.flatMap(({ publicKey, categories }) => {
    assertBytes(publicKey, 32, "A reader's public key", 'INVALID_KEY')
    const wrapped =
      categories === undefined ? [wrapDataKey(key, publicKey, epoch)] : categories.map((category) => wrapDataKey(categoryKey(key, category), publicKey, categorySlot(epoch, category)))
    return wrapped.map((w) => concatBytes(publicKey, encodeWrappedKey(w)))
  })
  if (items.length === 0) throw new CryptoError('INVALID_INPUT', 'A key drop needs at least one reader and key.')
  if (items.length > MAX_RECIPIENTS) throw new CryptoError('INVALID_INPUT', `A key drop holds at most ${MAX_RECIPIENTS} keys.`)
  return concatBytes(Uint8Array.of(KEY_DROP_MAGIC, KEY_DROP_VERSION, items.length >> 8, items.length & 0xff), ...items)
}

/**
 * The items of a key drop's binary form, for every recipient; nothing is unwrapped.
 *
 * @throws {CryptoError} `INVALID_INPUT` when it is not a key drop (first byte, version, count or
 *   length), `INVALID_WRAPPED_KEY` when one of its wrapped keys is malformed.
 */
export function decodeKeyDrop(bytes: Uint8Array): KeyDropItem[] {
  const bad = (what: string): never => {
    throw new CryptoError('INVALID_INPUT', `Not a key drop: ${what}.`)
  }
  if (!isKeyDrop(bytes)) return bad('wrong first byte')
  if (bytes[1] !== KEY_DROP_VERSION) return bad(`version ${String(bytes[1])} is not supported`)
  const count = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)
  if (count === 0 || bytes.length !== HEADER + count * ITEM) return bad('wrong length')
  const items: KeyDropItem[] = []
  for (let i = 0; i < count; i++) {
    const at = HEADER + i * ITEM
    items.push({ recipient: bytes.slice(at, at + 32), wrapped: decodeWrappedKey(bytes.slice(at + 32, at + ITEM)) })
  }
  return items
}

/**
 * The keys a key drop holds for this reader; none when it names someone else. Each `epoch` is the
 * wrapped key's field: an epoch, or a category slot, as `addEpochKey` (keyring.ts) takes it.
 *
 * @param reader - The reader's X25519 key pair; the secret key is used here only and never leaves the device.
 * @throws {CryptoError} as {@link decodeKeyDrop}; `UNWRAP_FAILED` when any key naming this reader does
 *   not open, `INVALID_KEY` for a secret key
 *   of the wrong length or a low-order ephemeral key in the drop.
 */
export function openKeyDrop(bytes: Uint8Array, reader: { publicKey: Uint8Array; secretKey: Uint8Array }): { epoch: number; key: Uint8Array }[] {
  const mine = decodeKeyDrop(bytes).filter(({ recipient }) => recipient.length === reader.publicKey.length && recipient.every((b, i) => b === reader.publicKey[i]))
  return mine.map(({ wrapped }) => ({ epoch: wrapped.epoch, key: unwrapDataKey(wrapped, reader.secretKey) }))
}
