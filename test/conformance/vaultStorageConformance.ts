// The VaultStorage contract (src/crypto/keyVault.ts) as one suite that every storage under
// the key vault must pass: what the vault relies on is here, so the vault's own tests
// (src/crypto/keyVault.test.ts) can run over any one storage that passes it.
import { describe, expect, it } from 'vitest'
import { WRAPPING_KEY_NAME, type VaultStorage } from '../../src/crypto/keyVault.ts'

export interface VaultStorageUnderTest {
  /** A storage on a fresh, empty backing. */
  open(): VaultStorage
  /** Only for a storage that persists: a second handle on the backing of `storage`, as a reload or another tab opens. */
  reopen?: (storage: VaultStorage) => VaultStorage
}

const storedSecret = (fill: number): { v: 1; iv: Uint8Array; ciphertext: Uint8Array } => ({
  v: 1,
  iv: new Uint8Array(12).fill(fill),
  ciphertext: new Uint8Array(48).fill(fill + 1)
})

const wrappingKey = (): Promise<CryptoKey> => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])

const sorted = (names: string[]): string[] => [...names].sort()

export function vaultStorageConformance(name: string, subject: VaultStorageUnderTest): void {
  describe(`${name} meets the VaultStorage contract`, () => {
    it('holds nothing under a name never set', async () => {
      const storage = subject.open()
      expect(await storage.get('secret:encryption')).toBeUndefined()
      expect(await storage.names()).toEqual([])
    })

    it('returns what was set, its Uint8Arrays still Uint8Arrays', async () => {
      const storage = subject.open()
      await storage.set('secret:encryption', storedSecret(1))
      const stored = (await storage.get('secret:encryption')) as ReturnType<typeof storedSecret>
      expect(stored).toEqual(storedSecret(1))
      expect(stored.iv).toBeInstanceOf(Uint8Array)
      expect(stored.ciphertext).toBeInstanceOf(Uint8Array)
    })

    it('keeps a non-extractable CryptoKey as the key itself: it still encrypts and decrypts, and its bytes stay unreadable', async () => {
      const storage = subject.open()
      const key = await wrappingKey()
      const iv = new Uint8Array(12)
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array([1, 2, 3]))
      await storage.set(WRAPPING_KEY_NAME, key)
      const stored = await storage.get(WRAPPING_KEY_NAME)
      expect(stored).toBeInstanceOf(CryptoKey)
      const kept = stored as CryptoKey
      expect(kept.extractable).toBe(false)
      expect(kept.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 })
      expect(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, kept, sealed))).toEqual(new Uint8Array([1, 2, 3]))
      await expect(crypto.subtle.exportKey('raw', kept)).rejects.toThrow()
    })

    it('set replaces what a name held', async () => {
      const storage = subject.open()
      await storage.set('secret:encryption', storedSecret(1))
      await storage.set('secret:encryption', storedSecret(7))
      expect(await storage.get('secret:encryption')).toEqual(storedSecret(7))
      expect(await storage.names()).toEqual(['secret:encryption'])
    })

    it('setIfAbsent stores into a free name and returns what it stored', async () => {
      const storage = subject.open()
      expect(await storage.setIfAbsent('secret:encryption', storedSecret(1))).toEqual(storedSecret(1))
      expect(await storage.get('secret:encryption')).toEqual(storedSecret(1))
    })

    it('setIfAbsent leaves a held name alone and returns what it holds', async () => {
      const storage = subject.open()
      await storage.set('secret:encryption', storedSecret(1))
      expect(await storage.setIfAbsent('secret:encryption', storedSecret(7))).toEqual(storedSecret(1))
      expect(await storage.get('secret:encryption')).toEqual(storedSecret(1))
    })

    it('setIfAbsent calls made at once agree on one winner, the value then stored', async () => {
      const storage = subject.open()
      const results = await Promise.all(Array.from({ length: 10 }, (_, n) => storage.setIfAbsent('secret:encryption', storedSecret(n))))
      const stored = await storage.get('secret:encryption')
      expect(results).toEqual(results.map(() => stored))
    })

    it('delete forgets a name and leaves the others; deleting a name never set is no error', async () => {
      const storage = subject.open()
      await storage.set('secret:encryption', storedSecret(1))
      await storage.set('secret:identity', storedSecret(2))
      await storage.delete('secret:encryption')
      await storage.delete('secret:encryption')
      await storage.delete('secret:never-set')
      expect(await storage.get('secret:encryption')).toBeUndefined()
      expect(await storage.get('secret:identity')).toEqual(storedSecret(2))
      expect(await storage.names()).toEqual(['secret:identity'])
    })

    it('names lists every stored name once, exactly as given, whatever its characters', async () => {
      const storage = subject.open()
      const names = ['secret:a', 'secret:ab', 'secret:é/ü\u0000\u{1F511}', `secret:${'n'.repeat(200)}`, WRAPPING_KEY_NAME]
      for (const [n, stored] of names.entries()) await storage.set(stored, storedSecret(n))
      await storage.setIfAbsent('secret:a', storedSecret(9))
      expect(sorted(await storage.names())).toEqual(sorted(names))
      for (const [n, stored] of names.entries()) expect(await storage.get(stored)).toEqual(storedSecret(n))
    })

    const { reopen } = subject
    if (reopen !== undefined) {
      it('a second handle (a reload, another tab) sees what the first stored and deleted', async () => {
        const first = subject.open()
        await first.set('secret:encryption', storedSecret(1))
        await first.set('secret:identity', storedSecret(2))
        await first.delete('secret:identity')
        const second = reopen(first)
        expect(await second.get('secret:encryption')).toEqual(storedSecret(1))
        expect(await second.names()).toEqual(['secret:encryption'])
        await second.set('secret:identity', storedSecret(3))
        expect(await first.get('secret:identity')).toEqual(storedSecret(3))
      })

      it('two handles (two tabs) racing setIfAbsent agree on one winner', async () => {
        const first = subject.open()
        const second = reopen(first)
        const [a, b] = await Promise.all([first.setIfAbsent(WRAPPING_KEY_NAME, storedSecret(1)), second.setIfAbsent(WRAPPING_KEY_NAME, storedSecret(2))])
        expect(a).toEqual(b)
        expect(await first.get(WRAPPING_KEY_NAME)).toEqual(a)
      })
    }
  })
}
