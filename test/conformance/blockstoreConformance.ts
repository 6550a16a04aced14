// The interface-blockstore 7 contract as one suite that every blockstore we run must pass:
// the browser's IndexedDB store, the keeper's LevelDB store, and blockstore-core's
// MemoryBlockstore, the reference that proves the suite asks only what the contract says.
// interface-blockstore-tests is not on the registry here; this asserts what it asserts
// (NotFoundError by name, aborts whose message says "abort") and more.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const DAG_CBOR = 0x71
const SHA2_256 = 0x12

export interface BlockstoreUnderTest<B extends Blockstore> {
  /** An open store on a fresh, empty backing. */
  open(): Promise<B>
  /** Closes a store that open() or reopen() returned. */
  close(store: B): Promise<void>
  /** Only for a store that persists: a new open store on the backing of `closed`, which close() has closed. */
  reopen?: (closed: B) => Promise<B>
}

interface Block {
  cid: CID
  bytes: Uint8Array
}

/** A dag-cbor-named block, as OrbitDB writes them; `tag` makes its bytes, and so its CID, distinct. */
function block(tag: string, size = 0): Block {
  const bytes = concatBytes(utf8ToBytes(`block ${tag}`), new Uint8Array(size).fill(tag.length))
  return { cid: CID.createV1(DAG_CBOR, Digest.create(SHA2_256, sha256(bytes))), bytes }
}

const blocks = (count: number, prefix = ''): Block[] => Array.from({ length: count }, (_, n) => block(`${prefix}${n}`))

async function all<T>(source: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** A block's bytes whole: the contract lets a store hand them back in chunks. */
async function bytesOf(chunks: Pair['bytes']): Promise<Uint8Array> {
  return concatBytes(...(await all(chunks)))
}

// Inside async functions, so that a store which throws at once (MemoryBlockstore does) rejects like one that throws later.
const read = async (store: Blockstore, cid: CID, options?: { signal: AbortSignal }): Promise<Uint8Array> => bytesOf(store.get(cid, options))
const readMany = async (store: Blockstore, cids: CID[], options?: { signal: AbortSignal }): Promise<Block[]> =>
  Promise.all((await all(store.getMany(cids, options))).map(async ({ cid, bytes }) => ({ cid, bytes: await bytesOf(bytes) })))
const has = async (store: Blockstore, cid: CID, options?: { signal: AbortSignal }): Promise<boolean> => store.has(cid, options)
const remove = async (store: Blockstore, cid: CID, options?: { signal: AbortSignal }): Promise<void> => store.delete(cid, options)
const put = async (store: Blockstore, cid: CID, bytes: InputPair['bytes'], options?: { signal: AbortSignal }): Promise<CID> => store.put(cid, bytes, options)

const multihashHex = (cid: CID): string => bytesToHex(cid.multihash.bytes)

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await Promise.resolve()
    yield item
  }
}

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

