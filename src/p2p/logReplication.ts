// Replication of one history log with the peers that prove they may sync it: serving it to
// them, pulling from them as they connect or announce new heads. Nothing is exchanged with
// anyone else: no heads, no entries, not whether the log is here (syncProtocol.ts).
import { closure } from './historyRoot.ts'
import { errorMessage } from '../errors/index.ts'
import { announceHeads, isMisconduct, NoDirectConnectionError, pullLog, serveLog, stopServing, SyncRefusedError, SYNC_PROTOCOL, type SyncAuthority, type SyncSink, type SyncSource } from './syncProtocol.ts'
import { warmUpSignatureWorkers } from './verifySignatures.ts'
import type { LogStore } from './logStore.ts'
import type { P2PNode } from './node.ts'
import type { LogEvent } from './patientLogApi.ts'
import type { WalletAddress } from './walletIdentity.ts'
import type { Connection, PeerId } from '@libp2p/interface'

const PULL_ATTEMPTS = 5
const PULL_RETRY_MS = 500
const DEFAULT_PULL_TIMEOUT_MS = 120_000

/** What replicating one log needs: the node, the log's state, and where pulled entries go. */
export interface ReplicationOptions {
  node: Pick<P2PNode, 'libp2p' | 'conduct'>
  /** The log's OrbitDB address, as peers name it in a pull. */
  address: string
  /** The log's state: what is served, and the heads a pull starts from. */
  store: LogStore
  /** Who this device is for the log, and which wallets may sync it. */
  authority: SyncAuthority
  /** The receiving end of a pull from `peer`; it calls `stored` with the hashes of the entries it stores. */
  receiver: (peer: string, stored: (hashes: readonly string[]) => void) => SyncSink
  /** Reports failed pulls as `sync-error` events, and misbehaving peers as `peer-misbehaved`. */
  emit: (event: LogEvent) => void
  /** Aborted when the log closes: pulls under way stop. */
  closing: AbortSignal
  /** How long one pull may take before it is given up. */
  pullTimeoutMs?: number
  /** How many entries a holder may send ahead of our acknowledgements. */
  pullWindow?: number
  /** Whether to pull from each peer as it connects directly or turns out to speak the sync protocol, and from those connected at start. Default true. */
  pullOnConnect?: boolean
}

