// A patient's history log: an OrbitDB database of this project's own type, registered
// with OrbitDB, whose entries are OrbitDB v2 entries with one encrypted envelope each.
// Stock OrbitDB parts do what they are good at: the manifest and address, the write
// access controller, the identity provider, and the heads exchange that lets any
// OrbitDB peer replicate. What was slow is this database's own:
// - writes are batched: N entries are signed in memory and stored in one blockstore
//   transaction and one datastore transaction (the heads and the list of entries);
// - replication pulls every missing entry over one stream (syncProtocol.ts) and checks
//   each block's hash, signature, identity and write access before storing it.
//
// Stored state (datastore, beside the blocks):
//   /anamnesis/history-log/<manifest hash>/heads        {"heads":[…],"seq":n}
//   /anamnesis/history-log/<manifest hash>/batch/<seq>  {"entries":[[hash, time, [parent hashes]], …]}
// Both keys of a batch are written in one datastore batch, after the blocks, so a crash
// leaves either the whole batch in the log or none of it (blocks alone are not the log).
// A batch record keeps each entry's links as they were when it was checked, so an entry
// whose block is later altered still has its place in the log, and verify() can say which.
import { EventEmitter } from 'events'
import { peerIdFromString } from '@libp2p/peer-id'
import { Log, type LogEntry as OrbitLogEntry, type Storage } from '@orbitdb/core'
import Sync from '@orbitdb/core/src/sync.js'
import { Key } from 'interface-datastore'
import { hashOfBytes, parseHash, readBlock, type BlockReader } from './blocks.ts'
import { anchoredEntries, closure, historyRoot, type Anchor, type LogNode } from './historyRoot.ts'
import { createLogEntry, decodeLogEntry, signatureCheckOf, verifyEntrySignature, type LogEntry } from './logEntry.ts'
import { P2PError, describeError } from './p2pError.ts'
import { announceHeads, NoDirectConnectionError, pullLog, serveLog, stopServing, SyncRefusedError, SYNC_PROTOCOL, type Frame, type SyncSink, type SyncSource } from './syncProtocol.ts'
import { parseIdentityBlock, type VerifiedIdentity, type WalletAddress, type WalletIdentity } from './walletIdentity.ts'
import { WRITE_ACCESS_TYPE, type HistoryWriteAccess } from './writeAccess.ts'
import { verifySignatures, warmUpSignatureWorkers } from './verifySignatures.ts'
import { claimWriter, type TabCoordinationOptions, type WriterRole } from './writerLock.ts'
import type { P2PNode } from './node.ts'
import type { Connection, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export const HISTORY_LOG_TYPE = 'anamnesis-history'

/** The log's name: with the type and the access manifest, it fixes the address, so every peer finds a patient's log from the address alone. */
export function historyLogName(patient: string): string {
  return `anamnesis-history/${patient.toLowerCase()}`
}

/** An entry of the log with the wallet that wrote it (from its verified identity). */
export interface StoredEntry extends LogEntry {
  writer: WalletAddress
}

export type LogEvent =
  /** Entries joined the log: written here, pulled from a peer, or stored by another tab. */
  | { type: 'added'; entries: StoredEntry[]; origin: 'local' | 'peer' | 'tab' }
  /** Entries a peer offered that failed a check; they are not stored. */
  | { type: 'rejected'; entries: { hash: string; reason: string }[]; peer: string }
  /** A pull is under way: how many entries of it were settled so far. */
  | { type: 'progress'; peer: string; settled: number }
  /** Replication with a peer failed (what arrived before stays); `peer` when known. */
  | { type: 'sync-error'; peer?: string; error: string }
  /** This tab became the log's writer. */
  | { type: 'writer' }

/** One entry of the log as read back from storage by checkBlocks(). */
export interface BlockCheck {
  hash: string
  /** What is wrong with it; undefined when its hash, form, signature, identity, links and write access hold. */
  problem?: string
  writer?: WalletAddress
  /** The payload as stored, for the caller to decrypt. */
  payload?: Uint8Array
}

export interface PatientLog {
  readonly address: string
  readonly patient: WalletAddress
  /** This device's identity. */
  readonly identity: VerifiedIdentity
  /** Whether this tab writes the log (see writerLock.ts); other tabs hand their writes to it. */
  readonly writer: boolean
  /** Every entry, parents before children (Lamport time, then hash). */
  entries(): readonly StoredEntry[]
  get(hash: string): StoredEntry | undefined
  heads(): string[]
  /** Entries listed in storage whose block is missing or does not match its hash. */
  damaged(): { hash: string; reason: string }[]
  /** Appends one entry per payload, chained, in one storage transaction. */
  append(payloads: readonly Uint8Array[]): Promise<StoredEntry[]>
  subscribe(listener: (event: LogEvent) => void): () => void
  /**
   * Pulls what `peer` has and this log lacks; resolves when done. A pull from `peer` already under
   * way is followed by one more, for what it may have missed, unless `joinRunning` says that one will do.
   */
  syncWith(peer: PeerId | string, options?: { joinRunning?: boolean }): Promise<void>
  /** Every entry re-read from storage and checked: hash, form, signature, identity, links, write access. */
  checkBlocks(): Promise<BlockCheck[]>
  /** What to anchor on-chain now: the root of the heads and the number of entries. */
  anchor(): { root: `0x${string}`; entryCount: number }
  /** The entries an on-chain anchor covers, or undefined when this log does not hold them as anchored. */
  anchored(anchor: Anchor): Set<string> | undefined
  /** Forget cached write-grant answers, e.g. right after the app sees a grant or a revocation. */
  refreshAccess(): void
  close(): Promise<void>
}

export interface HistoryLogDeps {
  node: P2PNode
  coordination?: TabCoordinationOptions
  /** How long one pull may take before it is given up. Default 2 minutes. */
  pullTimeoutMs?: number
  /** How many entries a holder may send ahead of our acknowledgements (at least 128). Default 1,024. */
  pullWindow?: number
}

/** The database as OrbitDB sees it, plus the history log's own API. */
export interface HistoryLogDatabase extends PatientLog {
  type: typeof HISTORY_LOG_TYPE
  name: string
  meta: Record<string, unknown>
  events: EventEmitter
  log: Awaited<ReturnType<typeof Log>>
  access: HistoryWriteAccess
  peers: Set<string>
  drop(): Promise<void>
}

interface DatabaseParams {
  ipfs: unknown
  identity: WalletIdentity
  address: string
  name: string
  access: HistoryWriteAccess
  meta?: Record<string, unknown>
}

const deps = new WeakMap<object, HistoryLogDeps>()

/** Makes a node's parts known to the database type, which OrbitDB creates with its own parameters only. */
export function useNodeForHistoryLogs(dependencies: HistoryLogDeps): void {
  deps.set(dependencies.node.helia, dependencies)
}

/** The database type registered with OrbitDB (useDatabaseType). */
export const HistoryLogDatabase = Object.assign(
  () =>
    async (params: DatabaseParams): Promise<HistoryLogDatabase> => {
      const found = deps.get(params.ipfs as object)
      if (found === undefined) throw new P2PError('INVALID_LOG', 'Open history logs through startHistoryOrbit, which knows the node\'s stores')
      return await createHistoryLog(found, params)
    },
  { type: HISTORY_LOG_TYPE }
)

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))
const byTime = (a: LogEntry, b: LogEntry): number => a.clock.time - b.clock.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)
const parentsOf = (entry: LogEntry): string[] => [...entry.next, ...entry.refs]
const APPEND_FORWARD_TIMEOUT_MS = 15_000
const PULL_ATTEMPTS = 5
const PULL_RETRY_MS = 500
/** The slow path stops after this many entries in one go; the next head it hears of continues. */
const MAX_BITSWAP_ENTRIES = 50_000
const BITSWAP_TIMEOUT_MS = 30_000

