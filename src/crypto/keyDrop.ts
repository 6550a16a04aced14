// A key drop: the entry that moves a patient's history to a new epoch. It carries the epoch's
// new random key wrapped for the patient's own X25519 key (so any device with the wallet
// recovers it from the history alone) and for each reader who keeps access (their categories'
// keys only), and says which state of the ledger chose those readers: every access that ended
// by then is left out, and any that ended after calls for another epoch (src/session reconciles
// the two). A drop made for a new key of the patient's also carries every earlier epoch's keys
// for that key. It names each recipient by their published X25519 key (grants are public on the
// ledger anyway) and holds nothing else.
//
// Binary form (integers big-endian):
//   0x4b ('K') ‖ version 2 ‖ u32be(epoch) ‖ u64be(ledger block) ‖ u64be(ledger time, ms) ‖ u16be(count)
//   ‖ count × (recipient public key (32) ‖ wrapped key (109))
// A wrapped key's epoch field is an epoch up to the drop's own, or a category slot of one
// (categorySlot.ts); a recipient may appear once per key they get.
// The first byte tells it from a record envelope (version 1).
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import { assertBytes, readU32be, u32be } from './binaryFields.ts'
import { categoryKey } from './categoryKeys.ts'
import { assertEpoch, categorySlot, MAX_EPOCH, parseKeyField } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { decodeWrappedKey, encodeWrappedKey, unwrapDataKey, wrapDataKey, WRAPPED_KEY_LENGTH, type WrappedKey } from './wrapKey.ts'

/** The first byte of a key drop ('K'), which a record envelope (version 1) never starts with. */
export const KEY_DROP_MAGIC = 0x4b
const KEY_DROP_VERSION = 2
const HEADER = 24
const ITEM = 32 + WRAPPED_KEY_LENGTH
const MAX_ITEMS = 0xffff
const U64_MAX = (1n << 64n) - 1n

/** The state of the ledger a key drop's readers were chosen by: a block and its time. */
export interface LedgerMark {
  block: bigint
  /** The block's time, in ms since 1970. */
  time: number
}

/** One key in a key drop. */
export interface KeyDropItem {
  /** The recipient's published X25519 public key (32 bytes), in the clear; not authenticated by itself, the wrap binds it. */
  recipient: Uint8Array
  /** The key for them: its `epoch` field is an epoch, or a category slot (see categorySlot.ts). */
  wrapped: WrappedKey
}

/** What a key drop says in the clear: the epoch it starts and the ledger state its readers were chosen by. */
export interface KeyDropHeader {
  epoch: number
  asOf: LedgerMark
  /** How many keys it carries, for every recipient. */
  count: number
}

/** What {@link createKeyDrop} makes a drop of. */
export interface KeyDropInput {
  /** The epoch the drop starts: 1 to {@link MAX_EPOCH} (epoch 0 is derived, deriveDataKey.ts). */
  epoch: number
  /** The new epoch's whole data key; wrapped for each recipient, never put in the drop in the clear. */
  key: Uint8Array
  /** The ledger state whose live grants chose `readers`. */
  asOf: LedgerMark
  /** The patient's own X25519 public key: gets the whole key, so every device with the wallet recovers it. */
  owner: Uint8Array
  /** Earlier epochs' whole keys, also for `owner`: when the patient's key is new, it must open the whole history. */
  earlier?: readonly { epoch: number; key: Uint8Array }[]
  /**
   * Readers who keep access: the keys of their categories (indexes into the grant's category list), or the whole key without `categories`.
   * A reader with `earlier` also gets their categories' keys of those earlier epochs (whole keys given, only category keys wrapped):
   * a guardian, who must be able to hand a doctor the whole history of the emergency categories, not only what comes next.
   */
  readers: readonly { publicKey: Uint8Array; categories?: readonly number[]; earlier?: readonly { epoch: number; key: Uint8Array }[] }[]
}

