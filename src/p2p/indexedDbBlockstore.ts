// The browser's blockstore: IndexedDB, in the layout of blockstore-idb (one database and
// object store named after the location, keys "/" + base32upper(multihash)), so stored
// blocks stay readable. Unlike blockstore-idb, putMany and getMany run in one
// transaction each: a batch of 1,000 history entries is one IndexedDB commit, not 1,000.
import { concatBytes } from '@noble/hashes/utils.js'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'
import { ObjectStoreDatabase, request, writeCompletion } from './indexedDbStore.ts'

interface AbortOptions {
  signal?: AbortSignal
}

const keyOf = (cid: CID): string => `/${base32upper.encoder.encode(cid.multihash.bytes)}`

async function bytesOf(value: InputPair['bytes']): Promise<Uint8Array> {
  // IndexedDB clones a view together with the whole ArrayBuffer behind it: store a view as a copy.
  if (value instanceof Uint8Array) return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice()
  const chunks: Uint8Array[] = []
  for await (const chunk of value) chunks.push(chunk)
  return concatBytes(...chunks)
}

/** Named `NotFoundError`, as interface-store's is: helia and bitswap tell a missing block by that name. */
export class BlockNotFoundError extends AnamnesisError<'BLOCK_NOT_FOUND'> {
  override name = 'NotFoundError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('BLOCK_NOT_FOUND', message, options)
  }
}

/**
 * A blockstore on IndexedDB, readable by blockstore-idb, with one transaction per batch.
 * It stores and returns bytes as given: nothing checks them against their CID, so a reader
 * that must trust them compares them with their hash (blocks.ts matchesHash). Reads and writes
 * throw a plain Error until open() has resolved, and IndexedDB's own errors as they come, except
 * a write the browser refuses for want of space: that one rejects as P2PError `STORAGE_FULL`.
 */
export class IndexedDbBlockstore implements Blockstore {
  /** The IndexedDB database and object store name, e.g. `anamnesis/blocks`. */
  readonly location: string
  readonly #db: ObjectStoreDatabase

  /**
   * @param location - The database and object store name.
   * @param factory - Where databases are opened: the page's indexedDB unless a test passes another.
   */
  constructor(location: string, factory: IDBFactory = indexedDB) {
    this.location = location
    this.#db = new ObjectStoreDatabase(location, factory, 'blockstore')
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

  async has(cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    return (await request(store.getKey(keyOf(cid)))) !== undefined
  }

  async put(cid: CID, bytes: InputPair['bytes'], options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const value = await bytesOf(bytes)
    const { tx, store } = this.#db.transaction('readwrite')
    store.put(value, keyOf(cid))
    await writeCompletion(tx)
    return cid
  }

  /** Stores every pair in one transaction, then yields their CIDs; nothing is stored if it fails. */
  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    const pairs: { cid: CID; bytes: Uint8Array }[] = []
    for await (const { cid, bytes } of source) pairs.push({ cid, bytes: await bytesOf(bytes) })
    options?.signal?.throwIfAborted()
    if (pairs.length === 0) return
    const { tx, store } = this.#db.transaction('readwrite')
    for (const { cid, bytes } of pairs) store.put(bytes, keyOf(cid))
    await writeCompletion(tx)
    for (const { cid } of pairs) yield cid
  }

  /**
   * The block's bytes, in one chunk, as stored.
   * @throws {BlockNotFoundError} When no block of this multihash is stored.
   */
  async *get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    const value = (await request(store.get(keyOf(cid)))) as Uint8Array | undefined
    if (value === undefined) throw new BlockNotFoundError(`Block ${cid.toString()} is not in this blockstore`)
    yield value
  }

  /**
   * The blocks asked for, in order, read in one transaction.
   * @throws {BlockNotFoundError} At the first block that is not stored; the ones before it were yielded.
   */
  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    const cids: CID[] = []
    for await (const cid of source) cids.push(cid)
    options?.signal?.throwIfAborted()
    if (cids.length === 0) return
    const { store } = this.#db.transaction('readonly')
    // All reads are queued on one transaction before the first is awaited.
    const reads = cids.map((cid) => request(store.get(keyOf(cid))) as Promise<Uint8Array | undefined>)
    for (let i = 0; i < cids.length; i++) {
      const cid = cids[i] as CID
      const value = await (reads[i] as Promise<Uint8Array | undefined>)
      if (value === undefined) throw new BlockNotFoundError(`Block ${cid.toString()} is not in this blockstore`)
      yield { cid, bytes: (function* () { yield value })() }
    }
  }

  async delete(cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    const { tx, store } = this.#db.transaction('readwrite')
    store.delete(keyOf(cid))
    await writeCompletion(tx)
  }

  async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    const cids: CID[] = []
    for await (const cid of source) cids.push(cid)
    options?.signal?.throwIfAborted()
    if (cids.length === 0) return
    const { tx, store } = this.#db.transaction('readwrite')
    for (const cid of cids) store.delete(keyOf(cid))
    await writeCompletion(tx)
    yield* cids
  }

  /** Every stored block; keys hold only the multihash, so each comes back under a raw CIDv1. */
  async *getAll(options?: AbortOptions): AsyncGenerator<Pair> {
    options?.signal?.throwIfAborted()
    const { store } = this.#db.transaction('readonly')
    const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll()) as Promise<Uint8Array[]>])
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const value = values[i]
      if (typeof key !== 'string' || value === undefined) continue
      // The key holds only the multihash: blockstore-idb hands such blocks back as raw CIDs too.
      const cid = CID.createV1(raw.code, Digest.decode(base32upper.decoder.decode(key.substring(1))))
      yield { cid, bytes: (function* () { yield value })() }
    }
  }
}
