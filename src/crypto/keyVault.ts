// Secrets at rest on this device (derived keys, the keyring) are stored only
// encrypted under an AES-GCM key that WebCrypto generated as non-extractable: script
// can use that key while the page runs but can never read its bytes, and the storage
// holds the CryptoKey object itself (IndexedDB can hold one; browsers keep its bytes
// out of reach of JavaScript). This protects against a copy of the stored values
// leaving through script (an export, a sync, a compromised dependency reading
// IndexedDB); it does not protect against code running in the page while unlocked,
// nor against someone who can read the browser profile on disk.
//
// Stored value per name: { v: 1, iv (12 bytes), ciphertext } with AES-GCM associated
// data "anamnesis/key-vault/v1\0<name>", so two stored secrets cannot be swapped.
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { CryptoError } from './CryptoError.ts'

/** Where the vault keeps its values: structured-clone storage such as IndexedDB, or memory. */
export interface VaultStorage {
  /** The value stored under `name`, or undefined. */
  get(name: string): Promise<unknown>
  /** Stores `value` under `name`, replacing what was there. */
  set(name: string, value: unknown): Promise<void>
  /** Stores `value` unless `name` already holds one, in one step; returns what `name` holds afterwards. */
  setIfAbsent(name: string, value: unknown): Promise<unknown>
  /** Removes `name`; nothing happens when it holds nothing. */
  delete(name: string): Promise<void>
  /** Every name stored. */
  names(): Promise<string[]>
}

/**
 * Secrets by name, stored only encrypted under the vault's non-extractable wrapping key.
 * What `get` returns is the secret in the clear: it is kept in memory only, never written out or sent.
 */
export interface KeyVault {
  /**
   * Encrypts `secret` (AES-GCM, fresh IV, bound to `name`) and stores it under `name`, replacing any
   * earlier one; creates the wrapping key on first use.
   *
   * @throws {CryptoError} `INVALID_INPUT` for a name that is not 1 to 200 characters or a secret that is
   *   not a Uint8Array, `VAULT_CORRUPT` when the storage holds something else where the wrapping key belongs.
   */
  put(name: string, secret: Uint8Array): Promise<void>
  /**
   * The secret stored under `name`, or undefined when there is none.
   *
   * @throws {CryptoError} `INVALID_INPUT` for a name that is not 1 to 200 characters, `VAULT_CORRUPT`
   *   when the stored value is malformed, the wrapping key is gone, or it does not decrypt (altered,
   *   moved from another name, or sealed under another wrapping key).
   */
  get(name: string): Promise<Uint8Array | undefined>
  /**
   * Forgets the secret stored under `name`.
   *
   * @throws {CryptoError} `INVALID_INPUT` for a name that is not 1 to 200 characters.
   */
  delete(name: string): Promise<void>
  /**
   * Forgets the wrapping key, then every secret: what was stored becomes unreadable at the first
   * step. Names in the storage that are not the vault's are left alone.
   */
  clear(): Promise<void>
}

/** The storage name of the vault's wrapping key, a non-extractable AES-GCM CryptoKey; secrets are stored under `secret:<name>`. */
export const WRAPPING_KEY_NAME = 'anamnesis/vault-wrapping-key'
const SECRET_PREFIX = 'secret:'
const IV_LENGTH = 12

interface StoredSecret {
  v: 1
  iv: Uint8Array
  ciphertext: Uint8Array
}

function isStoredSecret(value: unknown): value is StoredSecret {
  if (typeof value !== 'object' || value === null) return false
  const { v, iv, ciphertext } = value as Record<string, unknown>
  return v === 1 && iv instanceof Uint8Array && iv.length === IV_LENGTH && ciphertext instanceof Uint8Array
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new CryptoError('INVALID_INPUT', 'A vault entry needs a name of 1 to 200 characters.')
  return name
}

const associatedData = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(utf8ToBytes(`anamnesis/key-vault/v1\u0000${name}`))

/** Copies into a fresh ArrayBuffer-backed array, as WebCrypto's types ask. */
const buffer = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes)

