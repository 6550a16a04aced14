// What IndexedDbBlockstore promises beyond the interface-blockstore contract, which
// test/conformance/blockstores.test.ts checks: blockstore-idb's layout, and no more stored than the block.
import { IDBFactory } from 'fake-indexeddb'
import { base32upper } from 'multiformats/bases/base32'
import { describe, expect, it } from 'vitest'
import { fullIndexedDb } from '../../test/fixtures/fullIndexedDb.ts'
import { encodeBlock } from './blocks.ts'
import { IndexedDbBlockstore } from './indexedDbBlockstore.ts'

async function all<T>(source: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = []
  for await (const chunk of source) chunks.push(chunk)
  return chunks
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

describe('IndexedDbBlockstore', () => {
  it('keeps blocks as blockstore-idb does: one store named after the location, keyed "/" + base32upper(multihash)', async () => {
    const factory = new IDBFactory()
    const store = new IndexedDbBlockstore('anamnesis/blocks', factory)
    await store.open()
    const block = encodeBlock({ visit: 1 })
    await store.put(block.cid, block.bytes)
    await store.close()
    const db = await request(factory.open('anamnesis/blocks'))
    const keys = await request(db.transaction('anamnesis/blocks').objectStore('anamnesis/blocks').getAllKeys())
    db.close()
    expect(keys).toEqual([`/${base32upper.encoder.encode(block.cid.multihash.bytes)}`])
  })

  it('names the missing block when it has none', async () => {
    const store = new IndexedDbBlockstore('anamnesis/blocks', new IDBFactory())
    await store.open()
    const missing = encodeBlock({ missing: true })
    await expect(all(store.get(missing.cid))).rejects.toThrow(`Block ${missing.cid.toString()} is not in this blockstore`)
    await store.close()
  })

  // IndexedDB clones a Uint8Array with the whole ArrayBuffer it views: a block decoded out of a
  // larger message (bitswap's protobuf reader hands out such views) would store the message with it.
  it('stores only the block, not the whole buffer that the given bytes are a view of', async () => {
    const store = new IndexedDbBlockstore('anamnesis/blocks', new IDBFactory())
    await store.open()
    const [alone, batched] = [encodeBlock({ visit: 2 }), encodeBlock({ visit: 3 })]
    const message = new Uint8Array(1 << 20)
    message.set(alone.bytes, 1000)
    message.set(batched.bytes, 2000)
    await store.put(alone.cid, message.subarray(1000, 1000 + alone.bytes.length))
    const put = await all(store.putMany([{ cid: batched.cid, bytes: message.subarray(2000, 2000 + batched.bytes.length) }]))
    expect(put).toEqual([batched.cid])
    for (const { cid, bytes } of [alone, batched]) {
      const [stored] = await all(store.get(cid))
      expect(stored).toEqual(bytes)
      expect(stored?.buffer.byteLength).toBe(bytes.length)
    }
    await store.close()
  })

  it('rejects a write on a full disk with STORAGE_FULL and stores none of the batch', async () => {
    let full = true
    const store = new IndexedDbBlockstore('anamnesis/blocks', fullIndexedDb(() => full))
    await store.open()
    const [first, second] = [encodeBlock({ visit: 4 }), encodeBlock({ visit: 5 })]
    await expect(all(store.putMany([first, second]))).rejects.toMatchObject({ name: 'P2PError', code: 'STORAGE_FULL', cause: { name: 'QuotaExceededError' } })
    await expect(store.put(first.cid, first.bytes)).rejects.toMatchObject({ code: 'STORAGE_FULL' })
    expect([await store.has(first.cid), await store.has(second.cid)]).toEqual([false, false])
    full = false
    expect(await all(store.putMany([first, second]))).toEqual([first.cid, second.cid])
    await store.close()
  })
})