/** Runs a store's generator to its end; returns how many items it gave. */
async function drain(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<number> {
  let count = 0
  for await (const item of source) count += item === undefined ? 0 : 1
  return count
}

/** A list as OrbitDB's storages iterate: asynchronously. */
async function* asyncList<T>(items: () => Iterable<T>): AsyncGenerator<T> {
  for (const item of items()) yield await Promise.resolve(item)
}

async function createHistoryLog(dependencies: HistoryLogDeps, params: DatabaseParams): Promise<HistoryLogDatabase> {
  const { node } = dependencies
  const { libp2p, blockstore, datastore } = node
  const { address, identity, access } = params
  if (access.type !== WRITE_ACCESS_TYPE) throw new P2PError('INVALID_LOG', 'A history log needs the Anamnesis write access controller')
  if ((identity as Partial<WalletIdentity>).verified === undefined) throw new P2PError('INVALID_IDENTITY', 'A history log is written with a wallet identity (createWalletIdentity)')
  const me = identity.verified
  const patient = access.patient
  const manifestHash = address.split('/').pop() ?? address
  const headsKey = new Key(`/anamnesis/history-log/${manifestHash}/heads`)
  const batchPrefix = `/anamnesis/history-log/${manifestHash}/batch/`
  const batchKey = (seq: number): Key => new Key(`${batchPrefix}${String(seq).padStart(12, '0')}`)

  const entries = new Map<string, StoredEntry>()
  let sorted: StoredEntry[] | undefined
  let heads = new Set<string>()
  let seq = 0
  const damaged = new Map<string, string>()
  /** Links and time of every entry as stored in the batch records, for entries whose block is damaged. */
  const structure = new Map<string, LogNode>()
  const identities = new Map<string, VerifiedIdentity>([[me.hash, me]])
  const identityBlocks = new Map<string, Uint8Array>([[me.hash, identity.bytes]])
  const listeners = new Set<(event: LogEvent) => void>()
  const logPeers = new Set<string>()
  const closing = new AbortController()
  let closed = false

  const emit = (event: LogEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        console.error('A history log listener failed:', error)
      }
    }
  }

  // One change to the log at a time: appends, joins and reloads never interleave.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work)
    queue = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  const ensureOpen = (): void => {
    if (closed) throw new P2PError('LOG_CLOSED', 'This history is closed: open it again')
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

  /** Reads blocks from the raw store: one transaction where the store allows it, one read per block where one is missing. */
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

  /** Adds stored entries named by `hashes` to memory (a load, or another tab's commit). */
  const loadEntries = async (nodes: readonly LogNode[]): Promise<StoredEntry[]> => {
    for (const node of nodes) structure.set(node.hash, node)
    const wanted = nodes.map((node) => node.hash).filter((hash) => !entries.has(hash) && !damaged.has(hash))
    const blocks = await readBlocks(wanted)
    const loaded: StoredEntry[] = []
    for (const hash of wanted) {
      const bytes = blocks.get(hash)
      if (bytes === undefined) {
        damaged.set(hash, 'its block is missing from storage')
        continue
      }
      if (hashOfBytes(bytes) !== hash) {
        damaged.set(hash, 'its stored content does not match its hash: the block was altered')
        continue
      }
      const entry = decodeLogEntry(bytes)
      const writer = typeof entry === 'string' ? undefined : await identityOf(entry.identity)
      if (typeof entry === 'string' || writer === undefined) {
        damaged.set(hash, typeof entry === 'string' ? `it is not a log entry: ${entry}` : 'its writer identity is not stored')
        continue
      }
      const stored = { ...entry, writer: writer.address }
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

  /** Loads the batches committed since `fromSeq` (by this tab before a reload, or by another tab). */
  const reload = async (origin: 'tab' | 'load'): Promise<StoredEntry[]> => {
    const state = await readState()
    if (state.seq <= seq && origin === 'tab') return []
    const nodes: LogNode[] = []
    for await (const { key, value } of datastore.query({ prefix: batchPrefix })) {
      const at = Number(key.toString().slice(batchPrefix.length))
      if (!Number.isInteger(at) || at < seq || at >= state.seq) continue
      const batch = JSON.parse(decoder.decode(value)) as { entries?: unknown }
      if (!Array.isArray(batch.entries)) continue
      for (const item of batch.entries) {
        if (!Array.isArray(item)) continue
        const [hash, time, parents] = item as unknown[]
        if (typeof hash === 'string' && typeof time === 'number' && Array.isArray(parents)) {
          nodes.push({ hash, time, parents: parents.filter((p): p is string => typeof p === 'string') })
        }
      }
    }
    const loaded = await loadEntries(nodes)
    heads = new Set(state.heads)
    seq = state.seq
    if (origin === 'tab' && loaded.length > 0) emit({ type: 'added', entries: loaded, origin: 'tab' })
    return loaded
  }

  /** Stores new entries: blocks in one transaction, then the batch and the heads in another. */
  const commit = async (added: StoredEntry[], origin: 'local' | 'peer', newIdentities: { cid: CID; bytes: Uint8Array }[] = []): Promise<void> => {
    const blocks = [...newIdentities]
    for (const entry of added) {
      const cid = parseHash(entry.hash)
      if (cid !== undefined) blocks.push({ cid, bytes: entry.bytes })
    }
    await drain(blockstore.putMany(blocks))
    const nextHeads = new Set(heads)
    for (const entry of added) {
      for (const parent of parentsOf(entry)) nextHeads.delete(parent)
      nextHeads.add(entry.hash)
    }
    const batch = datastore.batch()
    batch.put(batchKey(seq), json({ entries: added.map((entry) => [entry.hash, entry.clock.time, parentsOf(entry)]) }))
    batch.put(headsKey, json({ heads: [...nextHeads], seq: seq + 1 }))
    await batch.commit()
    seq += 1
    heads = nextHeads
    for (const entry of added) entries.set(entry.hash, entry)
    sorted = undefined
    emit({ type: 'added', entries: added, origin })
    role.post({ type: 'committed', seq })
  }

  // --- Writing -------------------------------------------------------------------------

  const appendHere = (payloads: readonly Uint8Array[]): Promise<StoredEntry[]> =>
    serial(async () => {
      ensureOpen()
      if (payloads.length === 0) return []
      if (!(await access.mayWrite(me.address))) {
        throw new P2PError('WRITE_NOT_ALLOWED', 'You have no live grant to write to this patient\'s history: ask the patient to grant write access')
      }
      let next = [...heads].sort()
      let time = Math.max(0, ...next.map((hash) => entries.get(hash)?.clock.time ?? 0)) + 1
      const created: StoredEntry[] = []
      for (const payload of payloads) {
        const entry = await createLogEntry({ identity, logId: address, payload, next, time })
        created.push({ ...entry, writer: me.address })
        next = [entry.hash]
        time += 1
      }
      await commit(created, 'local')
      announce()
      return created
    })

  let forwardId = 0
  const pendingForwards = new Map<string, { resolve: (hashes: string[]) => void; reject: (error: Error) => void }>()
  const tabId = globalThis.crypto.randomUUID()

  /** A reader tab hands its payloads to the writer tab and waits for the stored entries. */
  const forwardAppend = async (payloads: readonly Uint8Array[]): Promise<StoredEntry[]> => {
    ensureOpen()
    const id = `${tabId}/${forwardId++}`
    const hashes = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        pendingForwards.delete(id)
        reject(new P2PError('LOG_CLOSED', 'Another tab writes this history and did not answer: close other Anamnesis tabs and try again'))
      }, APPEND_FORWARD_TIMEOUT_MS)
      pendingForwards.set(id, {
        resolve: (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        }
      })
      role.post({ type: 'append', id, payloads: [...payloads] })
    })
    await serial(() => reload('tab'))
    return hashes.map((hash) => entries.get(hash)).filter((entry): entry is StoredEntry => entry !== undefined)
  }

  // --- Replication ---------------------------------------------------------------------

  /** A pull in progress from one peer: entries wait here until their parents and write access allow storing them. */
  const receiver = (peer: string): SyncSink => {
    const pending = new Map<string, { entry: StoredEntry; endorsed: boolean }>()
    const newIdentities: { cid: CID; bytes: Uint8Array }[] = []
    const refused: { hash: string; reason: string }[] = []
    let settled = 0

    const endorseAncestors = (from: StoredEntry): void => {
      const stack = parentsOf(from)
      while (stack.length > 0) {
        const hash = stack.pop()
        const waiting = hash === undefined ? undefined : pending.get(hash)
        if (waiting === undefined || waiting.endorsed) continue
        waiting.endorsed = true
        stack.push(...parentsOf(waiting.entry))
      }
    }

    /** Everything but the signature, which is checked for a whole frame at once. */
    const check = async (entry: LogEntry): Promise<StoredEntry | string> => {
      if (entry.id !== address) return 'it belongs to another log'
      const writer = await identityOf(entry.identity)
      if (writer === undefined) return 'its writer identity is unknown or not bound to a wallet'
      if (writer.publicKeyHex !== entry.key) return 'it is signed with a key that is not its writer identity\'s'
      return { ...entry, writer: writer.address }
    }

    /** Stores, in order, every waiting entry whose parents are in the log and whose writer may write. */
    const store = async (): Promise<void> => {
      const ready: StoredEntry[] = []
      const readyHashes = new Set<string>()
      for (const { entry, endorsed } of [...pending.values()].sort((a, b) => byTime(a.entry, b.entry))) {
        if (entries.has(entry.hash)) {
          pending.delete(entry.hash)
          continue
        }
        const parents = parentsOf(entry)
        if (!parents.every((hash) => entries.has(hash) || readyHashes.has(hash))) continue
        const parentTime = Math.max(0, ...parents.map((hash) => (entries.get(hash) ?? pending.get(hash)?.entry)?.clock.time ?? 0))
        if (entry.clock.time <= parentTime) {
          pending.delete(entry.hash)
          refused.push({ hash: entry.hash, reason: 'its clock is not after the entries it follows' })
          continue
        }
        if (entry.writer !== patient && !endorsed && !(await access.mayWrite(entry.writer))) continue
        ready.push(entry)
        readyHashes.add(entry.hash)
        pending.delete(entry.hash)
      }
      if (ready.length > 0) {
        await commit(ready, 'peer', newIdentities.splice(0))
        settled += ready.length
      }
    }

    return {
      receive: async (frame: Frame) => {
        ensureOpen()
        // What needs nothing of the log's state is checked at once, while the previous
        // frame is still being written to storage.
        for (const bytes of frame.identities) {
          const verified = parseIdentityBlock(bytes)
          if (typeof verified === 'string' || identities.has(verified.hash)) continue
          identities.set(verified.hash, verified)
          identityBlocks.set(verified.hash, bytes)
          const cid = parseHash(verified.hash)
          if (cid !== undefined) newIdentities.push({ cid, bytes })
        }
        const candidates: StoredEntry[] = []
        let known = 0
        for (const bytes of frame.entries) {
          const entry = decodeLogEntry(bytes)
          if (typeof entry === 'string') {
            refused.push({ hash: hashOfBytes(bytes), reason: `it is not a log entry: ${entry}` })
            continue
          }
          if (entries.has(entry.hash)) {
            known += 1
            continue
          }
          const result = await check(entry)
          if (typeof result === 'string') refused.push({ hash: entry.hash, reason: result })
          else candidates.push(result)
        }
        const signed = await verifySignatures(candidates.map(signatureCheckOf))
        const checked = candidates.filter((entry, i) => {
          if (signed[i] === true) return true
          refused.push({ hash: entry.hash, reason: 'its signature does not verify' })
          return false
        })
        return await serial(async () => {
          ensureOpen()
          settled += known
          for (const entry of checked) {
            if (entries.has(entry.hash) || pending.has(entry.hash)) {
              settled += 1
              continue
            }
            pending.set(entry.hash, { entry, endorsed: false })
            if (entry.writer === patient) endorseAncestors(entry)
          }
          await store()
          emit({ type: 'progress', peer, settled })
          return frame.entries.length
        })
      },
      finish: () =>
        serial(async () => {
          await store()
          for (const { entry } of pending.values()) {
            const missingParent = parentsOf(entry).some((hash) => !entries.has(hash))
            refused.push({
              hash: entry.hash,
              reason: missingParent ? 'it builds on an entry that was refused or never came' : `${entry.writer} has no live grant to write to this history`
            })
          }
          pending.clear()
          if (refused.length > 0) emit({ type: 'rejected', entries: refused.splice(0), peer })
        })
    }
  }

  const pulls = new Map<string, { running: Promise<void>; again: boolean }>()
  const pullTimeoutMs = dependencies.pullTimeoutMs ?? 120_000

  // A function, so the loop reads the flag anew after each await.
  const pullAgain = (state: { again: boolean }): boolean => state.again

  /** Pulls from `peer`; a second request while one runs makes it pull once more afterwards. */
  const pullFrom = (peer: PeerId, again = true): Promise<void> => {
    const key = peer.toString()
    const running = pulls.get(key)
    if (running !== undefined) {
      if (again) running.again = true
      return running.running
    }
    const state = { running: Promise.resolve(), again: false }
    state.running = (async () => {
      do {
        state.again = false
        ensureOpen()
        const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(pullTimeoutMs)])
        await pullLog(libp2p, peer, address, [...heads], receiver(key), signal, dependencies.pullWindow)
        logPeers.add(key)
      } while (pullAgain(state) && !closed)
    })().finally(() => pulls.delete(key))
    pulls.set(key, state)
    return state.running
  }

  /**
   * A pull started by an event: failures are reported as events, not thrown, and a pull cut
   * off while the peer is still connected is tried again (it resumes where it stopped).
   */
  const pullInBackground = (peer: PeerId, attempt = 1): void => {
    pullFrom(peer).catch((error: unknown) => {
      // Without a direct connection there is nothing to retry: the connection's opening pulls again.
      if (closed || error instanceof SyncRefusedError || error instanceof NoDirectConnectionError || (error instanceof Error && error.name === 'UnsupportedProtocolError')) return
      emit({ type: 'sync-error', peer: peer.toString(), error: describeError(error) })
      if (attempt >= PULL_ATTEMPTS) return
      setTimeout(() => {
        if (!closed && libp2p.getConnections(peer).some((connection) => connection.status === 'open' && connection.limits == null)) pullInBackground(peer, attempt + 1)
      }, PULL_RETRY_MS * attempt)
    })
  }

  const speaksSync = async (peer: PeerId): Promise<boolean> => {
    try {
      return (await libp2p.peerStore.get(peer)).protocols.includes(SYNC_PROTOCOL)
    } catch {
      return false
    }
  }

  const connectedPeers = (): PeerId[] => {
    const seen = new Map<string, PeerId>()
    for (const connection of libp2p.getConnections()) if (connection.status === 'open' && connection.limits == null) seen.set(connection.remotePeer.toString(), connection.remotePeer)
    return [...seen.values()]
  }

  /** Tells peers that have this log that it has new heads. */
  const announce = (): void => {
    const current = [...heads]
    const last = current.length === 1 ? entries.get(current[0] ?? '') : undefined
    // Stock OrbitDB peers learn of new heads on the log's pubsub topic.
    if (last !== undefined) sync.add(last as unknown as OrbitLogEntry).catch(() => undefined)
    for (const peer of connectedPeers()) {
      if (!logPeers.has(peer.toString()) && !sync.peers.has(peer.toString())) continue
      announceHeads(libp2p, peer, address, current).catch(() => undefined)
    }
  }

  const source: SyncSource = {
    address,
    heads: () => [...heads],
    missing: (have) => {
      const known = have.filter((hash) => entries.has(hash))
      const behind = closure(known, nodeMap())
      const out = sortedEntries().filter((entry) => !behind.has(entry.hash))
      const writers = new Set(out.map((entry) => entry.identity))
      return {
        identities: [...writers].map((hash) => identityBlocks.get(hash)).filter((bytes): bytes is Uint8Array => bytes !== undefined),
        entries: out.map((entry) => entry.bytes)
      }
    },
    announced: (peer, announcedHeads) => {
      logPeers.add(peer.toString())
      if (announcedHeads.some((hash) => !entries.has(hash))) pullInBackground(peer)
    },
    pulledBy: (peer) => {
      logPeers.add(peer.toString())
    }
  }

  const nodeMap = (): Map<string, LogNode> => {
    const map = new Map<string, LogNode>()
    for (const entry of entries.values()) map.set(entry.hash, { hash: entry.hash, parents: parentsOf(entry), time: entry.clock.time })
    for (const hash of damaged.keys()) {
      const node = structure.get(hash)
      if (node !== undefined) map.set(hash, node)
    }
    return map
  }

  // --- OrbitDB's view: the oplog over this database's state, read-only ----------------

  const noop = (): Promise<void> => Promise.resolve()
  const readOnlyStorage = (get: (key: string) => Promise<unknown>, iterate: () => AsyncIterable<[string, unknown]>): Storage => ({
    get,
    // OrbitDB writes only through its own append and join, which this database does not use.
    put: noop,
    del: noop,
    iterator: iterate,
    merge: noop,
    clear: noop,
    close: noop
  })
  const entryStorage = readOnlyStorage(
    async (hash) => {
      const known = entries.get(hash)
      if (known !== undefined) return known.bytes
      const cid = parseHash(hash)
      return cid === undefined ? undefined : await readBlock(blockstore, cid)
    },
    () => asyncList(() => sortedEntries().map((entry): [string, unknown] => [entry.hash, entry.bytes]))
  )
  const headsStorage = readOnlyStorage(
    (key) => Promise.resolve(key === 'heads' ? json([...heads].map((hash) => ({ hash, next: entries.get(hash)?.next ?? [] }))) : undefined),
    () => asyncList((): [string, unknown][] => [['heads', json([...heads])]])
  )
  const indexStorage = readOnlyStorage(
    (hash) => Promise.resolve(entries.has(hash) ? true : undefined),
    () => asyncList(() => [...entries.keys()].map((hash): [string, unknown] => [hash, true]))
  )

  const events = new EventEmitter()
  // OrbitDB's heads exchange reports a peer that went away mid-exchange as an 'error' event,
  // which an EventEmitter without a listener would throw.
  events.on('error', (error: unknown) => {
    if (!closed) emit({ type: 'sync-error', error: describeError(error) })
  })
  const log = await Log(identity, { logId: address, access, entryStorage, headsStorage, indexStorage })

  /** OrbitDB's heads exchange told us a head: pull it from peers that speak the bulk protocol. */
  /**
   * OrbitDB's heads exchange told us a head: pull it from peers that speak the bulk
   * protocol, or, when only stock OrbitDB peers have it, fetch it block by block over
   * bitswap, checked and stored exactly as a pull is.
   */
  const onRemoteHead = async (head: OrbitLogEntry): Promise<void> => {
    if (entries.has(head.hash) || closed) return
    let pulled = false
    for (const peerId of sync.peers) {
      const peer = peerIdFromString(peerId)
      if (!(await speaksSync(peer))) continue
      pullInBackground(peer)
      pulled = true
    }
    if (!pulled) {
      fetchOverBitswap(head.hash).catch((error: unknown) => {
        if (!closed) emit({ type: 'sync-error', error: describeError(error) })
      })
    }
  }

  let fetching: Promise<void> = Promise.resolve()
  /** The slow path, for heads only stock peers hold: walk back from the head one block at a time. */
  const fetchOverBitswap = (head: string): Promise<void> => {
    fetching = fetching.catch(() => undefined).then(async () => {
      const network = node.helia.blockstore as unknown as BlockReader
      const fetched = new Map<string, LogEntry>()
      const writers = new Set<string>()
      const stack = [head]
      while (stack.length > 0 && fetched.size < MAX_BITSWAP_ENTRIES) {
        const hash = stack.pop()
        const cid = hash === undefined ? undefined : parseHash(hash)
        if (hash === undefined || cid === undefined || entries.has(hash) || fetched.has(hash)) continue
        const bytes = await readBlock(network, cid, { signal: AbortSignal.any([closing.signal, AbortSignal.timeout(BITSWAP_TIMEOUT_MS)]) })
        const entry = bytes === undefined ? 'it could not be fetched' : decodeLogEntry(bytes)
        if (typeof entry === 'string' || entry.hash !== hash) throw new P2PError('SYNC_FAILED', `Entry ${hash} of this history could not be fetched from a peer`, { details: typeof entry === 'string' ? entry : 'hash mismatch' })
        fetched.set(hash, entry)
        if (!identities.has(entry.identity)) writers.add(entry.identity)
        stack.push(...parentsOf(entry))
      }
      const identityBytes: Uint8Array[] = []
      for (const hash of writers) {
        const cid = parseHash(hash)
        const bytes = cid === undefined ? undefined : await readBlock(network, cid, { signal: AbortSignal.timeout(BITSWAP_TIMEOUT_MS) })
        if (bytes !== undefined) identityBytes.push(bytes)
      }
      const sink = receiver('bitswap')
      await sink.receive({ identities: identityBytes, entries: [...fetched.values()].sort(byTime).map((entry) => entry.bytes) })
      await sink.finish([head])
    })
    return fetching
  }
  const sync = await Sync({ ipfs: params.ipfs as never, log, events, onSynced: onRemoteHead, start: false })

  // --- Tabs and start-up ---------------------------------------------------------------

  const role: WriterRole = await claimWriter(`anamnesis-history-log:${address}`, dependencies.coordination)

  const onIdentify = (event: CustomEvent<{ peerId: PeerId; protocols: string[] }>): void => {
    if (!closed && event.detail.protocols.includes(SYNC_PROTOCOL)) pullInBackground(event.detail.peerId)
  }
  // A new direct connection: pull at once rather than after identify (a peer without the
  // protocol or the log refuses in one round trip).
  const onConnection = (event: CustomEvent<Connection>): void => {
    if (!closed && event.detail.limits == null) pullInBackground(event.detail.remotePeer)
  }
  const onJoin = (peerId: string): void => {
    logPeers.add(peerId)
    if (!closed) pullInBackground(peerIdFromString(peerId))
  }

  let networking = false
  const startNetworking = async (): Promise<void> => {
    if (networking || closed) return
    networking = true
    warmUpSignatureWorkers()
    await serveLog(libp2p, source)
    await sync.start()
    events.on('join', onJoin)
    libp2p.addEventListener('peer:identify', onIdentify)
    libp2p.addEventListener('connection:open', onConnection)
    for (const peer of connectedPeers()) {
      if (!(await speaksSync(peer))) continue
      pullInBackground(peer)
      announceHeads(libp2p, peer, address, [...heads]).catch(() => undefined)
    }
  }

  role.onMessage((message) => {
    const m = message as { type?: unknown; id?: unknown; payloads?: unknown; hashes?: unknown; error?: unknown }
    if (m.type === 'committed' && !role.writer) {
      void serial(() => reload('tab')).catch(() => undefined)
    } else if (m.type === 'append' && role.writer && typeof m.id === 'string' && Array.isArray(m.payloads)) {
      const id = m.id
      const payloads = m.payloads.filter((p): p is Uint8Array => p instanceof Uint8Array)
      appendHere(payloads).then(
        (stored) => role.post({ type: 'appended', id, hashes: stored.map((entry) => entry.hash) }),
        (error: unknown) => role.post({ type: 'appended', id, error: describeError(error) })
      )
    } else if (m.type === 'appended' && typeof m.id === 'string') {
      const waiting = pendingForwards.get(m.id)
      pendingForwards.delete(m.id)
      if (waiting === undefined) return
      if (Array.isArray(m.hashes)) waiting.resolve(m.hashes.filter((h): h is string => typeof h === 'string'))
      else waiting.reject(new P2PError('WRITE_NOT_ALLOWED', typeof m.error === 'string' ? m.error : 'The writer tab refused the entries'))
    }
  })
  role.onPromoted(() => {
    void serial(() => reload('tab'))
      .then(async () => {
        emit({ type: 'writer' })
        await startNetworking()
      })
      .catch(() => undefined)
  })

  await serial(() => reload('load'))
  if (role.writer) await startNetworking()

  const db: HistoryLogDatabase = {
    type: HISTORY_LOG_TYPE,
    address,
    name: params.name,
    meta: params.meta ?? {},
    patient,
    identity: me,
    get writer() {
      return role.writer
    },
    events,
    log,
    access,
    peers: sync.peers,
    entries: () => sortedEntries(),
    get: (hash) => entries.get(hash),
    heads: () => [...heads],
    damaged: () => [...damaged].map(([hash, reason]) => ({ hash, reason })),
    append: (payloads) => (role.writer ? appendHere(payloads) : forwardAppend(payloads)),
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    syncWith: (peer, options) => pullFrom(typeof peer === 'string' ? peerIdFromString(peer) : peer, options?.joinRunning !== true),
    checkBlocks: () => checkBlocks(),
    anchor: () => ({ root: historyRoot(heads), entryCount: entries.size + damaged.size }),
    anchored: (anchor) => anchoredEntries(nodeMap(), anchor),
    refreshAccess: () => access.refresh(),
    close: async () => {
      if (closed) return
      closed = true
      closing.abort()
      libp2p.removeEventListener('peer:identify', onIdentify)
      libp2p.removeEventListener('connection:open', onConnection)
      events.off('join', onJoin)
      await Promise.allSettled([...pulls.values()].map((p) => p.running))
      await queue
      if (networking) {
        await stopServing(libp2p, address)
        await sync.stop()
      }
      role.release()
      for (const waiting of pendingForwards.values()) waiting.reject(new P2PError('LOG_CLOSED', 'This history was closed'))
      events.emit('close')
    },
    drop: () => Promise.reject(new P2PError('INVALID_LOG', 'A patient\'s history is never dropped'))
  }

  /** verify()'s part here: each entry re-read from storage and checked again from scratch. */
  const checkBlocks = async (): Promise<BlockCheck[]> => {
    const hashes = [...sortedEntries().map((entry) => entry.hash), ...damaged.keys()]
    const blocks = await readBlocks(hashes)
    const checks = new Map<string, BlockCheck & { entry?: LogEntry }>()
    const freshIdentities = new Map<string, VerifiedIdentity | undefined>()
    const identityFromDisk = async (hash: string): Promise<VerifiedIdentity | undefined> => {
      if (freshIdentities.has(hash)) return freshIdentities.get(hash)
      const cid = parseHash(hash)
      const bytes = cid === undefined ? undefined : (await readBlocks([hash])).get(hash)
      const verified = bytes === undefined ? undefined : parseIdentityBlock(bytes)
      const ok = verified === undefined || typeof verified === 'string' || verified.hash !== hash ? undefined : verified
      freshIdentities.set(hash, ok)
      return ok
    }
    for (const hash of hashes) {
      const bytes = blocks.get(hash)
      const fail = (problem: string): void => {
        checks.set(hash, { hash, problem })
      }
      if (bytes === undefined) {
        fail('its block is missing from storage')
        continue
      }
      if (hashOfBytes(bytes) !== hash) {
        fail('its content does not match its hash: the block was altered')
        continue
      }
      const entry = decodeLogEntry(bytes)
      if (typeof entry === 'string') {
        fail(`it is not a log entry: ${entry}`)
        continue
      }
      if (entry.id !== address) {
        fail('it belongs to another log')
        continue
      }
      const writer = await identityFromDisk(entry.identity)
      if (writer === undefined) {
        fail('its writer identity is missing, altered or not bound to a wallet')
        continue
      }
      if (writer.publicKeyHex !== entry.key || !verifyEntrySignature(entry)) {
        fail(`its signature is not ${writer.address}'s: the entry was forged`)
        continue
      }
      checks.set(hash, { hash, writer: writer.address, payload: entry.payload, entry })
    }
    // Links and clocks, over what checked out.
    for (const check of checks.values()) {
      const entry = check.entry
      if (entry === undefined || check.problem !== undefined) continue
      const parents = parentsOf(entry)
      if (parents.some((hash) => !checks.has(hash))) check.problem = 'it builds on an entry that is not in the log (dropped?)'
      else if (parents.some((hash) => (checks.get(hash)?.entry?.clock.time ?? 0) >= entry.clock.time)) check.problem = 'its clock is not after the entries it follows'
    }
    // Write access: the patient always; a doctor's entry the patient built on; otherwise a grant live now.
    const endorsed = new Set<string>()
    const stack = [...checks.values()].filter((c) => c.problem === undefined && c.writer === patient).flatMap((c) => (c.entry === undefined ? [] : parentsOf(c.entry)))
    while (stack.length > 0) {
      const hash = stack.pop()
      if (hash === undefined || endorsed.has(hash)) continue
      endorsed.add(hash)
      const entry = checks.get(hash)?.entry
      if (entry !== undefined) stack.push(...parentsOf(entry))
    }
    for (const check of checks.values()) {
      if (check.problem !== undefined || check.writer === undefined || check.writer === patient || endorsed.has(check.hash)) continue
      if (!(await access.mayWrite(check.writer))) check.problem = `${check.writer} wrote it without a live grant to write to this history`
    }
    return hashes.map((hash): BlockCheck => {
      const check = checks.get(hash)
      if (check === undefined) return { hash, problem: 'it could not be checked' }
      if (check.problem !== undefined) return { hash, problem: check.problem }
      return { hash, ...(check.writer === undefined ? {} : { writer: check.writer }), ...(check.payload === undefined ? {} : { payload: check.payload }) }
    })
  }

  return db
}