export function blockstoreConformance<B extends Blockstore>(name: string, subject: BlockstoreUnderTest<B>): void {
  describe(`${name} meets the interface-blockstore contract`, () => {
    let store: B

    beforeEach(async () => {
      store = await subject.open()
    })

    afterEach(async () => {
      await subject.close(store)
    })

    describe('put, get, has, delete', () => {
      it('put returns the CID, has then finds the block and get yields its bytes', async () => {
        const one = block('one')
        expect((await put(store, one.cid, one.bytes)).equals(one.cid)).toBe(true)
        expect(await has(store, one.cid)).toBe(true)
        expect(await read(store, one.cid)).toEqual(one.bytes)
      })

      it('says a block it never stored is absent: has is false, get and getMany throw a NotFoundError', async () => {
        const stored = block('stored')
        const missing = block('missing')
        await put(store, stored.cid, stored.bytes)
        expect(await has(store, missing.cid)).toBe(false)
        expect(await rejection(() => read(store, missing.cid))).toHaveProperty('name', 'NotFoundError')
        expect(await rejection(() => readMany(store, [stored.cid, missing.cid]))).toHaveProperty('name', 'NotFoundError')
      })

      it('takes the bytes whole or in chunks, from a sync or an async iterable', async () => {
        const [whole, chunked, streamed] = blocks(3, 'chunks ') as [Block, Block, Block]
        const halves = (bytes: Uint8Array): Uint8Array[] => [bytes.slice(0, 3), bytes.slice(3)]
        await put(store, whole.cid, whole.bytes)
        await put(store, chunked.cid, halves(chunked.bytes))
        await put(store, streamed.cid, slowly(halves(streamed.bytes)))
        for (const { cid, bytes } of [whole, chunked, streamed]) expect(await read(store, cid)).toEqual(bytes)
      })

      it('stores an empty block and a 1 MiB block', async () => {
        const empty = { cid: CID.createV1(raw.code, Digest.create(SHA2_256, sha256(new Uint8Array(0)))), bytes: new Uint8Array(0) }
        const large = block('large', 1 << 20)
        await put(store, empty.cid, empty.bytes)
        await put(store, large.cid, large.bytes)
        expect(await has(store, empty.cid)).toBe(true)
        expect(await read(store, empty.cid)).toEqual(empty.bytes)
        // Compared by hash: toEqual walks a mebibyte one byte at a time.
        const digest = (bytes: Uint8Array): string => `${bytes.length} ${bytesToHex(sha256(bytes))}`
        expect(digest(await read(store, large.cid))).toBe(digest(large.bytes))
      })

      it('stores a block under an identity CID like any other', async () => {
        const bytes = utf8ToBytes('inline')
        const cid = CID.createV1(raw.code, identity.digest(bytes))
        await put(store, cid, bytes)
        expect(await has(store, cid)).toBe(true)
        expect(await read(store, cid)).toEqual(bytes)
        await remove(store, cid)
        expect(await has(store, cid)).toBe(false)
      })

      it('names a block by its multihash: a CID of another codec or version with the same hash finds it', async () => {
        const one = block('one')
        await put(store, one.cid, one.bytes)
        const asRaw = CID.createV1(raw.code, one.cid.multihash)
        const asV0 = CID.createV0(Digest.create(SHA2_256, one.cid.multihash.digest))
        expect(await has(store, asRaw)).toBe(true)
        expect(await has(store, asV0)).toBe(true)
        expect(await read(store, asRaw)).toEqual(one.bytes)
        expect(await read(store, asV0)).toEqual(one.bytes)
      })

      it('keeps one copy of a block stored twice', async () => {
        const one = block('one')
        await put(store, one.cid, one.bytes)
        await put(store, one.cid, one.bytes)
        expect(await all(store.getAll())).toHaveLength(1)
      })

      it('delete removes the block and leaves the others; deleting a block it does not hold is no error', async () => {
        const [gone, kept] = blocks(2) as [Block, Block]
        await put(store, gone.cid, gone.bytes)
        await put(store, kept.cid, kept.bytes)
        await remove(store, gone.cid)
        await remove(store, gone.cid)
        await remove(store, block('never stored').cid)
        expect(await has(store, gone.cid)).toBe(false)
        expect(await rejection(() => read(store, gone.cid))).toHaveProperty('name', 'NotFoundError')
        expect(await read(store, kept.cid)).toEqual(kept.bytes)
      })
    })

    describe('putMany, getMany, deleteMany, getAll', () => {
      it('putMany yields each CID in the order given, and every block is stored once it has', async () => {
        const batch = blocks(20)
        const yielded = await all(store.putMany(slowly(batch.map(({ cid, bytes }) => ({ cid, bytes: slowly([bytes]) })))))
        expect(yielded.map(String)).toEqual(batch.map(({ cid }) => cid.toString()))
        for (const { cid, bytes } of batch) expect(await read(store, cid)).toEqual(bytes)
      })

      it('getMany yields each block in the order asked, from a sync or an async source', async () => {
        const batch = blocks(20)
        await all(store.putMany(batch))
        const asked = [...batch].reverse()
        for (const source of [asked.map(({ cid }) => cid), slowly(asked.map(({ cid }) => cid))]) {
          const pairs = await Promise.all((await all(store.getMany(source))).map(async ({ cid, bytes }) => ({ cid: cid.toString(), bytes: await bytesOf(bytes) })))
          expect(pairs).toEqual(asked.map(({ cid, bytes }) => ({ cid: cid.toString(), bytes })))
        }
      })

      it('deleteMany yields each CID in the order given and removes only those', async () => {
        const batch = blocks(20)
        await all(store.putMany(batch))
        const gone = batch.slice(0, 10)
        expect((await all(store.deleteMany(slowly(gone.map(({ cid }) => cid))))).map(String)).toEqual(gone.map(({ cid }) => cid.toString()))
        for (const { cid } of gone) expect(await has(store, cid)).toBe(false)
        for (const { cid } of batch.slice(10)) expect(await has(store, cid)).toBe(true)
      })

      it('an empty store lists nothing; putMany, getMany and deleteMany of nothing yield nothing and change nothing', async () => {
        expect(await all(store.getAll())).toEqual([])
        const one = block('one')
        await put(store, one.cid, one.bytes)
        expect(await all(store.putMany([]))).toEqual([])
        expect(await all(store.getMany([]))).toEqual([])
        expect(await all(store.deleteMany([]))).toEqual([])
        expect(await has(store, one.cid)).toBe(true)
        expect(await all(store.getAll())).toHaveLength(1)
      })

      it('getAll yields every block once, under a CID with its multihash', async () => {
        const batch = blocks(30)
        await all(store.putMany(batch))
        await remove(store, block('0').cid)
        const listed = await Promise.all((await all(store.getAll())).map(async ({ cid, bytes }) => ({ hash: multihashHex(cid), bytes: await bytesOf(bytes) })))
        const byHash = (a: { hash: string }, b: { hash: string }): number => a.hash.localeCompare(b.hash)
        expect(listed.sort(byHash)).toEqual(batch.slice(1).map(({ cid, bytes }) => ({ hash: multihashHex(cid), bytes })).sort(byHash))
      })
    })

    describe('scale and concurrency', () => {
      it('holds 1,000 blocks put in one batch', async () => {
        const batch = blocks(1000, 'many ')
        expect(await all(store.putMany(batch))).toHaveLength(1000)
        expect(await all(store.getAll())).toHaveLength(1000)
        expect(await readMany(store, batch.map(({ cid }) => cid))).toEqual(batch)
      })

      it('100 concurrent puts all land, and 100 concurrent deletes all take effect', async () => {
        const batch = blocks(100, 'parallel ')
        await Promise.all(batch.map(({ cid, bytes }) => put(store, cid, bytes)))
        expect(await Promise.all(batch.map(({ cid }) => has(store, cid)))).toEqual(batch.map(() => true))
        expect(await readMany(store, batch.map(({ cid }) => cid))).toEqual(batch)
        await Promise.all(batch.map(({ cid }) => remove(store, cid)))
        expect(await Promise.all(batch.map(({ cid }) => has(store, cid)))).toEqual(batch.map(() => false))
      })

      it('overlapping batches put at once leave every block stored once', async () => {
        const batch = blocks(60, 'overlap ')
        await Promise.all([all(store.putMany(batch.slice(0, 40))), all(store.putMany(batch.slice(20))), put(store, block('overlap 30').cid, block('overlap 30').bytes)])
        expect(await all(store.getAll())).toHaveLength(60)
        expect(await readMany(store, batch.map(({ cid }) => cid))).toEqual(batch)
      })
    })

    describe('abort signals', () => {
      const aborted = (): { signal: AbortSignal } => {
        const controller = new AbortController()
        controller.abort()
        return { signal: controller.signal }
      }
      const kept = block('kept')
      const fresh = block('fresh')
      const operations: [string, (store: Blockstore) => Promise<unknown>][] = [
        ['put', (s) => put(s, fresh.cid, fresh.bytes, aborted())],
        ['putMany', (s) => all(s.putMany([fresh], aborted()))],
        ['has', (s) => has(s, kept.cid, aborted())],
        ['get', (s) => read(s, kept.cid, aborted())],
        ['getMany', (s) => readMany(s, [kept.cid], aborted())],
        ['delete', (s) => remove(s, kept.cid, aborted())],
        ['deleteMany', (s) => all(s.deleteMany([kept.cid], aborted()))],
        ['getAll', async (s) => Promise.all((await all(s.getAll(aborted()))).map(({ bytes }) => bytesOf(bytes)))]
      ]

      it.each(operations)('%s with an aborted signal rejects, saying so, and changes nothing', async (_, operation) => {
        await put(store, kept.cid, kept.bytes)
        const error = await rejection(() => operation(store))
        expect(String(error)).toMatch(/abort/i)
        expect(await has(store, kept.cid)).toBe(true)
        expect(await has(store, fresh.cid)).toBe(false)
      })
    })

    const { reopen } = subject
    if (reopen !== undefined) {
      describe('persistence', () => {
        it('keeps its blocks, and forgets the deleted ones, across a close and a reopen', async () => {
          const batch = blocks(20, 'kept ')
          await all(store.putMany(batch.slice(0, 10)))
          for (const { cid, bytes } of batch.slice(10)) await put(store, cid, bytes)
          await all(store.deleteMany(batch.slice(0, 5).map(({ cid }) => cid)))
          await subject.close(store)
          store = await reopen(store)
          for (const { cid } of batch.slice(0, 5)) expect(await has(store, cid)).toBe(false)
          expect(await readMany(store, batch.slice(5).map(({ cid }) => cid))).toEqual(batch.slice(5))
          expect(await all(store.getAll())).toHaveLength(15)
        })
      })
    }
  })
}
