import { bytesToHex } from '@noble/hashes/utils.js'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it, vi } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { indexedDbVaultStorage } from './indexedDbVaultStorage.ts'
import { createKeyVault, memoryVaultStorage, WRAPPING_KEY_NAME, type VaultStorage } from './keyVault.ts'

const secret = new Uint8Array(32).map((_, i) => 0xa0 + i)

function containsBytes(haystack: unknown, needle: Uint8Array): boolean {
  if (haystack instanceof Uint8Array) return bytesToHex(haystack).includes(bytesToHex(needle))
  if (typeof haystack === 'object' && haystack !== null) return Object.values(haystack).some((value) => containsBytes(value, needle))
  return false
}

async function expectVaultError(run: Promise<unknown>, code: CryptoError['code'], message: RegExp): Promise<void> {
  const error: unknown = await run.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(CryptoError)
  expect((error as CryptoError).code).toBe(code)
  expect((error as CryptoError).message).toMatch(message)
}

// The vault's own behaviour, over memory: what it asks of a storage is the VaultStorage suite
// (test/conformance/vaultStorageConformance.ts), which IndexedDB passes too.

describe('key vault', () => {
  it('stores and returns a secret', async () => {
    const vault = createKeyVault(memoryVaultStorage())
    expect(await vault.get('encryption')).toBeUndefined()
    await vault.put('encryption', secret)
    expect(await vault.get('encryption')).toEqual(secret)
    await vault.delete('encryption')
    expect(await vault.get('encryption')).toBeUndefined()
  })

  it('never stores the secret in the clear, and its wrapping key is a non-extractable AES-GCM CryptoKey', async () => {
    const storage = memoryVaultStorage()
    await createKeyVault(storage).put('encryption', secret)
    const names = await storage.names()
    expect(names.sort()).toEqual([WRAPPING_KEY_NAME, 'secret:encryption'].sort())
    for (const stored of await Promise.all(names.map((n) => storage.get(n)))) expect(containsBytes(stored, secret)).toBe(false)
    const wrappingKey = await storage.get(WRAPPING_KEY_NAME)
    expect(wrappingKey).toBeInstanceOf(CryptoKey)
    expect((wrappingKey as CryptoKey).extractable).toBe(false)
    expect((wrappingKey as CryptoKey).algorithm).toMatchObject({ name: 'AES-GCM', length: 256 })
    await expect(crypto.subtle.exportKey('raw', wrappingKey as CryptoKey)).rejects.toThrow()
  })

  it('a second vault on the same storage (another tab, a reload) reads what the first stored', async () => {
    const storage = memoryVaultStorage()
    await createKeyVault(storage).put('identity', secret)
    expect(await createKeyVault(storage).get('identity')).toEqual(secret)
  })

  it('two tabs creating the wrapping key at once end up sharing one', async () => {
    const storage = memoryVaultStorage()
    const a = createKeyVault(storage)
    const b = createKeyVault(storage)
    await Promise.all([a.put('a', secret), b.put('b', secret.slice().reverse())])
    expect(await createKeyVault(storage).get('a')).toEqual(secret)
    expect(await createKeyVault(storage).get('b')).toEqual(secret.slice().reverse())
  })

  it('detects a stored secret swapped for another name, or altered', async () => {
    const storage = memoryVaultStorage()
    const vault = createKeyVault(storage)
    await vault.put('encryption', secret)
    await vault.put('identity', new Uint8Array(32).fill(1))
    await storage.set('secret:encryption', await storage.get('secret:identity'))
    await expectVaultError(vault.get('encryption'), 'VAULT_CORRUPT', /"encryption" does not open/)
    const stored = (await storage.get('secret:identity')) as { v: 1; iv: Uint8Array; ciphertext: Uint8Array }
    const altered = stored.ciphertext.slice()
    altered[0] = (altered[0] ?? 0) ^ 1
    await storage.set('secret:identity', { ...stored, ciphertext: altered })
    await expectVaultError(vault.get('identity'), 'VAULT_CORRUPT', /altered/)
    await storage.set('secret:identity', { v: 1, iv: 'x' })
    await expectVaultError(vault.get('identity'), 'VAULT_CORRUPT', /malformed/)
  })

  it('after clear() nothing is readable, and a new secret can be stored', async () => {
    const storage = memoryVaultStorage()
    const vault = createKeyVault(storage)
    await vault.put('encryption', secret)
    await vault.clear()
    expect(await storage.names()).toEqual([])
    expect(await vault.get('encryption')).toBeUndefined()
    await vault.put('encryption', secret)
    expect(await vault.get('encryption')).toEqual(secret)
  })

  it('clear() leaves what else the storage holds', async () => {
    const storage = memoryVaultStorage()
    await storage.set('settings', { theme: 'dark' })
    const vault = createKeyVault(storage)
    await vault.put('encryption', secret)
    await vault.clear()
    expect(await storage.names()).toEqual(['settings'])
    expect(await storage.get('settings')).toEqual({ theme: 'dark' })
    expect(await vault.get('encryption')).toBeUndefined()
    await vault.put('encryption', secret)
    expect(await vault.get('encryption')).toEqual(secret)
  })

  it('says so when its wrapping key is gone', async () => {
    const storage = memoryVaultStorage()
    await createKeyVault(storage).put('encryption', secret)
    await storage.delete(WRAPPING_KEY_NAME)
    await expectVaultError(createKeyVault(storage).get('encryption'), 'VAULT_CORRUPT', /wrapping key is gone/)
  })
})

describe('key vault over IndexedDB', () => {
  const tab = (factory: IDBFactory): VaultStorage => indexedDbVaultStorage({ indexedDB: factory, name: 'anamnesis-key-vault' })

  it('a vault opened after a reload reads what the first stored', async () => {
    const factory = new IDBFactory()
    await createKeyVault(tab(factory)).put('identity', secret)
    expect(await createKeyVault(tab(factory)).get('identity')).toEqual(secret)
  })

  it('two tabs creating the wrapping key at once end up sharing one', async () => {
    const factory = new IDBFactory()
    await Promise.all([createKeyVault(tab(factory)).put('a', secret), createKeyVault(tab(factory)).put('b', secret.slice().reverse())])
    expect(await createKeyVault(tab(factory)).get('a')).toEqual(secret)
    expect(await createKeyVault(tab(factory)).get('b')).toEqual(secret.slice().reverse())
  })
})

describe('key vault availability', () => {
  it('refuses to start without WebCrypto or IndexedDB, saying keys stay in memory', () => {
    vi.stubGlobal('crypto', undefined)
    try {
      expect(() => createKeyVault(memoryVaultStorage())).toThrow(/no WebCrypto: keys can only be kept in memory/)
    } finally {
      vi.unstubAllGlobals()
    }
    expect(() => indexedDbVaultStorage()).toThrow(/no IndexedDB: keys can only be kept in memory/)
  })
})
