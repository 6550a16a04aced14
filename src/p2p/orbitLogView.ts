// OrbitDB's view of a history log: its oplog over storages that read this log's state and
// write nothing, since the log stores its entries itself (logStore.ts), checked and batched.
import { Log, type LogInstance, type Storage } from '@orbitdb/core'
import { parseHash, readBlock } from './blocks.ts'
import { json, type LogStore } from './logStore.ts'
import type { P2PNode } from './node.ts'
import type { WalletIdentity } from './walletIdentity.ts'
import type { HistoryWriteAccess } from './writeAccess.ts'

const noop = (): Promise<void> => Promise.resolve()

/** A list as OrbitDB's storages iterate: asynchronously. */
async function* asyncList<T>(items: () => Iterable<T>): AsyncGenerator<T> {
  for (const item of items()) yield await Promise.resolve(item)
}

function readOnlyStorage(get: (key: string) => Promise<unknown>, iterate: () => AsyncIterable<[string, unknown]>): Storage {
  return {
    get,
    // OrbitDB writes only through its own append and join, which this database does not use.
    put: noop,
    del: noop,
    iterator: iterate,
    merge: noop,
    clear: noop,
    close: noop
  }
}

/**
 * OrbitDB's Log over this log's state, for OrbitDB's heads exchange: it reads entries, heads and
 * the index from `store` (or, for an entry not in it, the raw blockstore, unchecked), and writes nothing.
 * @param access - The log's write access controller, which OrbitDB's Log asks before it joins an entry.
 */
export async function orbitLogView(store: LogStore, blockstore: P2PNode['blockstore'], identity: WalletIdentity, address: string, access: HistoryWriteAccess): Promise<LogInstance> {
  const entryStorage = readOnlyStorage(
    async (hash) => {
      const known = store.get(hash)
      if (known !== undefined) return known.bytes
      const cid = parseHash(hash)
      return cid === undefined ? undefined : await readBlock(blockstore, cid)
    },
    () => asyncList(() => store.entries().map((entry): [string, unknown] => [entry.hash, entry.bytes]))
  )
  const headsStorage = readOnlyStorage(
    (key) => Promise.resolve(key === 'heads' ? json(store.heads().map((hash) => ({ hash, next: store.get(hash)?.next ?? [] }))) : undefined),
    () => asyncList((): [string, unknown][] => [['heads', json(store.heads())]])
  )
  const indexStorage = readOnlyStorage(
    (hash) => Promise.resolve(store.has(hash) ? true : undefined),
    () => asyncList(() => store.entries().map((entry): [string, unknown] => [entry.hash, true]))
  )
  return await Log(identity, { logId: address, access, entryStorage, headsStorage, indexStorage })
}
