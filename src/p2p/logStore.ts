// A history log's state and its storage: entries in memory, their blocks in the blockstore,
// and the heads and batch records in the datastore, one change at a time.
//
// Stored state (datastore, beside the blocks):
//   /anamnesis/history-log/<manifest hash>/heads        {"heads":[…],"seq":n}
//   /anamnesis/history-log/<manifest hash>/batch/<seq>  {"entries":[[hash, time, [parent hashes], size, identity hash], …]}
//   (batches written before 2026-12 hold [hash, time, [parent hashes]] only)
// Both keys of a batch are written in one datastore batch, after the blocks, so a crash
// leaves either the whole batch in the log or none of it (blocks alone are not the log).
// A batch record keeps each entry's links as they were when it was checked, so an entry
// whose block is later altered still has its place in the log, and verify() can say which.
//
// A lean store (a keeper's, which holds many logs it cannot read) keeps only each entry's outline in
// memory (hash, time, parents, writer identity, size), read from the batch records, and reads the
// blocks from the blockstore when it serves them.
import * as dagCbor from '@ipld/dag-cbor'
import { Key } from 'interface-datastore'
import { parseHash, readBlock } from './blocks.ts'
import { checkWriter, entryOfStoredBlock, parentsOf } from './entryAdmission.ts'
import { P2PError, storageWriteError } from './p2pError.ts'
import { parseIdentityBlock, type VerifiedIdentity, type WalletIdentity } from './walletIdentity.ts'
import type { LogNode } from './historyRoot.ts'
import type { LogEntry } from './logEntry.ts'
import type { P2PNode } from './node.ts'
import type { StoredEntry } from './patientLogApi.ts'
import type { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'

/** A writer identity's block, to be stored beside the entries that name it. */
export interface IdentityBlock {
  cid: CID
  bytes: Uint8Array
}

/** What a lean store keeps of an entry: its place in the log, its writer's identity and its block's size. */
export interface EntryOutline {
  hash: string
  time: number
  parents: readonly string[]
  /** The hash of the writer's identity block. */
  identity: string
  /** The block's size in bytes. */
  size: number
}

/** How a store keeps its entries. */
export interface LogStoreOptions {
  /**
   * Keep outlines only (EntryOutline): entries() and get() hold nothing, has(), timeOf(), nodes(),
   * outlines(), held() and entryBlocks() work from the outlines and the blockstore. A lean load
   * checks neither hashes nor signatures (those who read the entries do): damaged() lists only
   * entries whose block is missing or not dag-cbor.
   */
  lean?: boolean
}

/**
 * A history log's state in memory and its storage. It trusts what it is given: entries reach
 * commit() checked (logReceiver.ts, or written here), and what it loads from storage is re-checked
 * for hash, form, log and writer identity only; a load that fails those lists the entry as damaged.
 */
export interface LogStore {
  /** Every entry, parents before children (Lamport time, then hash); none in a lean store. */
  entries(): StoredEntry[]
  /** An entry; undefined in a lean store. */
  get(hash: string): StoredEntry | undefined
  has(hash: string): boolean
  /** An entry's Lamport time, or undefined when the log does not hold it. */
  timeOf(hash: string): number | undefined
  /** Every entry's outline, parents before children. */
  outlines(): EntryOutline[]
  /** How many entries the log holds (damaged ones aside), and their blocks' bytes. */
  held(): { entries: number; bytes: number }
  /** The entries' blocks, in the order asked, from memory or the blockstore; a missing block is left out. */
  entryBlocks(hashes: readonly string[]): Promise<Uint8Array[]>
  /** The heads as last committed or loaded: entries nothing else in the log follows. */
  heads(): string[]
  /** How many entries the log lists, damaged ones included. */
  count(): number
  /** Entries listed in storage whose block is missing or fails its checks. */
  damaged(): { hash: string; reason: string }[]
  /** Every entry as a node of the hash-linked chain, damaged ones with the links their batch recorded. */
  nodes(): Map<string, LogNode>
  /** A writer identity, from memory or the blockstore, verified. */
  identityOf(hash: string): Promise<VerifiedIdentity | undefined>
  /** The block of an identity already known to this log (its own, verified, learnt or loaded), or undefined. */
  identityBlock(hash: string): Uint8Array | undefined
  /**
   * Keeps an identity block a peer sent, when it is a sound wallet identity (hash computed from
   * the bytes, form, key's signature over the id, wallet's binding); returns it when it is new and
   * must be stored with the entries, undefined when it is unsound or known.
   */
  learnIdentity(bytes: Uint8Array): IdentityBlock | undefined
  /** Reads blocks from the raw store; a block that is missing is absent from the answer. */
  readBlocks(hashes: readonly string[]): Promise<Map<string, Uint8Array>>
  /**
   * Loads the batches committed since the last load; with `onlyIfNewer`, nothing when no batch was.
   * Returns the entries loaded. An entry whose block fails its checks is listed as damaged; a batch
   * record that is not JSON rejects, as do the stores' errors.
   */
  reload(onlyIfNewer: boolean): Promise<StoredEntry[]>
  /**
   * Stores new entries: blocks in one transaction, then the batch and the heads in another. The
   * entries are not checked here; the caller runs it inside serial(). Rejects as the stores do, with
   * a refusal for want of space as P2PError `STORAGE_FULL`; a commit that rejects changes nothing
   * the log lists (blocks alone are not the log).
   */
  commit(added: readonly StoredEntry[], identities?: readonly IdentityBlock[]): Promise<void>
  /** Runs changes to the log one at a time: appends, joins and reloads never interleave. */
  serial<T>(work: () => Promise<T>): Promise<T>
  readonly closed: boolean
  /** @throws {P2PError} `LOG_CLOSED` once the log is closed. */
  ensureOpen(): void
  /** Marks the log closed: what checks ensureOpen() stops from here on. */
  markClosed(): void
  /** Resolves when the changes under way are done. */
  idle(): Promise<unknown>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
/** A value as JSON bytes: how the heads and batch records are stored. */
export const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))
/** Log order: Lamport time, then hash; parents come before children. */
export const byTime = (a: LogEntry, b: LogEntry): number => a.clock.time - b.clock.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)

