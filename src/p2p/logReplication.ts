// Replication of one history log: serving it to peers that pull, pulling from peers as they
// connect or announce new heads, and OrbitDB's heads exchange so stock peers replicate too.
import { peerIdFromString } from '@libp2p/peer-id'
import Sync from '@orbitdb/core/src/sync.js'
import { closure } from './historyRoot.ts'
import { errorMessage } from '../errors/index.ts'
import { announceHeads, NoDirectConnectionError, pullLog, serveLog, stopServing, SyncRefusedError, SYNC_PROTOCOL, type SyncSink, type SyncSource } from './syncProtocol.ts'
import { warmUpSignatureWorkers } from './verifySignatures.ts'
import type { LogStore } from './logStore.ts'
import type { P2PNode } from './node.ts'
import type { LogEvent } from './patientLogApi.ts'
import type { Connection, PeerId } from '@libp2p/interface'
import type { LogEntry as OrbitLogEntry, LogInstance } from '@orbitdb/core'
import type { EventEmitter } from 'events'

const PULL_ATTEMPTS = 5
const PULL_RETRY_MS = 500
const DEFAULT_PULL_TIMEOUT_MS = 120_000

/** What replicating one log needs: the node, the log's state, and where pulled entries go. */
export interface ReplicationOptions {
  node: Pick<P2PNode, 'helia' | 'libp2p'>
  /** The log's OrbitDB address, as peers name it in a pull. */
  address: string
  /** The log's state: what is served, and the heads a pull starts from. */
  store: LogStore
  /** OrbitDB's view of the log (orbitLogView.ts), for the heads exchange. */
  oplog: LogInstance
  /** The database's events: OrbitDB's heads exchange reports peers joining on it. */
  events: EventEmitter
  /** The receiving end of a pull from `peer`. */
  receiver: (peer: string) => SyncSink
  /** Fetches a head that only stock OrbitDB peers hold (bitswapFallback.ts). */
  fetchOverBitswap: (head: string) => Promise<void>
  /** Reports failed pulls and fetches as `sync-error` events. */
  emit: (event: LogEvent) => void
  /** Aborted when the log closes: pulls under way stop. */
  closing: AbortSignal
  /** How long one pull may take before it is given up. */
  pullTimeoutMs?: number
  /** How many entries a holder may send ahead of our acknowledgements. */
  pullWindow?: number
}

/** One log's replication, started when this tab writes the log. */
export interface Replication {
  /** Peers that replicate the log over OrbitDB's heads exchange. */
  readonly peers: Set<string>
  /**
   * Pulls from `peer` over a direct connection; a second request while one runs makes it pull once
   * more afterwards, when `again`. Rejects as pullLog does: NoDirectConnectionError, SyncRefusedError,
   * P2PError `LOG_CLOSED`, or the stream's or the receiver's error.
   */
  pullFrom(peer: PeerId, again?: boolean): Promise<void>
  /** Tells peers that have this log that it has new heads. */
  announce(): void
  /** Serves the log and pulls from peers from now on; the first call only. */
  start(): Promise<void>
  /** Stops serving and pulling; waits for the pulls under way. */
  stop(): Promise<void>
}

/**
 * Sets up one log's replication, not yet started. Once started it serves the log to any peer that
 * asks over a direct connection, and pulls from peers as they connect, speak the sync protocol,
 * join OrbitDB's heads exchange or announce heads this log lacks. Failures of those pulls, other
 * than a refusal or no direct connection, are reported as `sync-error` events, and a pull is
 * tried up to 5 times while the peer stays directly connected.
 * What a peer sends is checked by the receiver before it is stored (logReceiver.ts).
 */
