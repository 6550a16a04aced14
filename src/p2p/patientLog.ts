// A patient's history log: an OrbitDB database of this project's own type, whose entries are
// OrbitDB v2 entries with one encrypted envelope each. Stock OrbitDB parts do what they are
// good at: the manifest and address, the write access controller, the identity provider, and
// the heads exchange that lets any OrbitDB peer replicate. What was slow is this database's own:
// - writes are batched: N entries are signed in a row (in a worker when there are many, as two
//   rows side by side where there are cores for it, entryChain.ts) and stored in one blockstore transaction and one datastore transaction
//   (logStore.ts), the next batch signing while one is stored;
// - replication pulls every missing entry over one stream (syncProtocol.ts, logReceiver.ts)
//   and checks each one before storing it (entryAdmission.ts).
// This module puts the parts together into the database OrbitDB opens.
import { EventEmitter } from 'events'
import { peerIdFromString } from '@libp2p/peer-id'
import { hexToBytes } from '@noble/hashes/utils.js'
import { anchoredEntries, historyRoot } from './historyRoot.ts'
import { chainRows, prepareChainSigning, sideBySide, signingLanes, type ChainLink } from './entryChain.ts'
import { exportLogBlocks, importLogBlocks } from './logBlocks.ts'
import { createReceiver } from './logReceiver.ts'
import { replicate, type Replication } from './logReplication.ts'
import { openLogStore, type EntryOutline, type IdentityBlock } from './logStore.ts'
import { mergeRow } from './mergeHeads.ts'
import { orbitLogView } from './orbitLogView.ts'
import { errorMessage } from '../errors/index.ts'
import { P2PError } from './p2pError.ts'
import { checkStoredBlocks } from './storedLogCheck.ts'
import { forwardBetweenTabs } from './tabForwarding.ts'
import { WRITE_ACCESS_TYPE, type HistoryWriteAccess } from './writeAccess.ts'
import { claimWriter, type TabCoordinationOptions } from './writerLock.ts'
import { parentsOf, type AdmissionRules } from './entryAdmission.ts'
import { MAX_LINKS } from './logEntry.ts'
import type { P2PNode } from './node.ts'
import type { SyncSink } from './syncProtocol.ts'
import type { LogEvent, PatientLog, StoredEntry } from './patientLogApi.ts'
import type { WalletAddress, WalletIdentity } from './walletIdentity.ts'
import type { LogInstance } from '@orbitdb/core'

/** The OrbitDB database type of a history log, as its manifest names it. */
export const HISTORY_LOG_TYPE = 'anamnesis-history'

/** The log's name: with the type and the access manifest, it fixes the address, so every peer finds a patient's log from the address alone. */
export function historyLogName(patient: string): string {
  return `anamnesis-history/${patient.toLowerCase()}`
}

/** What the history log type is bound to (historyLogType). */
export interface HistoryLogOptions {
  /** The node whose stores hold the log and whose connections replicate it. */
  node: P2PNode
  /** How tabs of this browser share the log's writer; defaults to Web Locks and BroadcastChannel when there are. */
  coordination?: TabCoordinationOptions
  /** How long one pull may take before it is given up. Default 2 minutes. */
  pullTimeoutMs?: number
  /** How many entries a holder may send ahead of our acknowledgements (128 to 8,192). Default 1,024. */
  pullWindow?: number
  /** Stores entries pulled from peers, by calling `store`; a keeper counts them against a quota here and refuses by throwing. */
  storePulled?: StorePulled
  /**
   * Whether the log pulls from every peer that connects directly (or turns out to speak the sync
   * protocol). Default true: a device catches up with the patient's other devices and doctors as
   * they appear, and with those connected when the log opens. A keeper, which holds many patients'
   * logs, says false: each connection would start one pull per log it holds; it pulls from a peer
   * that pulls from it with heads it lacks, or announces new heads, instead (and from a patient's
   * device that enrols it: src/keeper).
   */
  pullOnConnect?: boolean
  /** Keep each entry's outline only, not its block (logStore.ts LogStoreOptions): a keeper, which holds many histories it cannot read. */
  lean?: boolean
}

/**
 * Wraps the storing of entries pulled from a peer into `patient`'s log: call `store` to store them, or
 * throw to refuse them (the pull fails with that error; nothing of this batch is stored).
 */
