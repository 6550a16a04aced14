// What the browser's blockstore and datastore share: one IndexedDB database holding one object
// store of the same name, its requests as promises, and write transactions whose refusal for want
// of space is the p2p domain's STORAGE_FULL.
import { storageWriteError } from './p2pError.ts'

/**
 * An IndexedDB request as a promise.
 * @throws {DOMException} IndexedDB's error for the request.
 */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

/**
 * A write transaction's end.
 * @throws {P2PError} `STORAGE_FULL` when the browser refused it for want of space; IndexedDB's error otherwise.
 */
export function writeCompletion(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(storageWriteError(tx.error ?? new Error('IndexedDB transaction failed')))
    tx.onabort = () => reject(storageWriteError(tx.error ?? new Error('IndexedDB transaction aborted')))
  })
}

/** One IndexedDB database named `location` with one object store of the same name. */
export class ObjectStoreDatabase {
  readonly location: string
  readonly #factory: IDBFactory
  readonly #what: string
  #db: IDBDatabase | undefined

  /**
   * @param location - The database and object store name.
   * @param factory - Where databases are opened: the page's indexedDB unless a test passes another.
   * @param what - What the store is, for the error when it is used before open() ("blockstore").
   */
  constructor(location: string, factory: IDBFactory, what: string) {
    this.location = location
    this.#factory = factory
    this.#what = what
  }

  /** Opens the database, creating its object store the first time. */
  async open(): Promise<void> {
    const open = this.#factory.open(this.location, 1)
    open.onupgradeneeded = () => open.result.createObjectStore(this.location)
    this.#db = await request(open)
  }

  /** Closes the database; open() again to use it. */
  close(): void {
    this.#db?.close()
    this.#db = undefined
  }

  /**
   * A transaction on the object store, and the store in it.
   * @throws {Error} When the database is not open.
   */
  transaction(mode: IDBTransactionMode): { tx: IDBTransaction; store: IDBObjectStore } {
    if (this.#db === undefined) throw new Error(`The ${this.#what} is not open`)
    const tx = this.#db.transaction(this.location, mode)
    return { tx, store: tx.objectStore(this.location) }
  }
}
