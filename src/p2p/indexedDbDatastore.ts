// The browser's datastore: IndexedDB in the layout of datastore-idb (one database and object
// store named after the location, values keyed by the key's string), so what it stored stays
// readable. Unlike datastore-idb, a batch is one transaction that rejects when it fails:
// datastore-idb's batch gives a failed write back as a meaningless InvalidStateError or not at
// all, and a history log's heads would then run ahead of what is stored.
import { BaseDatastore } from 'datastore-core'
import { Key, type Batch, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'
import { ObjectStoreDatabase, request, writeCompletion } from './indexedDbStore.ts'
import { storageWriteError } from './p2pError.ts'

interface AbortOptions {
  signal?: AbortSignal
}

/** Named `NotFoundError`, as interface-store's is: libp2p and Helia tell a missing key by that name. */
export class KeyNotFoundError extends AnamnesisError<'KEY_NOT_FOUND'> {
  override name = 'NotFoundError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('KEY_NOT_FOUND', message, options)
  }
}

/**
 * A datastore on IndexedDB, readable by datastore-idb, whose batches commit in one transaction.
 * Reads and writes throw a plain Error until open() has resolved; a write rejects with IndexedDB's
 * own error, or P2PError `STORAGE_FULL` when the browser refuses it for want of space. A batch
 * that fails stores none of its changes.
 */
export class IndexedDbDatastore extends BaseDatastore {
  /** The IndexedDB database and object store name, e.g. `anamnesis/data`. */
  readonly location: string
  readonly #db: ObjectStoreDatabase

  /**
   * @param location - The database and object store name.
   * @param factory - Where databases are opened: the page's indexedDB unless a test passes another.
   */
  constructor(location: string, factory: IDBFactory = indexedDB) {
    super()
    this.location = location
    this.#db = new ObjectStoreDatabase(location, factory, 'datastore')
  }

  /** Opens the database, creating its object store the first time. */
  open(): Promise<void> {
    return this.#db.open()
  }

  /** Closes the database; open() again to use the store. */
  close(): Promise<void> {
    this.#db.close()
    return Promise.resolve()
  }

  /** Runs `changes` on one readwrite transaction; a change that throws aborts it, so none is kept. */
  async #write(changes: (store: IDBObjectStore) => void, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    const { tx, store } = this.#db.transaction('readwrite')
    const done = writeCompletion(tx)
    try {
      changes(store)
    } catch (error) {
      tx.abort()
      done.catch(() => undefined)
      throw storageWriteError(error)
    }
    await done
  }

  override async put(key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    await this.#write((store) => store.put(value, key.toString()), options)
    return key
  }

  /** @throws {KeyNotFoundError} When nothing is stored under `key`. */
  override async get(key: Key, options?: AbortOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    const value = (await request(store.get(key.toString()))) as Uint8Array | undefined
    if (value === undefined) throw new KeyNotFoundError(`Nothing is stored under ${key.toString()}`)
    return value
  }

  override async has(key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    return (await request(store.getKey(key.toString()))) !== undefined
  }

  override async delete(key: Key, options?: AbortOptions): Promise<void> {
    await this.#write((store) => store.delete(key.toString()), options)
  }

  /** Changes committed together, in one transaction: all of them are stored, or none. */
  override batch(): Batch {
    const puts = new Map<string, Uint8Array>()
    const deletes = new Set<string>()
    return {
      put: (key, value) => {
        deletes.delete(key.toString())
        puts.set(key.toString(), value)
      },
      delete: (key) => {
        puts.delete(key.toString())
        deletes.add(key.toString())
      },
      commit: (options) =>
        this.#write((store) => {
          for (const [key, value] of puts) store.put(value, key)
          for (const key of deletes) store.delete(key)
        }, options)
    }
  }

  /** The stored pairs whose key starts with the query's prefix (all without one), in key order, read in one transaction. */
  async #pairs(prefix: string | undefined, options?: AbortOptions): Promise<{ keys: string[]; values: Uint8Array[] }> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    if (prefix === undefined || prefix === '') {
      const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll()) as Promise<Uint8Array[]>])
      return { keys: keys.filter((key): key is string => typeof key === 'string'), values }
    }
    // Keys with the prefix are the run of keys from the prefix on that start with it. The values are
    // asked for from the keys' success handler, so both reads see the same state of the store.
    return new Promise((resolve, reject) => {
      const keysRead = store.getAllKeys(IDBKeyRange.lowerBound(prefix))
      keysRead.onerror = () => reject(keysRead.error ?? new Error('IndexedDB request failed'))
      keysRead.onsuccess = () => {
        const from = keysRead.result.filter((key): key is string => typeof key === 'string')
        const end = from.findIndex((key) => !key.startsWith(prefix))
        const keys = end === -1 ? from : from.slice(0, end)
        const last = keys.at(-1)
        if (last === undefined) {
          resolve({ keys: [], values: [] })
          return
        }
        const valuesRead = store.getAll(IDBKeyRange.bound(prefix, last))
        valuesRead.onerror = () => reject(valuesRead.error ?? new Error('IndexedDB request failed'))
        valuesRead.onsuccess = () => resolve({ keys, values: valuesRead.result as Uint8Array[] })
      }
    })
  }

  // BaseDatastore's query and queryKeys apply the prefix, filters, orders, offset and limit to these.
  override async *_all(query: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    const { keys, values } = await this.#pairs(query.prefix, options)
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]
      if (value !== undefined) yield { key: new Key(keys[i] as string), value }
    }
  }

  override async *_allKeys(query: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    const range = query.prefix === undefined || query.prefix === '' ? undefined : IDBKeyRange.lowerBound(query.prefix)
    for (const key of await request(store.getAllKeys(range))) {
      if (typeof key !== 'string') continue
      if (query.prefix !== undefined && !key.startsWith(query.prefix)) break
      yield new Key(key)
    }
  }
}