export async function replicate(options: ReplicationOptions): Promise<Replication> {
  const { node, address, store, events, emit, closing } = options
  const { libp2p } = node
  const pullTimeoutMs = options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS
  const logPeers = new Set<string>()
  const pulls = new Map<string, { running: Promise<void>; again: boolean }>()

  // A function, so the loop reads the flag anew after each await.
  const pullAgain = (state: { again: boolean }): boolean => state.again

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
        store.ensureOpen()
        const signal = AbortSignal.any([closing, AbortSignal.timeout(pullTimeoutMs)])
        await pullLog(libp2p, peer, address, store.heads(), options.receiver(key), signal, options.pullWindow)
        logPeers.add(key)
      } while (pullAgain(state) && !store.closed)
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
      if (store.closed || error instanceof SyncRefusedError || error instanceof NoDirectConnectionError || (error instanceof Error && error.name === 'UnsupportedProtocolError')) return
      emit({ type: 'sync-error', peer: peer.toString(), error: errorMessage(error) })
      if (attempt >= PULL_ATTEMPTS) return
      setTimeout(() => {
        if (!store.closed && libp2p.getConnections(peer).some((connection) => connection.status === 'open' && connection.limits == null)) pullInBackground(peer, attempt + 1)
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

  /**
   * OrbitDB's heads exchange told us a head: pull it from peers that speak the bulk
   * protocol, or, when only stock OrbitDB peers have it, fetch it block by block over
   * bitswap, checked and stored exactly as a pull is.
   */
  const onRemoteHead = async (head: OrbitLogEntry): Promise<void> => {
    if (store.has(head.hash) || store.closed) return
    let pulled = false
    for (const peerId of sync.peers) {
      const peer = peerIdFromString(peerId)
      if (!(await speaksSync(peer))) continue
      pullInBackground(peer)
      pulled = true
    }
    if (!pulled) {
      options.fetchOverBitswap(head.hash).catch((error: unknown) => {
        if (!store.closed) emit({ type: 'sync-error', error: errorMessage(error) })
      })
    }
  }
  const sync = await Sync({ ipfs: node.helia, log: options.oplog, events, onSynced: onRemoteHead, start: false })

  const source: SyncSource = {
    address,
    heads: () => store.heads(),
    missing: (have) => {
      const behind = closure(have.filter((hash) => store.has(hash)), store.nodes())
      const out = store.entries().filter((entry) => !behind.has(entry.hash))
      const writers = new Set(out.map((entry) => entry.identity))
      return {
        identities: [...writers].map((hash) => store.identityBlock(hash)).filter((bytes): bytes is Uint8Array => bytes !== undefined),
        entries: out.map((entry) => entry.bytes)
      }
    },
    announced: (peer, announcedHeads) => {
      logPeers.add(peer.toString())
      if (announcedHeads.some((hash) => !store.has(hash))) pullInBackground(peer)
    },
    pulledBy: (peer) => {
      logPeers.add(peer.toString())
    }
  }

  const onIdentify = (event: CustomEvent<{ peerId: PeerId; protocols: string[] }>): void => {
    if (!store.closed && event.detail.protocols.includes(SYNC_PROTOCOL)) pullInBackground(event.detail.peerId)
  }
  // A new direct connection: pull at once rather than after identify (a peer without the
  // protocol or the log refuses in one round trip).
  const onConnection = (event: CustomEvent<Connection>): void => {
    if (!store.closed && event.detail.limits == null) pullInBackground(event.detail.remotePeer)
  }
  const onJoin = (peerId: string): void => {
    logPeers.add(peerId)
    if (!store.closed) pullInBackground(peerIdFromString(peerId))
  }

  let started = false
  return {
    peers: sync.peers,
    pullFrom,
    announce: () => {
      const current = store.heads()
      const last = current.length === 1 ? store.get(current[0] ?? '') : undefined
      // Stock OrbitDB peers learn of new heads on the log's pubsub topic.
      if (last !== undefined) sync.add(last as unknown as OrbitLogEntry).catch(() => undefined)
      for (const peer of connectedPeers()) {
        if (!logPeers.has(peer.toString()) && !sync.peers.has(peer.toString())) continue
        announceHeads(libp2p, peer, address, current).catch(() => undefined)
      }
    },
    start: async () => {
      if (started || store.closed) return
      started = true
      warmUpSignatureWorkers()
      await serveLog(libp2p, source)
      await sync.start()
      events.on('join', onJoin)
      libp2p.addEventListener('peer:identify', onIdentify)
      libp2p.addEventListener('connection:open', onConnection)
      for (const peer of connectedPeers()) {
        if (!(await speaksSync(peer))) continue
        pullInBackground(peer)
        announceHeads(libp2p, peer, address, store.heads()).catch(() => undefined)
      }
    },
    stop: async () => {
      libp2p.removeEventListener('peer:identify', onIdentify)
      libp2p.removeEventListener('connection:open', onConnection)
      events.off('join', onJoin)
      await Promise.allSettled([...pulls.values()].map((p) => p.running))
      await store.idle()
      if (started) {
        await stopServing(libp2p, address)
        await sync.stop()
      }
    }
  }
}