/** Whether a log payload is a key drop rather than a record envelope. */
export function isKeyDrop(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= 2 && bytes[0] === KEY_DROP_MAGIC
}

/**
 * A key drop (see the top of this file) that starts `input.epoch`. Anyone with the recipients' public keys
 * can make one: a reader trusts only the drops the patient wrote.
 *
 * @throws {CryptoError} `INVALID_KEY` for a key or public key of the wrong length or a low-order public key,
 *   `INVALID_INPUT` for an epoch that is not 1 to {@link MAX_EPOCH}, an earlier key that is not from an
 *   earlier epoch, a bad category or ledger mark, or more than 65535 keys.
 */
export function createKeyDrop(input: KeyDropInput): Uint8Array {
  const { epoch, key, asOf } = input
  assertEpoch(epoch)
  if (epoch === 0) throw new CryptoError('INVALID_INPUT', 'Epoch 0 is derived from the patient\'s key; a key drop starts a later one.')
  if (typeof asOf.block !== 'bigint' || asOf.block < 0n || asOf.block > U64_MAX || !Number.isSafeInteger(asOf.time) || asOf.time < 0) {
    throw new CryptoError('INVALID_INPUT', 'A key drop names the ledger block and time its readers were chosen by.')
  }
  const item = (recipient: Uint8Array, wrapped: WrappedKey): Uint8Array => concatBytes(recipient, encodeWrappedKey(wrapped))
  assertBytes(input.owner, 32, "The patient's public key", 'INVALID_KEY')
  const items = [
    item(input.owner, wrapDataKey(key, input.owner, epoch)),
    ...(input.earlier ?? []).map((old) => {
      assertEpoch(old.epoch)
      if (old.epoch >= epoch) throw new CryptoError('INVALID_INPUT', `A key drop for epoch ${epoch} carries only earlier epochs' keys besides its own; got epoch ${old.epoch}.`)
      return item(input.owner, wrapDataKey(old.key, input.owner, old.epoch))
    }),
    ...input.readers.flatMap(({ publicKey, categories, earlier = [] }) => {
      assertBytes(publicKey, 32, "A reader's public key", 'INVALID_KEY')
      if (categories === undefined) {
        if (earlier.length > 0) throw new CryptoError('INVALID_INPUT', "A reader's earlier keys are handed by category: name the categories.")
        return [item(publicKey, wrapDataKey(key, publicKey, epoch))]
      }
      const epochs = [
        ...earlier.map((old) => {
          assertEpoch(old.epoch)
          if (old.epoch >= epoch) throw new CryptoError('INVALID_INPUT', `A key drop for epoch ${epoch} carries only earlier epochs' keys besides its own; got epoch ${old.epoch}.`)
          return old
        }),
        { epoch, key }
      ]
      return epochs.flatMap((at) => categories.map((category) => item(publicKey, wrapDataKey(categoryKey(at.key, category), publicKey, categorySlot(at.epoch, category)))))
    })
  ]
  if (items.length > MAX_ITEMS) throw new CryptoError('INVALID_INPUT', `A key drop holds at most ${MAX_ITEMS} keys.`)
  const header = new Uint8Array(HEADER)
  const view = new DataView(header.buffer)
  header.set([KEY_DROP_MAGIC, KEY_DROP_VERSION])
  header.set(u32be(epoch), 2)
  view.setBigUint64(6, asOf.block, false)
  view.setBigUint64(14, BigInt(asOf.time), false)
  view.setUint16(22, items.length, false)
  return concatBytes(header, ...items)
}

/**
 * What a key drop says in the clear; nothing is unwrapped, the items are not read.
 *
 * @throws {CryptoError} `INVALID_INPUT` when it is not a key drop: first byte, version, epoch, time, count or length.
 */