/** One log's replication, started when this tab writes the log. */
export interface Replication {
  /** Peers that proved a wallet that may sync this log, by peer id, with that wallet. */
  readonly peers: ReadonlyMap<string, WalletAddress>
  /**
   * Pulls from `peer` over a direct connection; a second request while one runs makes it pull once
   * more afterwards, when `again`. Rejects as pullLog does: NoDirectConnectionError, SyncRefusedError,
   * WireError, P2PError `LOG_CLOSED` or `PEER_MISBEHAVED`, or the stream's or the receiver's error.
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
 * Sets up one log's replication, not yet started. Once started it serves the log to peers that prove
 * a wallet the authority admits, and pulls from peers as they connect directly, or speak the sync
 * protocol, or (once authenticated) announce heads this log lacks. Failures of those pulls, other
 * than a refusal or no direct connection, are reported as `sync-error` events, and a pull is tried up
 * to 5 times while the peer stays directly connected; a peer that breaks the protocol is reported as
 * `peer-misbehaved` and the node holds it off. What a peer sends is checked by the receiver before
 * it is stored (logReceiver.ts).
 */
export function replicate(options: ReplicationOptions): Replication {
  const { node, address, store, emit, closing, authority } = options
  const { libp2p, conduct } = node
  const pullTimeoutMs = options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS
  /** Peers authenticated for this log, by peer id: only they hear of new heads, only their announcements count. */
  const logPeers = new Map<string, WalletAddress>()
  const pulls = new Map<string, { running: Promise<void>; again: boolean }>()
  /**
   * The entries each connected peer sent us, by peer id: it holds them, so they count as its own
   * when it pulls. Otherwise a peer that pulls from us while we still pull from it, its heads not
   * yet in our log, would be sent back everything it has sent us so far.
   */
  const receivedFrom = new Map<string, Set<string>>()
  const noteReceived = (peer: string, hashes: readonly string[]): void => {
    let received = receivedFrom.get(peer)
    if (received === undefined) receivedFrom.set(peer, (received = new Set()))
    for (const hash of hashes) received.add(hash)
  }
  /** When the last pull from each peer that went through started: a connection open before then was pulled over. */
  const pulledAt = new Map<string, number>()

  // A function, so the loop reads the flag anew after each await.
  const pullAgain = (state: { again: boolean }): boolean => state.again

  /** Tells the peers still admitted for this log that it has new heads (a revoked doctor hears of nothing new). */
  const announce = (): void => {
    const current = store.heads()
    for (const peer of connectedPeers()) {
      const wallet = logPeers.get(peer.toString())
      if (wallet === undefined) continue
      void authority.admits(wallet).then(
        (admitted) => {
          if (!admitted) logPeers.delete(peer.toString())
          else return announceHeads(libp2p, peer, address, current)
        },
        () => undefined
      ).catch(() => undefined)
    }
  }

  const pullFrom = (peer: PeerId, again = true): Promise<void> => {
    const key = peer.toString()
    const running = pulls.get(key)
    if (running !== undefined) {
      if (!again) return running.running
      running.again = true
      // Asked while a pull began earlier, perhaps before the peer was admitted (a keeper the app has
      // just reached): that pull's refusal is not the answer to this request, a pull of its own is.
      return running.running.catch(() => pullFrom(peer, false))
    }
    const state = { running: Promise.resolve(), again: false }
    state.running = (async () => {
      do {
        state.again = false
        store.ensureOpen()
        const signal = AbortSignal.any([closing, AbortSignal.timeout(pullTimeoutMs)])
        const before = store.heads().sort().join()
        const startedAt = Date.now()
        const wallet = await pullLog(libp2p, peer, {
          address,
          have: store.heads(),
          authority,
          sink: options.receiver(key, (hashes) => noteReceived(key, hashes)),
          signal,
          conduct,
          ...(options.pullWindow === undefined ? {} : { window: options.pullWindow })
        })
        logPeers.set(key, wallet)
        pulledAt.set(key, startedAt)
        // What this peer brought, the other peers hear of once the pull is done (a doctor's entries
        // reach every online device of the patient through whichever one received them).
        if (store.heads().sort().join() !== before) announce()
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
    // One failure, one report: a pull already under way is asked to run once more instead.
    const running = pulls.get(peer.toString())
    if (running !== undefined) {
      running.again = true
      return
    }
    pullFrom(peer).catch((error: unknown) => {
      // A peer that misbehaved is held off (the node cut it off): the patient is told, and it is not tried again.
      if (!store.closed && isMisconduct(error)) {
        emit({ type: 'peer-misbehaved', peer: peer.toString(), reason: errorMessage(error) })
        return
      }
      // A peer that did not speak the protocol yet may have opened the log since: identify tells, and a
      // pull it told of while this one ran is made now (identify does not ask a running pull to run again).
      if (!store.closed && error instanceof Error && error.name === 'UnsupportedProtocolError') {
        if (attempt < PULL_ATTEMPTS) void speaksSync(peer).then((speaks) => speaks && pullInBackground(peer, attempt + 1))
        return
      }
      // Without a direct connection there is nothing to retry: the connection's opening pulls again.
      if (store.closed || error instanceof SyncRefusedError || error instanceof NoDirectConnectionError) return
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

  const source: SyncSource = {
    address,
    authority,
    heads: () => store.heads(),
    missing: async (have, peer) => {
      const sent = receivedFrom.get(peer.toString()) ?? []
      const known = [...have, ...sent].filter((hash) => store.has(hash))
      const behind = known.length === 0 ? new Set<string>() : closure(known, store.nodes())
      const out = store.outlines().filter((outline) => !behind.has(outline.hash))
      const writers = [...new Set(out.map((outline) => outline.identity))]
      // A lean store (a keeper's) reads its writers' identities and the blocks from storage as it serves them.
      await Promise.all(writers.map((hash) => store.identityOf(hash)))
      return {
        identities: writers.map((hash) => store.identityBlock(hash)).filter((bytes): bytes is Uint8Array => bytes !== undefined),
        hashes: out.map((outline) => outline.hash),
        read: (hashes) => store.entryBlocks(hashes)
      }
    },
    announced: (peer, announcedHeads) => {
      if (announcedHeads.some((hash) => !store.has(hash))) pullInBackground(peer)
    },
    isAuthenticated: (peer) => logPeers.has(peer.toString()),
    pulledBy: ({ peer, wallet }, have) => {
      logPeers.set(peer.toString(), wallet)
      // It has heads this log lacks: pull them back. A peer admitted only after it connected (a keeper
      // the patient just enrolled) is caught up so, and two peers that pull each other stop once neither lacks anything.
      if (have.some((hash) => !store.has(hash))) pullInBackground(peer)
    }
  }
  // A held-off peer is no longer one of this log's peers.
  const unsubscribeConduct = conduct.subscribe(({ peer }) => logPeers.delete(peer))

  /**
   * Whether a pull from `peer` is under way, or went through over a direct connection still open:
   * identify, which runs on each new connection, then brings nothing a pull would not have (new
   * heads come by announcement). A second pull while the peer is still catching up from this device
   * would have it send back what it took from here.
   */
  const pulledOverOpenConnection = (peer: PeerId): boolean => {
    if (pulls.has(peer.toString())) return true
    const at = pulledAt.get(peer.toString())
    return at !== undefined && libp2p.getConnections(peer).some((connection) => connection.status === 'open' && connection.limits == null && connection.timeline.open <= at)
  }

  const onIdentify = (event: CustomEvent<{ peerId: PeerId; protocols: string[] }>): void => {
    if (!store.closed && event.detail.protocols.includes(SYNC_PROTOCOL) && !pulledOverOpenConnection(event.detail.peerId)) pullInBackground(event.detail.peerId)
  }
  // A new direct connection: pull at once rather than after identify (a peer without the
  // protocol or the log refuses in one round trip).
  const onConnection = (event: CustomEvent<Connection>): void => {
    if (!store.closed && event.detail.limits == null) pullInBackground(event.detail.remotePeer)
  }
  const onClose = (event: CustomEvent<Connection>): void => {
    const peer = event.detail.remotePeer
    if (!libp2p.getConnections(peer).some((connection) => connection.status === 'open')) {
      logPeers.delete(peer.toString())
      pulledAt.delete(peer.toString())
      receivedFrom.delete(peer.toString())
    }
  }

  let started = false
  return {
    peers: logPeers,
    pullFrom,
    announce,
    start: async () => {
      if (started || store.closed) return
      started = true
      warmUpSignatureWorkers()
      await serveLog(libp2p, source, conduct)
      libp2p.addEventListener('connection:close', onClose)
      // Without pullOnConnect (a keeper, which opens a log when a peer asks for it), the peers
      // connected now are not swept either: that would cost a stream per connected peer for each log
      // opened. The peer that asked pulls, and is pulled from back when it shows heads this log lacks.
      if (options.pullOnConnect === false) return
      libp2p.addEventListener('peer:identify', onIdentify)
      libp2p.addEventListener('connection:open', onConnection)
      for (const peer of connectedPeers()) {
        if (await speaksSync(peer)) pullInBackground(peer)
      }
    },
    stop: async () => {
      libp2p.removeEventListener('peer:identify', onIdentify)
      libp2p.removeEventListener('connection:open', onConnection)
      libp2p.removeEventListener('connection:close', onClose)
      unsubscribeConduct()
      await Promise.allSettled([...pulls.values()].map((p) => p.running))
      await store.idle()
      if (started) await stopServing(libp2p, address)
    }
  }
}
