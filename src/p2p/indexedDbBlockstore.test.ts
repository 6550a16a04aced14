import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { encodeBlock } from './blocks.ts'
import { IndexedDbBlockstore } from './indexedDbBlockstore.ts'

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

async function bytesOf(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return Uint8Array.from(chunks.flatMap((chunk) => [...chunk]))
}

describe('IndexedDbBlockstore', () => {
  const blocks = Array.from({ length: 50 }, (_, n) => encodeBlock({ n, text: `block ${n}` }))
  const [zero, one, seven] = [blocks[0], blocks[1], blocks[7]].map((block) => {
    if (block === undefined) throw new Error('missing fixture')
    return block
  }) as [(typeof blocks)[number], (typeof blocks)[number], (typeof blocks)[number]]

  it('stores a batch in one go and reads it back, one by one or all at once', async () => {
    const store = new IndexedDbBlockstore('test/blocks', new IDBFactory())
    await store.open()
    expect(await all(store.putMany(blocks.map(({ cid, bytes }) => ({ cid, bytes }))))).toHaveLength(50)
    expect(await store.has(seven.cid)).toBe(true)
    expect(await bytesOf(store.get(seven.cid))).toEqual(seven.bytes)
    const read = await all(store.getMany(blocks.map(({ cid }) => cid)))
    expect(await Promise.all(read.map(({ bytes }) => bytesOf(bytes)))).toEqual(blocks.map(({ bytes }) => bytes))
    expect(await all(store.getAll())).toHaveLength(50)
    await store.close()
  })

  it('keeps what it stored across a reopen, and says so when a block is missing', async () => {
    const factory = new IDBFactory()
    const first = new IndexedDbBlockstore('test/blocks', factory)
    await first.open()
    await first.put(zero.cid, zero.bytes)
    await first.close()
    const again = new IndexedDbBlockstore('test/blocks', factory)
    await again.open()
    expect(await bytesOf(again.get(zero.cid))).toEqual(zero.bytes)
    expect(await again.has(one.cid)).toBe(false)
    await expect(bytesOf(again.get(one.cid))).rejects.toThrow(/not in this blockstore/)
    await again.delete(zero.cid)
    expect(await again.has(zero.cid)).toBe(false)
    await again.close()
  })
})
