// Data keys by epoch. The patient's history starts at epoch 0 and moves to a new epoch, with a
// new random key, whenever someone's access ends (keyDrop.ts); old keys stay so old records stay
// readable. A reader's keyring holds only what was wrapped for them.
//
// An epoch may have more than one key: two of the patient's devices that move to the same epoch
// at once each make their own. Every device then settles on the same one (the key drop with the
// lowest hash, chosen in src/history), which comes first and seals new records; the others are
// kept so that what was sealed under them still opens.
import { equalBytes } from '@noble/ciphers/utils.js'
import { assertBytes } from './binaryFields.ts'
import { parseKeyField } from './categorySlot.ts'
import { CryptoError } from './CryptoError.ts'
import { DATA_KEY_LENGTH } from './recordEnvelope.ts'

/** The most keys one epoch (or one category of an epoch) holds: one per device that moved to it at the same moment. */
export const MAX_KEYS_PER_EPOCH = 8

/**
 * Data keys by epoch, never changed in place: {@link addEpochKey} returns a new keyring. The keys never leave
 * the device unwrapped.
 */
export interface EpochKeyring {
  /** The newest epoch held: new records are sealed under its first key. */
  readonly current: number
  /** Whole epochs' keys (the patient's, or a reader's with access to every category), the sealing key first. */
  readonly keys: ReadonlyMap<number, readonly Uint8Array[]>
  /** A reader's keys for single categories, by epoch then category (see categoryKeys.ts), the sealing key first. */
  readonly categories?: ReadonlyMap<number, ReadonlyMap<number, readonly Uint8Array[]>>
}

/**
 * The current epoch and its whole data key: what the patient seals new records under.
 *
 * @throws {CryptoError} `UNKNOWN_EPOCH` when the keyring holds no whole key for its current epoch
 *   (a reader with category keys only).
 */
export function currentKey(keyring: EpochKeyring): { epoch: number; key: Uint8Array } {
  return { epoch: keyring.current, key: keyForEpoch(keyring, keyring.current) }
}

/**
 * The whole data key that seals records of `epoch` (its first).
 *
 * @throws {CryptoError} `UNKNOWN_EPOCH` when the keyring holds none for it.
 */
export function keyForEpoch(keyring: EpochKeyring, epoch: number): Uint8Array {
  const key = keyring.keys.get(epoch)?.[0]
  if (key === undefined) {
    throw new CryptoError('UNKNOWN_EPOCH', `No data key for epoch ${epoch}: this record was written after your access ended, or its key has not reached this device yet.`)
  }
  return key
}

/** `list` with `key` in it: first when `sealing`, else where it was or last. The same list when nothing changes. */
function withKey(list: readonly Uint8Array[], key: Uint8Array, sealing: boolean, what: string): readonly Uint8Array[] {
  const at = list.findIndex((known) => equalBytes(known, key))
  if (at === 0 || (at > 0 && !sealing)) return list
  if (at > 0) return [list[at] as Uint8Array, ...list.slice(0, at), ...list.slice(at + 1)]
  if (list.length >= MAX_KEYS_PER_EPOCH) throw new CryptoError('INVALID_KEY', `${what} already has ${MAX_KEYS_PER_EPOCH} keys: refusing another.`)
  return sealing ? [key.slice(), ...list] : [...list, key.slice()]
}

/**
 * Adds a key: a whole epoch's, or (when `field` is a category slot, see categorySlot.ts) one
 * category's. The key is copied; the keyring given is not changed, and is returned as is when
 * nothing changed.
 *
 * @param keyring - The keyring so far, or undefined to start one.
 * @param field - An epoch, or a category slot: a wrapped key's epoch field.
 * @param options - `sealing`: this key seals new records of its epoch (or category), ahead of any other known for it.
 * @throws {CryptoError} `INVALID_INPUT` when `field` names neither an epoch nor a slot, `INVALID_KEY`
 *   when `key` is not 32 bytes or its epoch already holds {@link MAX_KEYS_PER_EPOCH} keys.
 */
export function addEpochKey(keyring: EpochKeyring | undefined, field: number, key: Uint8Array, options: { sealing?: boolean } = {}): EpochKeyring {
  const { epoch, category } = parseKeyField(field)
  assertBytes(key, DATA_KEY_LENGTH, 'A data key', 'INVALID_KEY')
  const sealing = options.sealing === true
  const current = Math.max(keyring?.current ?? epoch, epoch)
  if (category !== undefined) {
    const ofEpoch = keyring?.categories?.get(epoch)
    const known = ofEpoch?.get(category) ?? []
    const next = withKey(known, key, sealing, `Category ${category} of epoch ${epoch}`)
    if (next === known && keyring !== undefined) return keyring
    const categories = new Map(keyring?.categories ?? [])
    categories.set(epoch, new Map([...(ofEpoch ?? []), [category, next]]))
    return { current, keys: keyring?.keys ?? new Map(), categories }
  }
  const known = keyring?.keys.get(epoch) ?? []
  const next = withKey(known, key, sealing, `Epoch ${epoch}`)
  if (next === known && keyring !== undefined) return keyring
  const keys = new Map(keyring?.keys ?? [])
  keys.set(epoch, next)
  return { ...(keyring?.categories === undefined ? {} : { categories: keyring.categories }), current, keys }
}

/** Every whole key the keyring holds, oldest epoch first, each epoch's sealing key first. */
export function wholeKeys(keyring: EpochKeyring): { epoch: number; key: Uint8Array }[] {
  return [...keyring.keys]
    .sort(([a], [b]) => a - b)
    .flatMap(([epoch, keys]) => keys.map((key) => ({ epoch, key })))
}
