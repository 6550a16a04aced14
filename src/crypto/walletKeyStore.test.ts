import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { deriveWalletKeys } from './deriveIdentityKey.ts'
import { createKeyVault, memoryVaultStorage } from './keyVault.ts'
import { forgetWalletKeys, loadWalletKeys, saveWalletKeys, type StoredWalletKeys } from './walletKeyStore.ts'
import type { SigningDomain } from './walletTypedData.ts'

const address = '0xABCDEF0000000000000000000000000000000001'
const domain: SigningDomain = { origin: 'https://anamnesis.example', chainId: 31337, verifyingContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3' }
const stored = (fill: number, version = 1): StoredWalletKeys => ({ keys: deriveWalletKeys(new Uint8Array(65).fill(fill)), version, binding: new Uint8Array(65).fill(9) })

describe('wallet key store', () => {
  it('saves the keys, their version and binding, and loads them back after a reload, for any spelling of the address', async () => {
    const storage = memoryVaultStorage()
    await saveWalletKeys(createKeyVault(storage), address, domain, stored(3, 2))
    expect(await loadWalletKeys(createKeyVault(storage), address.toLowerCase(), domain)).toEqual(stored(3, 2))
  })

  it('replaces the keys of one version by the next in one entry', async () => {
    const storage = memoryVaultStorage()
    const vault = createKeyVault(storage)
    await saveWalletKeys(vault, address, domain, stored(3, 1))
    await saveWalletKeys(vault, address, domain, stored(4, 2))
    expect(await loadWalletKeys(vault, address, domain)).toEqual(stored(4, 2))
    expect((await storage.names()).filter((name) => name.startsWith('secret:'))).toHaveLength(1)
  })

  it("keeps a replacement's keys in the next slot beside the keys in use", async () => {
    const vault = createKeyVault(memoryVaultStorage())
    await saveWalletKeys(vault, address, domain, stored(3, 1))
    await saveWalletKeys(vault, address, domain, stored(4, 2), 'next')
    expect(await loadWalletKeys(vault, address, domain)).toEqual(stored(3, 1))
    expect(await loadWalletKeys(vault, address, domain, 'next')).toEqual(stored(4, 2))
    await forgetWalletKeys(vault, address, domain, 'next')
    expect(await loadWalletKeys(vault, address, domain, 'next')).toBeUndefined()
    expect(await loadWalletKeys(vault, address, domain)).toEqual(stored(3, 1))
  })

  it('has nothing for another wallet, another chain or key registry, or after forgetting', async () => {
    const vault = createKeyVault(memoryVaultStorage())
    await saveWalletKeys(vault, address, domain, stored(3))
    expect(await loadWalletKeys(vault, '0x0000000000000000000000000000000000000002', domain)).toBeUndefined()
    expect(await loadWalletKeys(vault, address, { ...domain, chainId: 1 })).toBeUndefined()
    expect(await loadWalletKeys(vault, address, { ...domain, verifyingContract: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' })).toBeUndefined()
    await forgetWalletKeys(vault, address, domain)
    expect(await loadWalletKeys(vault, address, domain)).toBeUndefined()
  })

  it('drops the keys an earlier build kept under the personal_sign derivation', async () => {
    const storage = memoryVaultStorage()
    const vault = createKeyVault(storage)
    const owner = address.toLowerCase()
    for (const name of ['x25519-encryption-key', 'secp256k1-identity-key', 'identity-binding']) await vault.put(`${owner}/${name}`, new Uint8Array(32).fill(1))
    await saveWalletKeys(vault, address, domain, stored(3))
    expect((await storage.names()).filter((name) => name.startsWith(`secret:${owner}/`))).toEqual([])
  })

  it('refuses a stored record that is not valid keys, and bad input', async () => {
    const vault = createKeyVault(memoryVaultStorage())
    const name = `${address.toLowerCase()}@31337/${domain.verifyingContract}/wallet-keys`
    await vault.put(name, new Uint8Array(133))
    await expect(loadWalletKeys(vault, address, domain)).rejects.toThrow(CryptoError)
    await vault.put(name, new Uint8Array(40))
    await expect(loadWalletKeys(vault, address, domain)).rejects.toThrow(/not valid keys/)
    await expect(saveWalletKeys(vault, 'alice', domain, stored(3))).rejects.toThrow(/wallet address/)
    await expect(saveWalletKeys(vault, address, domain, stored(3, 0))).rejects.toThrow(/key version/)
    await expect(saveWalletKeys(vault, address, domain, { ...stored(3), binding: new Uint8Array(64) })).rejects.toThrow(/65 bytes/)
  })
})
