import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { deriveWalletKeys } from './deriveIdentityKey.ts'
import { createKeyVault, memoryVaultStorage } from './keyVault.ts'
import { forgetWalletKeys, loadWalletKeys, saveWalletKeys } from './walletKeyStore.ts'

const address = '0xABCDEF0000000000000000000000000000000001'
const signature = new Uint8Array(65).fill(3)

describe('wallet key store', () => {
  it('saves the derived keys and loads them back after a reload, for any spelling of the address', async () => {
    const storage = memoryVaultStorage()
    const keys = deriveWalletKeys(signature)
    await saveWalletKeys(createKeyVault(storage), address, keys)
    expect(await loadWalletKeys(createKeyVault(storage), address.toLowerCase())).toEqual(keys)
  })

  it('has nothing for another wallet or after forgetting', async () => {
    const vault = createKeyVault(memoryVaultStorage())
    await saveWalletKeys(vault, address, deriveWalletKeys(signature))
    expect(await loadWalletKeys(vault, '0x0000000000000000000000000000000000000002')).toBeUndefined()
    await forgetWalletKeys(vault, address)
    expect(await loadWalletKeys(vault, address)).toBeUndefined()
  })

  it('refuses a stored identity key that is not a valid scalar', async () => {
    const vault = createKeyVault(memoryVaultStorage())
    await vault.put(`${address.toLowerCase()}/x25519-encryption-key`, new Uint8Array(32))
    await vault.put(`${address.toLowerCase()}/secp256k1-identity-key`, new Uint8Array(32))
    await expect(loadWalletKeys(vault, address)).rejects.toThrow(CryptoError)
    await expect(saveWalletKeys(vault, 'alice', deriveWalletKeys(signature))).rejects.toThrow(/wallet address/)
  })
})
