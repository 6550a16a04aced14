// The patient's list of keepers, sealed to the patient's own X25519 key so it can sit on the
// ledger (KeyRegistry.sealKeepers) where a new device with only the wallet finds it, while to
// anyone else it is opaque bytes of a size that says nothing of how many keepers there are.
//
//   info   = u32be(len) ‖ "anamnesis/keeper-list/v1" ‖ u32be(key version) ‖ ephemeral public (32) ‖ own public (32)
//   kek    = HKDF-SHA256(ikm = X25519(ephemeral secret, own public), salt = empty, info, 32)
//   sealed = 0x01 ‖ u32be(key version) ‖ ephemeral public (32) ‖ nonce (24) ‖ XChaCha20-Poly1305(kek, nonce, aad = info)(pad(list))
//
// The list is JSON ([{ "address": <keeper multiaddr>, "keeper": <keeper's 0x address> }, …]), padded
// (padding.ts) to at least 256 bytes. The key version says which of the patient's keys opens it.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { assertBytes, isU32, lengthPrefixedText, readU32be, u32be } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { pad, unpad } from './padding.ts'
import { NONCE_LENGTH, TAG_LENGTH } from './recordEnvelope.ts'

/** One keeper the patient enrolled: where to dial it and the address its identity is bound to. */
export interface KeeperListEntry {
  /** The keeper's multiaddr, ending in `/p2p/<peer id>`. */
  address: string
  /** The keeper's own 0x address, lowercase: the wallet its sync identity is bound to. */
  keeper: `0x${string}`
}

const FORMAT = 0x01
const HEADER_LENGTH = 1 + 4 + 32 + NONCE_LENGTH
/** The most keepers a list holds. */
export const MAX_KEEPERS = 4
/** The most sealed bytes the ledger keeps (KeyRegistry.MAX_SEALED_KEEPERS). */
export const MAX_SEALED_KEEPER_LIST = 1024
const MAX_ADDRESS_LENGTH = 200
const ADDRESS = /^0x[0-9a-f]{40}$/

function listInfo(version: number, ephemeralPublicKey: Uint8Array, ownPublicKey: Uint8Array): Uint8Array {
  return concatBytes(lengthPrefixedText('anamnesis/keeper-list/v1'), u32be(version), ephemeralPublicKey, ownPublicKey)
}

function listKey(secretKey: Uint8Array, publicKey: Uint8Array, info: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(secretKey, publicKey)
  if (shared.every((b) => b === 0)) throw new CryptoError('INVALID_KEY', 'The key is a low-order point: nothing can be sealed with it.')
  return hkdf(sha256, shared, new Uint8Array(0), info, 32)
}

/** Checks one list entry as it comes from the app or out of an opened list. */
function checkEntry(value: unknown): KeeperListEntry {
  if (typeof value !== 'object' || value === null) throw new CryptoError('INVALID_INPUT', 'A keeper in the list is not an object.')
  const { address, keeper } = value as Record<string, unknown>
  if (typeof address !== 'string' || !address.startsWith('/') || !address.includes('/p2p/') || address.length > MAX_ADDRESS_LENGTH) {
    throw new CryptoError('INVALID_INPUT', 'A keeper\'s address is a multiaddr ending in /p2p/ and its peer id.')
  }
  if (typeof keeper !== 'string' || !ADDRESS.test(keeper)) throw new CryptoError('INVALID_INPUT', 'A keeper\'s own address is 0x followed by 40 lowercase hex digits.')
  return { address, keeper: keeper as `0x${string}` }
}

/**
 * Seals `keepers` to the patient's own X25519 public key of version `version`, with a fresh ephemeral
 * key and nonce: only that key's secret opens it. An empty list seals too (a patient who removed every
 * keeper leaves a list that says so).
 *
 * @throws {CryptoError} `INVALID_INPUT` for more than {@link MAX_KEEPERS} keepers, a malformed entry, a
 *   version that is not a u32, or a list whose sealed form exceeds {@link MAX_SEALED_KEEPER_LIST} bytes; `INVALID_KEY` for a key that is not 32 bytes or a low-order point.
 */