export function readKeyDropHeader(bytes: Uint8Array): KeyDropHeader {
  const bad = (what: string): never => {
    throw new CryptoError('INVALID_INPUT', `Not a key drop: ${what}.`)
  }
  if (!isKeyDrop(bytes)) return bad('wrong first byte')
  if (bytes[1] !== KEY_DROP_VERSION) return bad(`version ${String(bytes[1])} is not supported`)
  if (bytes.length < HEADER) return bad('too short')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const epoch = readU32be(bytes, 2)
  if (epoch === 0 || epoch > MAX_EPOCH) return bad(`epoch ${epoch} is not one a drop starts`)
  const time = view.getBigUint64(14, false)
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return bad('its time is out of range')
  const count = view.getUint16(22, false)
  if (count === 0 || bytes.length !== HEADER + count * ITEM) return bad('wrong length')
  return { epoch, asOf: { block: view.getBigUint64(6, false), time: Number(time) }, count }
}

/**
 * The distinct recipients a key drop names (their X25519 public keys, lowercase hex), in the clear: who
 * the patient chose as the epoch's readers, the patient's own key included.
 *
 * @throws {CryptoError} As {@link readKeyDropHeader}.
 */
export function keyDropRecipients(bytes: Uint8Array): string[] {
  const { count } = readKeyDropHeader(bytes)
  const recipients = new Set<string>()
  for (let i = 0; i < count; i++) recipients.add(bytesToHex(bytes.subarray(HEADER + i * ITEM, HEADER + i * ITEM + 32)))
  return [...recipients]
}

/**
 * A key drop's header and items, for every recipient; nothing is unwrapped.
 *
 * @throws {CryptoError} As {@link readKeyDropHeader}; `INVALID_WRAPPED_KEY` when one of its wrapped keys is malformed.
 */
export function decodeKeyDrop(bytes: Uint8Array): KeyDropHeader & { items: KeyDropItem[] } {
  const header = readKeyDropHeader(bytes)
  const items: KeyDropItem[] = []
  for (let i = 0; i < header.count; i++) {
    const at = HEADER + i * ITEM
    items.push({ recipient: bytes.slice(at, at + 32), wrapped: decodeWrappedKey(bytes.slice(at + 32, at + ITEM)) })
  }
  return { ...header, items }
}

/**
 * The keys a key drop holds for this reader, each opened on its own: one that does not open (altered,
 * or malformed, or naming a later epoch than the drop's) is counted in `failed` and the others are kept.
 * None when it names someone else. Each `field` is the wrapped key's epoch field, an epoch or a category
 * slot, as `addEpochKey` (keyring.ts) takes it.
 *
 * @param reader - The reader's X25519 key pair; the secret key is used here only and never leaves the device.
 * @throws {CryptoError} As {@link readKeyDropHeader}; `INVALID_KEY` for a secret key of the wrong length.
 */
export function openKeyDrop(
  bytes: Uint8Array,
  reader: { publicKey: Uint8Array; secretKey: Uint8Array }
): KeyDropHeader & { keys: { field: number; key: Uint8Array }[]; failed: number } {
  const header = readKeyDropHeader(bytes)
  assertBytes(reader.secretKey, 32, "The reader's encryption secret key", 'INVALID_KEY')
  const keys: { field: number; key: Uint8Array }[] = []
  let failed = 0
  for (let i = 0; i < header.count; i++) {
    const at = HEADER + i * ITEM
    const recipient = bytes.subarray(at, at + 32)
    if (recipient.length !== reader.publicKey.length || !recipient.every((b, j) => b === reader.publicKey[j])) continue
    try {
      const wrapped = decodeWrappedKey(bytes.slice(at + 32, at + ITEM))
      if (parseKeyField(wrapped.epoch).epoch > header.epoch) throw new CryptoError('INVALID_INPUT', 'A key of a later epoch than the drop starts.')
      keys.push({ field: wrapped.epoch, key: unwrapDataKey(wrapped, reader.secretKey) })
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error
      failed++
    }
  }
  return { ...header, keys, failed }
}