export type StorePulled = (patient: WalletAddress, entries: readonly StoredEntry[], store: () => Promise<void>) => Promise<void>

/** The database as OrbitDB sees it, plus the history log's own API. */
export interface HistoryLogDatabase extends PatientLog {
  type: typeof HISTORY_LOG_TYPE
  name: string
  meta: Record<string, unknown>
  events: EventEmitter
  log: LogInstance
  access: HistoryWriteAccess
  /** Peers that proved a wallet that may sync this log, by peer id, with that wallet. */
  peers: ReadonlyMap<string, WalletAddress>
  /** How many entries the log holds, and their blocks' bytes (entries() holds none in a lean log). */
  held(): { entries: number; bytes: number }
  /** Every entry's outline (hash, time, parents, writer identity, size), parents before children: what a lean log keeps. */
  outlines(): EntryOutline[]
  /** @throws {P2PError} `INVALID_LOG`, always: a patient's history is never dropped. */
  drop(): Promise<void>
}

/** What OrbitDB's open passes a database type. */
interface DatabaseParams {
  identity: WalletIdentity
  address: string
  name: string
  access: HistoryWriteAccess
  meta?: Record<string, unknown>
}

/**
 * The history log's database type bound to a node, for OrbitDB's open (its `Database`
 * option), as an access controller is bound to its policy: OrbitDB creates databases with
 * its own parameters only, and those do not carry the node's raw stores.
 * The opened database rejects with {@link P2PError} `INVALID_LOG` when the log's access controller
 * is not the Anamnesis one, and `INVALID_IDENTITY` when OrbitDB's identity is not a wallet identity.
 */
export function historyLogType(options: HistoryLogOptions): (params: DatabaseParams) => Promise<HistoryLogDatabase> {
  return (params) => openHistoryLog(options, params)
}

