// IndexedDbDatastore: datastore-idb's layout, the interface-datastore queries, and batches that
// store all of their changes or none and say why they failed.
import { IDBFactory, IDBKeyRange as FakeKeyRange } from 'fake-indexeddb'
import { Key, type Pair } from 'interface-datastore'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fullIndexedDb } from '../../test/fixtures/fullIndexedDb.ts'
import { IndexedDbDatastore } from './indexedDbDatastore.ts'
import { P2PError } from './p2pError.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (value: Uint8Array): string => new TextDecoder().decode(value)

async function all<T>(source: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of source) items.push(item)
  return items
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

async function opened(factory: IDBFactory = new IDBFactory()): Promise<IndexedDbDatastore> {
  const store = new IndexedDbDatastore('anamnesis/data', factory)
  await store.open()
  return store
}

// The page has IDBKeyRange; Node has it only from fake-indexeddb.
beforeAll(() => vi.stubGlobal('IDBKeyRange', FakeKeyRange))
afterAll(() => vi.unstubAllGlobals())

describe('IndexedDbDatastore', () => {
  it('reads what datastore-idb stored: one store named after the location, values under the key string', async () => {
    const factory = new IDBFactory()
    const open = factory.open('anamnesis/data', 1)
    open.onupgradeneeded = () => open.result.createObjectStore('anamnesis/data')
    const db = await request(open)
    const tx = db.transaction('anamnesis/data', 'readwrite')
    tx.objectStore('anamnesis/data').put(bytes('peer record'), '/peers/abc')
    await new Promise((resolve) => (tx.oncomplete = resolve))
    db.close()

    const store = await opened(factory)
    expect(text(await store.get(new Key('/peers/abc')))).toBe('peer record')
    await store.put(new Key('/anamnesis/history-log/x/heads'), bytes('{}'))
    await store.close()
    const again = await request(factory.open('anamnesis/data', 1))
    const keys = await request(again.transaction('anamnesis/data').objectStore('anamnesis/data').getAllKeys())
    again.close()
    expect(keys).toEqual(['/anamnesis/history-log/x/heads', '/peers/abc'])
  })

  it('puts, gets, tells what it has, deletes, and names a missing key NotFoundError as libp2p expects', async () => {
    const store = await opened()
    const key = new Key('/info/self')
    expect(await store.has(key)).toBe(false)
    await expect(store.get(key)).rejects.toMatchObject({ name: 'NotFoundError' })
    await store.put(key, bytes('me'))
    expect(await store.has(key)).toBe(true)
    expect(text(await store.get(key))).toBe('me')
    await store.delete(key)
    expect(await store.has(key)).toBe(false)
    await store.close()
  })

  it('answers queries by prefix, with filters, orders, offset and limit, and keys alone', async () => {
    const store = await opened()
    for (const key of ['/a/1', '/a/2', '/a/3', '/ab/1', '/b/1', '/a']) await store.put(new Key(key), bytes(key))
    const keysOf = (pairs: Pair[]): string[] => pairs.map((pair) => pair.key.toString())
    expect(keysOf(await all(store.query({ prefix: '/a/' })))).toEqual(['/a/1', '/a/2', '/a/3'])
    expect(keysOf(await all(store.query({ prefix: '/a' })))).toEqual(['/a', '/a/1', '/a/2', '/a/3', '/ab/1'])
    expect(keysOf(await all(store.query({ prefix: '/c' })))).toEqual([])
    expect(keysOf(await all(store.query({})))).toHaveLength(6)
    const descending = (a: Pair, b: Pair): -1 | 0 | 1 => (a.key.toString() < b.key.toString() ? 1 : a.key.toString() > b.key.toString() ? -1 : 0)
    expect(keysOf(await all(store.query({ prefix: '/a/', orders: [descending], offset: 1, limit: 1 })))).toEqual(['/a/2'])
    expect(keysOf(await all(store.query({ filters: [(pair) => text(pair.value).endsWith('1')] })))).toEqual(['/a/1', '/ab/1', '/b/1'])
    expect((await all(store.queryKeys({ prefix: '/a/' }))).map(String)).toEqual(['/a/1', '/a/2', '/a/3'])
    await store.close()
  })

  it('commits a batch as one: its puts and deletes together, the last change to a key winning', async () => {
    const store = await opened()
    await store.put(new Key('/old'), bytes('old'))
    const batch = store.batch()
    batch.put(new Key('/heads'), bytes('h1'))
    batch.put(new Key('/batch/1'), bytes('b1'))
    batch.delete(new Key('/old'))
    batch.delete(new Key('/batch/1'))
    batch.put(new Key('/batch/1'), bytes('b1 again'))
    await batch.commit()
    expect((await all(store.queryKeys({}))).map(String)).toEqual(['/batch/1', '/heads'])
    expect(text(await store.get(new Key('/batch/1')))).toBe('b1 again')
    await store.close()
  })

  it('stores nothing of a batch one of whose values cannot be stored, and rejects', async () => {
    const store = await opened()
    const batch = store.batch()
    batch.put(new Key('/heads'), bytes('h1'))
    // A function cannot be cloned into IndexedDB: the write fails when it is queued.
    batch.put(new Key('/batch/1'), (() => undefined) as unknown as Uint8Array)
    await expect(batch.commit()).rejects.toMatchObject({ name: 'DataCloneError' })
    expect(await store.has(new Key('/heads'))).toBe(false)
    await store.close()
  })

  it('rejects with STORAGE_FULL when the disk is full, keeps nothing of the batch, and stores it once there is room', async () => {
    let full = false
    const store = await opened(fullIndexedDb(() => full))
    await store.put(new Key('/heads'), bytes('h1'))
    full = true
    const batch = store.batch()
    batch.put(new Key('/heads'), bytes('h2'))
    batch.put(new Key('/batch/2'), bytes('b2'))
    const failure = await Promise.resolve(batch.commit()).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(failure).toBeInstanceOf(P2PError)
    expect(failure).toMatchObject({ code: 'STORAGE_FULL', cause: { name: 'QuotaExceededError' } })
    await expect(store.put(new Key('/other'), bytes('x'))).rejects.toMatchObject({ code: 'STORAGE_FULL' })
    expect(text(await store.get(new Key('/heads')))).toBe('h1')
    expect(await store.has(new Key('/batch/2'))).toBe(false)

    full = false
    await batch.commit()
    expect(text(await store.get(new Key('/heads')))).toBe('h2')
    await store.close()
  })
})
