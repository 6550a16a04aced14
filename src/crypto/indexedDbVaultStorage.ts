// The key vault's storage in the browser: one IndexedDB object store of structured
// clones, so the non-extractable CryptoKey is stored as the object itself.
import { CryptoError } from './CryptoError.ts'
import type { VaultStorage } from './keyVault.ts'

const STORE = 'vault'

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

/** Where {@link indexedDbVaultStorage} keeps the vault. */
export interface IndexedDbVaultOptions {
  /** Database name; one per app origin is enough. */
  name?: string
  /** For tests: an IDBFactory other than the page's. */
  indexedDB?: IDBFactory
}

/**
 * The vault's storage in this browser's IndexedDB (database `anamnesis-key-vault` unless named).
 * It holds only what the vault gives it: secrets already encrypted, and the non-extractable wrapping key.
 * The database opens at once; its failures surface on the first use.
 *
 * @throws {CryptoError} `VAULT_UNAVAILABLE` when there is no IndexedDB; the returned operations reject
 *   with `VAULT_UNAVAILABLE` when the database cannot be opened or is blocked by another tab, and
 *   with IndexedDB's own error when a request fails.
 */
export function indexedDbVaultStorage(options: IndexedDbVaultOptions = {}): VaultStorage {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (factory === undefined) throw new CryptoError('VAULT_UNAVAILABLE', 'This browser has no IndexedDB: keys can only be kept in memory for this session.')
  const opening = new Promise<IDBDatabase>((resolve, reject) => {
    const open = factory.open(options.name ?? 'anamnesis-key-vault', 1)
    open.onupgradeneeded = () => open.result.createObjectStore(STORE)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(new CryptoError('VAULT_UNAVAILABLE', 'The key vault database could not be opened (private browsing or storage blocked?).', { cause: open.error }))
    open.onblocked = () => reject(new CryptoError('VAULT_UNAVAILABLE', 'The key vault database is blocked by another tab of an older version. Close other Anamnesis tabs and reload.'))
  })

  const transact = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => Promise<T>): Promise<T> => {
    const db = await opening
    const tx = db.transaction(STORE, mode)
    const [result] = await Promise.all([work(tx.objectStore(STORE)), done(tx)])
    return result
  }

  return {
    get: (name) => transact('readonly', (store) => request<unknown>(store.get(name))),
    set: (name, value) =>
      transact('readwrite', async (store) => {
        await request(store.put(value, name))
      }),
    // One readwrite transaction: IndexedDB runs overlapping ones one after another, so two tabs cannot both win.
    // Plain callbacks keep the transaction alive between the read and the write.
    setIfAbsent: (name, value) =>
      transact(
        'readwrite',
        (store) =>
          new Promise<unknown>((resolve, reject) => {
            const get = store.get(name)
            get.onerror = () => reject(get.error ?? new Error('IndexedDB read failed'))
            get.onsuccess = () => {
              if (get.result !== undefined) {
                resolve(get.result)
                return
              }
              const put = store.put(value, name)
              put.onerror = () => reject(put.error ?? new Error('IndexedDB write failed'))
              put.onsuccess = () => resolve(value)
            }
          })
      ),
    delete: (name) =>
      transact('readwrite', async (store) => {
        await request(store.delete(name))
      }),
    names: () => transact('readonly', async (store) => (await request(store.getAllKeys())).map(String))
  }
}