export function sealKeeperList(keepers: readonly KeeperListEntry[], ownPublicKey: Uint8Array, version: number): Uint8Array {
  assertBytes(ownPublicKey, 32, 'Your encryption public key', 'INVALID_KEY')
  if (!isU32(version)) throw new CryptoError('INVALID_INPUT', `A key version is an integer from 0 to 4294967295; got ${String(version)}.`)
  if (keepers.length > MAX_KEEPERS) throw new CryptoError('INVALID_INPUT', `A patient keeps at most ${MAX_KEEPERS} keepers on the ledger; this list has ${keepers.length}.`)
  const list = keepers.map(checkEntry).map(({ address, keeper }) => ({ address, keeper }))
  const ephemeralSecretKey = x25519.utils.randomSecretKey()
  const ephemeralPublicKey = x25519.getPublicKey(ephemeralSecretKey)
  const nonce = randomBytes(NONCE_LENGTH)
  const info = listInfo(version, ephemeralPublicKey, ownPublicKey)
  const sealed = xchacha20poly1305(listKey(ephemeralSecretKey, ownPublicKey, info), nonce, info).encrypt(pad(new TextEncoder().encode(JSON.stringify(list))))
  const whole = concatBytes(Uint8Array.of(FORMAT), u32be(version), ephemeralPublicKey, nonce, sealed)
  if (whole.length > MAX_SEALED_KEEPER_LIST) throw new CryptoError('INVALID_INPUT', `These keepers' addresses are too long to keep on the ledger (${whole.length} sealed bytes, at most ${MAX_SEALED_KEEPER_LIST}): remove one.`)
  return whole
}

/** The key version a sealed list names (which of the patient's keys opens it), or undefined when it is not a sealed list. */
export function keeperListVersion(sealed: Uint8Array): number | undefined {
  return sealed.length >= HEADER_LENGTH + TAG_LENGTH && sealed[0] === FORMAT ? readU32be(sealed, 1) : undefined
}

/**
 * Opens a sealed keeper list with the patient's own X25519 secret key.
 *
 * @throws {CryptoError} `INVALID_ENVELOPE` when the bytes are not a sealed list or what they open to is
 *   not a list of keepers; `DECRYPTION_FAILED` when they were sealed to another key or altered.
 */
export function openKeeperList(sealed: Uint8Array, ownSecretKey: Uint8Array): KeeperListEntry[] {
  assertBytes(ownSecretKey, 32, 'Your encryption secret key', 'INVALID_KEY')
  const version = keeperListVersion(sealed)
  if (version === undefined) throw new CryptoError('INVALID_ENVELOPE', 'The list of keepers on the ledger is not one this app seals.')
  const ephemeralPublicKey = sealed.subarray(5, 37)
  const nonce = sealed.subarray(37, HEADER_LENGTH)
  const info = listInfo(version, ephemeralPublicKey, x25519.getPublicKey(ownSecretKey))
  let plaintext: Uint8Array
  try {
    plaintext = unpad(xchacha20poly1305(listKey(ownSecretKey, ephemeralPublicKey, info), nonce, info).decrypt(sealed.subarray(HEADER_LENGTH)))
  } catch (cause) {
    throw new CryptoError('DECRYPTION_FAILED', `The list of keepers on the ledger was sealed for another key (key version ${version}) or altered.`, { cause })
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))
  } catch (cause) {
    throw new CryptoError('INVALID_ENVELOPE', 'The list of keepers opened to something that is not a list.', { cause })
  }
  if (!Array.isArray(value) || value.length > MAX_KEEPERS) throw new CryptoError('INVALID_ENVELOPE', 'The list of keepers opened to something that is not a list.')
  try {
    return value.map(checkEntry)
  } catch (cause) {
    throw new CryptoError('INVALID_ENVELOPE', `The list of keepers holds an entry that is not a keeper: ${(cause as Error).message}`, { cause })
  }
}
