// The slow path, for heads only stock OrbitDB peers hold: walk back from the head one block
// at a time over bitswap, then check and store what came exactly as a pull's entries are.
import { parseHash, readBlock, type BlockReader } from './blocks.ts'
import { entryOfBlock, parentsOf } from './entryAdmission.ts'
import { byTime, type LogStore } from './logStore.ts'
import { P2PError } from './p2pError.ts'
import type { LogEntry } from './logEntry.ts'
import type { SyncSink } from './syncProtocol.ts'

/** The walk stops after this many entries in one go; the next head it hears of continues. */
const MAX_BITSWAP_ENTRIES = 50_000
const BITSWAP_TIMEOUT_MS = 30_000

/**
 * A fetcher of heads over `network`; one walk at a time, each handing its entries to a new `receiver`.
 * A walk fetches each block by its hash and checks only that the bytes match it and have the
 * form of a log entry; identity, signature, clock, links and write access are checked by the
 * receiver, as for a pull. It stops at entries the store holds and after 50,000 entries.
 * @param network - The block source: Helia's blockstore, which asks peers over bitswap.
 * @param store - The log fetched into: the walk stops at what it holds, and identity blocks it holds are not fetched again.
 * @param receiver - Makes the sink a walk hands its entries to, oldest first, in one frame.
 * @param closing - Aborts a walk's entry fetches when the log closes.
 * @returns The fetch of one head, queued after the walk under way; it rejects as the walk does.
 *   A walk fails with {@link P2PError} `SYNC_FAILED` when a block does not come within 30 s or is not a log entry.
 */
export function bitswapFallback(network: BlockReader, store: LogStore, receiver: () => SyncSink, closing: AbortSignal): (head: string) => Promise<void> {
  let fetching: Promise<void> = Promise.resolve()
  return (head) => {
    fetching = fetching.catch(() => undefined).then(async () => {
      const fetched = new Map<string, LogEntry>()
      const writers = new Set<string>()
      const stack = [head]
      while (stack.length > 0 && fetched.size < MAX_BITSWAP_ENTRIES) {
        const hash = stack.pop()
        const cid = hash === undefined ? undefined : parseHash(hash)
        if (hash === undefined || cid === undefined || store.has(hash) || fetched.has(hash)) continue
        const bytes = await readBlock(network, cid, { signal: AbortSignal.any([closing, AbortSignal.timeout(BITSWAP_TIMEOUT_MS)]) })
        const entry = bytes === undefined ? 'it could not be fetched' : entryOfBlock(bytes, hash)
        if (typeof entry === 'string') throw new P2PError('SYNC_FAILED', `Entry ${hash} of this history could not be fetched from a peer`, { details: entry })
        fetched.set(hash, entry)
        if (store.identityBlock(entry.identity) === undefined) writers.add(entry.identity)
        stack.push(...parentsOf(entry))
      }
      const identities: Uint8Array[] = []
      for (const hash of writers) {
        const cid = parseHash(hash)
        const bytes = cid === undefined ? undefined : await readBlock(network, cid, { signal: AbortSignal.timeout(BITSWAP_TIMEOUT_MS) })
        if (bytes !== undefined) identities.push(bytes)
      }
      const sink = receiver()
      await sink.receive({ identities, entries: [...fetched.values()].sort(byTime).map((entry) => entry.bytes) })
      await sink.finish([head])
    })
    return fetching
  }
}