async function openHistoryLog(options: HistoryLogOptions, params: DatabaseParams): Promise<HistoryLogDatabase> {
  const { node } = options
  const { address, identity, access } = params
  if (access.type !== WRITE_ACCESS_TYPE) throw new P2PError('INVALID_LOG', 'A history log needs the Anamnesis write access controller')
  if ((identity as Partial<WalletIdentity>).verified === undefined) throw new P2PError('INVALID_IDENTITY', 'A history log is written with a wallet identity (createWalletIdentity)')
  const me = identity.verified
  const patient = access.patient
  const store = openLogStore(node, address, identity, { lean: options.lean === true })
  const rules: AdmissionRules = {
    address,
    patient,
    identityOf: (hash) => store.identityOf(hash),
    mayWrite: (writer) => access.mayWrite(writer),
    keyVersionOf: (wallet) => access.keyVersionOf(wallet)
  }
  const listeners = new Set<(event: LogEvent) => void>()
  const closing = new AbortController()

  const emit = (event: LogEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        console.error('A history log listener failed:', error)
      }
    }
  }

  const events = new EventEmitter()
  // OrbitDB's heads exchange reports a peer that went away mid-exchange as an 'error' event,
  // which an EventEmitter without a listener would throw.
  events.on('error', (error: unknown) => {
    if (!store.closed) emit({ type: 'sync-error', error: errorMessage(error) })
  })

  // Claimed first: every commit tells the other tabs.
  const role = await claimWriter(`anamnesis-history-log:${address}`, options.coordination)
  const reloadFromTab = (): Promise<void> =>
    store.serial(async () => {
      const loaded = await store.reload(true)
      if (loaded.length > 0) emit({ type: 'added', entries: loaded, origin: 'tab' })
    })
  const tabs = forwardBetweenTabs(role, reloadFromTab)
  const commit = async (added: StoredEntry[], origin: 'local' | 'peer' | 'backup', identities: IdentityBlock[] = []): Promise<void> => {
    const storePulled = options.storePulled
    if (origin === 'peer' && storePulled !== undefined) await storePulled(patient, added, () => store.commit(added, identities))
    else await store.commit(added, identities)
    emit({ type: 'added', entries: added, origin })
    tabs.committed()
  }
  const receiver = (peer: string, stored: (hashes: readonly string[]) => void): SyncSink =>
    createReceiver(
      {
        store,
        rules,
        emit,
        takesPatientsWord: me.address !== patient,
        commit: async (added, identities) => {
          await commit(added, 'peer', identities)
          stored(added.map((entry) => entry.hash))
        }
      },
      peer
    )

  let oplog: LogInstance
  let replication: Replication
  try {
    oplog = await orbitLogView(store, node.blockstore, identity, address, access)
    replication = replicate({
      node,
      address,
      store,
      authority: {
        identity: identity.bytes,
        sign: async (data) => hexToBytes(await identity.sign(identity, data)),
        // A peer that proves a wallet with keys the wallet replaced (whoever holds the exposed ones) is not served nor pulled from.
        // Both ledger reads go out at once: the peer waits for one round trip to the chain, not two.
        admits: async (wallet, keyVersion) => {
          const version = keyVersion === undefined ? Promise.resolve(undefined) : access.keyVersionOf(wallet)
          version.catch(() => undefined)
          if (!(await access.maySync(wallet))) return false
          const current = await version
          return current === undefined || keyVersion === undefined || keyVersion >= current
        }
      },
      receiver,
      emit,
      closing: closing.signal,
      ...(options.pullTimeoutMs === undefined ? {} : { pullTimeoutMs: options.pullTimeoutMs }),
      ...(options.pullWindow === undefined ? {} : { pullWindow: options.pullWindow }),
      ...(options.pullOnConnect === undefined ? {} : { pullOnConnect: options.pullOnConnect })
    })
  } catch (error) {
    role.release()
    throw error
  }

  // Appends are signed one at a time, and stored one at a time in the order they were signed; an
  // append signs while the one before it is being stored (an import's batches keep the signing
  // worker and the storage busy at once). What is signed and not stored yet counts for the links of
  // the next append; if it fails to be stored, every append linking it fails too, and nothing of
  // them is stored (the log's memory changes only with a commit).
  const unstored: StoredEntry[] = []
  let signing: Promise<unknown> = Promise.resolve()
  let storing: Promise<void> = Promise.resolve()
  const appendHere = async (payloads: readonly Uint8Array[], as: WalletIdentity = identity): Promise<StoredEntry[]> => {
    const signed = signing.catch(() => undefined).then(async () => {
      store.ensureOpen()
      if (payloads.length === 0) return []
      if (!(await access.mayWrite(me.address))) {
        throw new P2PError('WRITE_NOT_ALLOWED', 'You have no live grant to write to this patient\'s history: ask the patient to grant write access')
      }
      // The heads as they will be once what is signed is stored.
      const heads = new Set(store.heads())
      const times = new Map<string, number>()
      for (const entry of unstored) {
        for (const parent of parentsOf(entry)) heads.delete(parent)
        heads.add(entry.hash)
        times.set(entry.hash, entry.clock.time)
      }
      // More heads than an entry may link are merged in steps by the entries written (mergeStep);
      // each entry's time is one more than its latest parent's, as readers require.
      // The links and times need no hash: they are worked out first, and the row is signed in one go (entryChain.ts).
      const sorted = [...heads].sort()
      const timeOf = (hash: string): number => times.get(hash) ?? store.timeOf(hash) ?? 0
      const rows: ChainLink[][] = []
      // A long append whose heads fit one entry's links is signed as rows side by side, each on top
      // of every head (entryChain.ts signingLanes); the next append merges their ends.
      const lanes = as === identity && sorted.length <= MAX_LINKS ? signingLanes(as, payloads.length) : 1
      if (lanes > 1) rows.push(...sideBySide(payloads, sorted, Math.max(0, ...sorted.map(timeOf)), lanes))
      else {
        const { linked } = mergeRow(sorted, payloads.length)
        const links: ChainLink[] = []
        for (const [i, payload] of payloads.entries()) {
          const parents = linked[i] ?? []
          links.push({ payload, heads: parents, time: Math.max(links.at(-1)?.time ?? 0, ...parents.map(timeOf)) + 1 })
        }
        rows.push(links)
      }
      const created: StoredEntry[] = (await chainRows(as, address, rows)).map((entry) => ({ ...entry, writer: me.address, writerKeyVersion: as.verified.keyVersion }))
      unstored.push(...created)
      return created
    })
    signing = signed
    const created = await signed
    if (created.length === 0) return created
    const stored = storing.then(() =>
      store.serial(async () => {
        // Another identity of this wallet (its next keys) is stored with its first entries, for peers to check them.
        const learnt = as === identity ? undefined : store.learnIdentity(as.bytes)
        await commit(created, 'local', learnt === undefined ? [] : [learnt])
        replication.announce()
      })
    )
    storing = stored
    try {
      await stored
    } finally {
      const at = unstored.indexOf(created[0] as StoredEntry)
      if (at >= 0) unstored.splice(at, created.length)
      // The first append after a failed one, with nothing left unstored, starts afresh.
      if (unstored.length === 0) storing = Promise.resolve()
    }
    return created
  }
  tabs.serveAppends(appendHere)

  /** A reader tab hands its payloads to the writer tab and waits for the stored entries. */
  const forwardAppend = async (payloads: readonly Uint8Array[]): Promise<StoredEntry[]> => {
    store.ensureOpen()
    const hashes = await tabs.forward(payloads)
    await reloadFromTab()
    return hashes.map((hash) => store.get(hash)).filter((entry): entry is StoredEntry => entry !== undefined)
  }

  role.onPromoted(() => {
    void reloadFromTab()
      .then(async () => {
        emit({ type: 'writer' })
        await replication.start()
      })
      .catch(() => undefined)
  })

  await store.serial(() => store.reload(false))
  if (role.writer) await replication.start()

  return {
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
    log: oplog,
    access,
    peers: replication.peers,
    held: () => store.held(),
    outlines: () => store.outlines(),
    entries: () => store.entries(),
    get: (hash) => store.get(hash),
    heads: () => store.heads(),
    damaged: () => store.damaged(),
    append: (payloads) => (role.writer ? appendHere(payloads) : forwardAppend(payloads)),
    appendAs: (as, payloads) => {
      if (as.verified.address !== me.address) return Promise.reject(new P2PError('INVALID_IDENTITY', 'Only another identity of the same wallet may write through this log'))
      // The other identity's key is this tab's alone: it cannot be handed to the writer tab.
      if (!role.writer) return Promise.reject(new P2PError('LOG_CLOSED', 'Another tab of this browser writes this history: replace your keys in that tab, or close it and try again'))
      return appendHere(payloads, as)
    },
    prepareToWrite: () => {
      if (role.writer && !store.closed) prepareChainSigning(identity)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    syncWith: (peer, syncOptions) => {
      // The patient's registered key version is asked as the pull starts, while the holder checks our
      // hello: checking the patient's hello and the first frame's identities both need it (read once, see writeAccess.ts).
      access.keyVersionOf(patient).catch(() => undefined)
      const holder = syncOptions?.holder?.toLowerCase()
      if (holder !== undefined && holder !== patient && /^0x[0-9a-f]{40}$/.test(holder)) access.keyVersionOf(holder as WalletAddress).catch(() => undefined)
      return replication.pullFrom(typeof peer === 'string' ? peerIdFromString(peer) : peer, syncOptions?.joinRunning !== true)
    },
    checkBlocks: () => checkStoredBlocks(store, rules),
    exportBlocks: () => exportLogBlocks(store, node.blockstore, address),
    importBlocks: async (blocks) => {
      // Only the writer tab stores; a reader tab's store learns of the import from it (forwardBetweenTabs).
      if (!role.writer) throw new P2PError('LOG_CLOSED', 'Your history is written by another tab of this browser: restore the backup there, or close that tab and try again. Nothing was imported.')
      const result = await importLogBlocks({ store, rules, commit: (added, identities) => commit(added, 'backup', identities) }, blocks)
      if (result.added > 0) replication.announce()
      return result
    },
    anchor: () => ({ root: historyRoot(store.heads()), entryCount: store.count() }),
    anchored: (anchor) => anchoredEntries(store.nodes(), anchor),
    refreshAccess: (only) => access.refresh(only),
    close: async () => {
      if (store.closed) return
      store.markClosed()
      closing.abort()
      await replication.stop()
      role.release()
      tabs.close()
      events.emit('close')
    },
    drop: () => Promise.reject(new P2PError('INVALID_LOG', 'A patient\'s history is never dropped'))
  }
}
