// Both storages under the key vault against the one VaultStorage suite: memory, and
// IndexedDB (fake-indexeddb here), where a second handle stands for a reload or another tab.
import { IDBFactory } from 'fake-indexeddb'
import { indexedDbVaultStorage } from '../../src/crypto/indexedDbVaultStorage.ts'
import { memoryVaultStorage, type VaultStorage } from '../../src/crypto/keyVault.ts'
import { vaultStorageConformance } from './vaultStorageConformance.ts'

vaultStorageConformance('memoryVaultStorage', { open: memoryVaultStorage })

const factories = new WeakMap<VaultStorage, IDBFactory>()
const openIndexedDb = (factory: IDBFactory): VaultStorage => {
  const storage = indexedDbVaultStorage({ indexedDB: factory, name: 'anamnesis-key-vault' })
  factories.set(storage, factory)
  return storage
}
vaultStorageConformance('indexedDbVaultStorage', {
  open: () => openIndexedDb(new IDBFactory()),
  reopen: (storage) => {
    const factory = factories.get(storage)
    if (factory === undefined) throw new Error('This storage was not opened by the suite')
    return openIndexedDb(factory)
  }
})
