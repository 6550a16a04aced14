// The keeper's blockstore: blockstore-level, whose getMany reads one block at a time, with LevelDB's
// own multi-get instead. A keeper serves a history by reading its blocks a frame (128) at a time:
// one read per block cost it 40 µs each, most of its CPU with 50 histories pulled at once.
import { LevelBlockstore } from 'blockstore-level'
import { base32upper } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'

/** Blocks read in one LevelDB multi-get. */
const BATCH = 128

type Pair = { cid: CID; bytes: Generator<Uint8Array> | AsyncGenerator<Uint8Array> }

/** The key blockstore-level stores a block under (its default base, which the keeper keeps). */
const keyOf = (cid: CID): string => `/${base32upper.encoder.encode(cid.multihash.bytes)}`

export class BatchedLevelBlockstore extends LevelBlockstore {
  /** The blocks of `source`, in order, read BATCH keys at a time; a block not there throws as get() does when its bytes are read. */
  override async *getMany(source: AsyncIterable<CID> | Iterable<CID>, options?: { signal?: AbortSignal }): AsyncGenerator<Pair> {
    let batch: CID[] = []
    const read = async (cids: CID[]): Promise<Pair[]> => {
      options?.signal?.throwIfAborted()
      const values = await this.db.getMany(cids.map(keyOf))
      return cids.map((cid, i) => {
        const value = values[i]
        return { cid, bytes: value === undefined ? this.get(cid, options) : once(value) }
      })
    }
    for await (const cid of source) {
      batch.push(cid)
      if (batch.length < BATCH) continue
      yield* await read(batch)
      batch = []
    }
    if (batch.length > 0) yield* await read(batch)
  }
}

/** A block's bytes as the one chunk blockstores yield: a plain generator, not an async one (two promises fewer per block). */
function* once(bytes: Uint8Array): Generator<Uint8Array> {
  yield bytes
}