/**
 * A key vault over `storage`. The wrapping key is made by WebCrypto as non-extractable, so its
 * bytes are never readable by script and never leave the browser; it is loaded or created lazily.
 *
 * @param subtle - The WebCrypto implementation to use; the page's by default.
 * @throws {CryptoError} `VAULT_UNAVAILABLE` when there is no WebCrypto.
 */
export function createKeyVault(storage: VaultStorage, subtle: SubtleCrypto | undefined = (globalThis as { crypto?: Crypto }).crypto?.subtle): KeyVault {
  if (subtle === undefined) throw new CryptoError('VAULT_UNAVAILABLE', 'This browser has no WebCrypto: keys can only be kept in memory for this session.')
  let wrappingKey: Promise<CryptoKey> | undefined

  const loadWrappingKey = async (create: boolean): Promise<CryptoKey | undefined> => {
    const stored = await storage.get(WRAPPING_KEY_NAME)
    if (isCryptoKey(stored)) return stored
    if (stored !== undefined) throw new CryptoError('VAULT_CORRUPT', 'The key vault holds something other than its wrapping key. Clear the vault and unlock again with your wallet.')
    if (!create) return undefined
    const fresh = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    // Another tab may have created one meanwhile: both then use whichever was stored first.
    const winner = await storage.setIfAbsent(WRAPPING_KEY_NAME, fresh)
    if (!isCryptoKey(winner)) throw new CryptoError('VAULT_CORRUPT', 'The key vault could not keep its wrapping key.')
    return winner
  }

  const key = async (create: boolean): Promise<CryptoKey | undefined> => {
    if (wrappingKey !== undefined) return wrappingKey
    const found = await loadWrappingKey(create)
    if (found !== undefined) wrappingKey = Promise.resolve(found)
    return found
  }

  return {
    async put(name, secret) {
      checkName(name)
      if (!(secret instanceof Uint8Array)) throw new CryptoError('INVALID_INPUT', 'A vault secret must be a Uint8Array.')
      const wrapping = await key(true)
      if (wrapping === undefined) throw new CryptoError('VAULT_UNAVAILABLE', 'The key vault has no wrapping key.')
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_LENGTH))
      const ciphertext = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: associatedData(name) }, wrapping, buffer(secret)))
      const stored: StoredSecret = { v: 1, iv, ciphertext }
      await storage.set(SECRET_PREFIX + name, stored)
    },

    async get(name) {
      checkName(name)
      const stored = await storage.get(SECRET_PREFIX + name)
      if (stored === undefined) return undefined
      if (!isStoredSecret(stored)) throw new CryptoError('VAULT_CORRUPT', `The stored secret "${name}" is malformed. Unlock again with your wallet to recreate it.`)
      const wrapping = await key(false)
      if (wrapping === undefined) throw new CryptoError('VAULT_CORRUPT', `The stored secret "${name}" cannot be opened: the vault's wrapping key is gone. Unlock again with your wallet.`)
      try {
        return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: buffer(stored.iv), additionalData: associatedData(name) }, wrapping, buffer(stored.ciphertext)))
      } catch (cause) {
        throw new CryptoError('VAULT_CORRUPT', `The stored secret "${name}" does not open: it was altered or sealed under another wrapping key. Unlock again with your wallet.`, { cause })
      }
    },

    async delete(name) {
      await storage.delete(SECRET_PREFIX + checkName(name))
    },

    async clear() {
      wrappingKey = undefined
      await storage.delete(WRAPPING_KEY_NAME)
      for (const name of await storage.names()) if (name.startsWith(SECRET_PREFIX)) await storage.delete(name)
    }
  }
}

/** Storage that lives as long as the page: nothing survives a reload. */
export function memoryVaultStorage(): VaultStorage {
  const values = new Map<string, unknown>()
  return {
    get: (name) => Promise.resolve(values.get(name)),
    set: (name, value) => {
      values.set(name, value)
      return Promise.resolve()
    },
    setIfAbsent: (name, value) => {
      if (!values.has(name)) values.set(name, value)
      return Promise.resolve(values.get(name))
    },
    delete: (name) => {
      values.delete(name)
      return Promise.resolve()
    },
    names: () => Promise.resolve([...values.keys()])
  }
}