/** Runs a store's generator to its end; returns how many items it gave. */
async function drain(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<number> {
  let count = 0
  for await (const item of source) count += item === undefined ? 0 : 1
  return count
}

/**
 * The store of the log at `address`, empty until reload(): its keys in the node's datastore are
 * named by the manifest hash, its blocks are in the node's raw blockstore.
 * @param identity - This device's identity, known from the start so its own entries need no lookup.
 */
export function openLogStore(node: Pick<P2PNode, 'blockstore' | 'datastore'>, address: string, identity: WalletIdentity, options: LogStoreOptions = {}): LogStore {
  const lean = options.lean === true
  const { blockstore, datastore } = node
  const manifestHash = address.split('/').pop() ?? address
  const headsKey = new Key(`/anamnesis/history-log/${manifestHash}/heads`)
  const batchPrefix = `/anamnesis/history-log/${manifestHash}/batch/`
  const batchKey = (seq: number): Key => new Key(`${batchPrefix}${String(seq).padStart(12, '0')}`)

  const entries = new Map<string, StoredEntry>()
  let sorted: StoredEntry[] | undefined
  /** A lean store's entries, and the same in log order once asked for. */
  const outlines = new Map<string, EntryOutline>()
  let sortedOutlines: EntryOutline[] | undefined
  let leanBytes = 0
  /** One string per writer identity across a lean store's outlines. */
  const identityNames = new Map<string, string>()
  const addOutline = (outline: EntryOutline): void => {
    const named = identityNames.get(outline.identity) ?? outline.identity
    identityNames.set(named, named)
    // A parent's hash is the string its own outline holds: a history of one writer's chain keeps each hash once.
    const parents = outline.parents.map((hash) => outlines.get(hash)?.hash ?? hash)
    outlines.set(outline.hash, { hash: outline.hash, time: outline.time, parents, identity: named, size: outline.size })
    leanBytes += outline.size
    sortedOutlines = undefined
  }
  const outlineOf = (entry: StoredEntry): EntryOutline => ({ hash: entry.hash, time: entry.clock.time, parents: parentsOf(entry), identity: entry.identity, size: entry.bytes.length })
  const byOutlineTime = (a: EntryOutline, b: EntryOutline): number => a.time - b.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)
  let heads = new Set<string>()
  let seq = 0
  const damaged = new Map<string, string>()
  /** Links and time of every entry as stored in the batch records, for entries whose block is damaged. */
  const structure = new Map<string, LogNode>()
  const identities = new Map<string, VerifiedIdentity>([[identity.verified.hash, identity.verified]])
  const identityBlocks = new Map<string, Uint8Array>([[identity.verified.hash, identity.bytes]])
  /** Identities learnt from a peer and not yet stored: the first commit of an entry they signed stores them. */
  const unstored = new Set<string>()
  let closed = false

  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work)
    queue = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  const sortedEntries = (): StoredEntry[] => (sorted ??= [...entries.values()].sort(byTime))

  const identityOf = async (hash: string): Promise<VerifiedIdentity | undefined> => {
    const known = identities.get(hash)
    if (known !== undefined) return known
    const cid = parseHash(hash)
    const bytes = cid === undefined ? undefined : await readBlock(blockstore, cid)
    if (bytes === undefined) return undefined
    const verified = parseIdentityBlock(bytes)
    if (typeof verified === 'string' || verified.hash !== hash) return undefined
    identities.set(hash, verified)
    identityBlocks.set(hash, bytes)
    return verified
  }

  /** One transaction where the store allows it, one read per block where one is missing. */
  const readBlocks = async (hashes: readonly string[]): Promise<Map<string, Uint8Array>> => {
    const found = new Map<string, Uint8Array>()
    const cids = hashes.map((hash) => [hash, parseHash(hash)] as const).filter((pair): pair is readonly [string, CID] => pair[1] !== undefined)
    try {
      let i = 0
      for await (const { bytes } of blockstore.getMany(cids.map(([, cid]) => cid))) {
        const chunks: Uint8Array[] = []
        for await (const chunk of bytes) chunks.push(chunk)
        const hash = cids[i++]?.[0]
        if (hash !== undefined && chunks.length === 1 && chunks[0] !== undefined) found.set(hash, chunks[0])
        else if (hash !== undefined) found.set(hash, Uint8Array.from(chunks.flatMap((c) => [...c])))
      }
    } catch {
      found.clear()
      await Promise.all(
        cids.map(async ([hash, cid]) => {
          const bytes = await readBlock(blockstore, cid)
          if (bytes !== undefined) found.set(hash, bytes)
        })
      )
    }
    return found
  }

  /**
   * A lean load: outlines from the batch records; the blocks are read only for batches written before
   * records named each entry's identity and size (their identity decoded, nothing checked).
   */
  const loadOutlines = async (nodes: readonly (LogNode & Partial<Pick<EntryOutline, 'identity' | 'size'>>)[]): Promise<void> => {
    const older: LogNode[] = []
    for (const node of nodes) {
      if (outlines.has(node.hash) || damaged.has(node.hash)) continue
      if (node.identity !== undefined && node.size !== undefined) addOutline({ hash: node.hash, time: node.time, parents: node.parents, identity: node.identity, size: node.size })
      else older.push(node)
    }
    const blocks = await readBlocks(older.map((node) => node.hash))
    for (const node of older) {
      const bytes = blocks.get(node.hash)
      let named: unknown
      try {
        named = bytes === undefined ? undefined : dagCbor.decode<{ identity?: unknown } | null>(bytes)?.identity
      } catch {
        named = undefined
      }
      if (bytes === undefined || typeof named !== 'string') {
        structure.set(node.hash, node)
        damaged.set(node.hash, bytes === undefined ? 'its block is missing from storage' : 'it is not a log entry')
        continue
      }
      addOutline({ hash: node.hash, time: node.time, parents: node.parents, identity: named, size: bytes.length })
    }
  }

  /** Adds stored entries named by `nodes` to memory (a load, or another tab's commit). */
  const loadEntries = async (nodes: readonly LogNode[]): Promise<StoredEntry[]> => {
    for (const node of nodes) structure.set(node.hash, node)
    const wanted = nodes.map((node) => node.hash).filter((hash) => !entries.has(hash) && !damaged.has(hash))
    const blocks = await readBlocks(wanted)
    const loaded: StoredEntry[] = []
    for (const hash of wanted) {
      const entry = entryOfStoredBlock(hash, blocks.get(hash))
      // Signatures were checked when the entries were admitted; verify() checks them again.
      const stored = typeof entry === 'string' ? entry : await checkWriter(entry, { address, identityOf })
      if (typeof stored === 'string') {
        damaged.set(hash, stored)
        continue
      }
      entries.set(hash, stored)
      loaded.push(stored)
    }
    sorted = undefined
    return loaded.sort(byTime)
  }

  const readState = async (): Promise<{ heads: string[]; seq: number }> => {
    try {
      const value = JSON.parse(decoder.decode(await datastore.get(headsKey))) as { heads?: unknown; seq?: unknown }
      const stateHeads = Array.isArray(value.heads) ? value.heads.filter((h): h is string => typeof h === 'string') : []
      return { heads: stateHeads, seq: typeof value.seq === 'number' ? value.seq : 0 }
    } catch {
      return { heads: [], seq: 0 }
    }
  }

  const reload = async (onlyIfNewer: boolean): Promise<StoredEntry[]> => {
    const state = await readState()
    if (state.seq <= seq && onlyIfNewer) return []
    const nodes: (LogNode & Partial<Pick<EntryOutline, 'identity' | 'size'>>)[] = []
    for await (const { key, value } of datastore.query({ prefix: batchPrefix })) {
      const at = Number(key.toString().slice(batchPrefix.length))
      if (!Number.isInteger(at) || at < seq || at >= state.seq) continue
      const batch = JSON.parse(decoder.decode(value)) as { entries?: unknown }
      if (!Array.isArray(batch.entries)) continue
      for (const item of batch.entries) {
        if (!Array.isArray(item)) continue
        const [hash, time, parents, size, named] = item as unknown[]
        if (typeof hash === 'string' && typeof time === 'number' && Array.isArray(parents)) {
          const outline = typeof size === 'number' && typeof named === 'string' ? { size, identity: named } : {}
          nodes.push({ hash, time, parents: parents.filter((p): p is string => typeof p === 'string'), ...outline })
        }
      }
    }
    // A lean store tells its callers of no entries: it holds none.
    const loaded = lean ? (await loadOutlines(nodes), []) : await loadEntries(nodes)
    heads = new Set(state.heads)
    seq = state.seq
    return loaded
  }

  const commit = async (added: readonly StoredEntry[], newIdentities: readonly IdentityBlock[] = []): Promise<void> => {
    const blocks = [...newIdentities]
    // An identity learnt in a pull that stored none of its entries is known here but not stored: a
    // later pull does not send it again, so it goes with the first entry it signed.
    const storing = new Set(newIdentities.map((block) => block.cid.toString(base58btc)))
    for (const entry of added) {
      const bytes = unstored.has(entry.identity) && !storing.has(entry.identity) ? identityBlocks.get(entry.identity) : undefined
      const cid = bytes === undefined ? undefined : parseHash(entry.identity)
      if (bytes !== undefined && cid !== undefined) {
        blocks.push({ cid, bytes })
        storing.add(entry.identity)
      }
    }
    for (const entry of added) {
      const cid = parseHash(entry.hash)
      if (cid !== undefined) blocks.push({ cid, bytes: entry.bytes })
    }
    // A store that refuses for want of space fails the commit with STORAGE_FULL, whatever store it is;
    // memory changes only after both writes, so a failed commit leaves the log as it was.
    try {
      await drain(blockstore.putMany(blocks))
    } catch (error) {
      throw storageWriteError(error)
    }
    for (const hash of storing) unstored.delete(hash)
    const nextHeads = new Set(heads)
    for (const entry of added) {
      for (const parent of parentsOf(entry)) nextHeads.delete(parent)
      nextHeads.add(entry.hash)
    }
    const batch = datastore.batch()
    batch.put(batchKey(seq), json({ entries: added.map((entry) => [entry.hash, entry.clock.time, parentsOf(entry), entry.bytes.length, entry.identity]) }))
    batch.put(headsKey, json({ heads: [...nextHeads], seq: seq + 1 }))
    try {
      await batch.commit()
    } catch (error) {
      throw storageWriteError(error)
    }
    seq += 1
    heads = nextHeads
    if (lean) for (const entry of added) addOutline(outlineOf(entry))
    else for (const entry of added) entries.set(entry.hash, entry)
    sorted = undefined
  }

  const entryBlocks = async (hashes: readonly string[]): Promise<Uint8Array[]> => {
    const read = lean ? await readBlocks(hashes) : undefined
    const blocks: Uint8Array[] = []
    for (const hash of hashes) {
      const bytes = read === undefined ? entries.get(hash)?.bytes : read.get(hash)
      if (bytes !== undefined) blocks.push(bytes)
    }
    return blocks
  }

  return {
    entries: sortedEntries,
    get: (hash) => entries.get(hash),
    has: (hash) => entries.has(hash) || outlines.has(hash),
    timeOf: (hash) => entries.get(hash)?.clock.time ?? outlines.get(hash)?.time,
    outlines: () => (lean ? (sortedOutlines ??= [...outlines.values()].sort(byOutlineTime)) : sortedEntries().map(outlineOf)),
    held: () => (lean ? { entries: outlines.size, bytes: leanBytes } : { entries: entries.size, bytes: [...entries.values()].reduce((sum, entry) => sum + entry.bytes.length, 0) }),
    entryBlocks,
    heads: () => [...heads],
    count: () => entries.size + outlines.size + damaged.size,
    damaged: () => [...damaged].map(([hash, reason]) => ({ hash, reason })),
    nodes: () => {
      const map = new Map<string, LogNode>()
      for (const entry of entries.values()) map.set(entry.hash, { hash: entry.hash, parents: parentsOf(entry), time: entry.clock.time })
      for (const outline of outlines.values()) map.set(outline.hash, { hash: outline.hash, parents: outline.parents, time: outline.time })
      for (const hash of damaged.keys()) {
        const node = structure.get(hash)
        if (node !== undefined) map.set(hash, node)
      }
      return map
    },
    identityOf,
    identityBlock: (hash) => identityBlocks.get(hash),
    learnIdentity: (bytes) => {
      const verified = parseIdentityBlock(bytes)
      if (typeof verified === 'string' || identities.has(verified.hash)) return undefined
      identities.set(verified.hash, verified)
      identityBlocks.set(verified.hash, bytes)
      unstored.add(verified.hash)
      const cid = parseHash(verified.hash)
      return cid === undefined ? undefined : { cid, bytes }
    },
    readBlocks,
    reload,
    commit,
    serial,
    get closed() {
      return closed
    },
    ensureOpen: () => {
      if (closed) throw new P2PError('LOG_CLOSED', 'This history is closed: open it again')
    },
    markClosed: () => {
      closed = true
    },
    idle: () => queue
  }
}
