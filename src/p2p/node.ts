// The browser's Helia/libp2p node: WebSockets to the relay, a relay reservation
// so peers can reach us, and direct WebRTC between peers for the records.
// Light composition only: no public bootstrap, DHT, autonat or gateways.
import { withLibp2pLight } from '@helia/libp2p'
import * as dagCbor from '@ipld/dag-cbor'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { WebRTC } from '@multiformats/multiaddr-matcher'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { fileIndexOver } from './fileIndex.ts'
import { serveFiles } from './fileProtocol.ts'
import { IndexedDbBlockstore } from './indexedDbBlockstore.ts'
import { IndexedDbDatastore } from './indexedDbDatastore.ts'
import { P2PError } from './p2pError.ts'
import { peerIdOfAddress } from './peerAddress.ts'
import { createPeerConduct, type PeerConduct } from './peerConduct.ts'
import { errorMessage } from '../errors/index.ts'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'

/** What the node is doing, as the status strip shows it: its state, the relay's, and its connections. */
export interface P2PStatus {
  state: 'starting' | 'started' | 'failed'
  /** This node's peer id, once started. */
  peerId?: string
  /** Why the node failed to start. */
  error?: string
  relay: {
    state: 'none' | 'connecting' | 'reserved' | 'unreachable'
    /** The relay's multiaddr. */
    address?: string
    /** Our own dialable address through the relay: `<relay>/p2p-circuit/webrtc/p2p/<us>`. */
    circuitAddress?: string
  }
  /**
   * `total` counts every open connection; `direct` (WebRTC, no limits) and
   * `relayed` (limited) count only peers other than the relays.
   */
  connections: { total: number; direct: number; relayed: number }
}

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
/** The libp2p services the node runs: identify, and gossipsub for OrbitDB's heads exchange. */
export type P2PServices = {
  identify: Identify
  /** OrbitDB looks for `libp2p.services.pubsub`. */
  pubsub: GossipSub
}

/** The Helia node, with libp2p and these services. */
export type P2PHelia = HeliaWithLibp2p<P2PServices>

/** A started browser (or Node) peer, as startP2PNode returns it. */
export interface P2PNode {
  helia: P2PHelia
  libp2p: Libp2p<P2PServices>
  /**
   * The stores under Helia, unwrapped: the history log writes a batch of blocks here in
   * one transaction, and checks stored bytes against their hashes, which Helia's
   * blockstore would not show it.
   */
  blockstore: Blockstore
  /** The datastore under Helia: peer id, and the history logs' heads and batch records. */
  datastore: Datastore
  /** Peers that broke the sync protocol's rules: held off (no connection either way) for a while. */
  conduct: PeerConduct
  /** The status as last published. */
  status(): P2PStatus
  /**
   * Dial a peer's circuit address over WebRTC, up to 3 tries; `direct` says whether the connection
   * that opened is a direct one. A bare circuit address is dialled in its WebRTC form.
   * @throws {P2PError} `INVALID_PEER_ADDRESS` when it is not a multiaddr ending in a peer id
   *   through `/p2p-circuit`; `DIAL_FAILED` when every try failed.
   */
  dial(address: string): Promise<{ direct: boolean }>
  /**
   * Closes every connection to the peer a circuit address (or a peer id) names.
   * Throws the multiaddr or peer id parser's error for a string that is neither.
   */
  hangUp(address: string): Promise<void>
  /** Stops the relay supervisors and the node, and closes the stores it opened itself; again is a no-op. */
  stop(): Promise<void>
}

/** How to start the node: its relays, ICE servers, stores and listen addresses. */
export interface StartP2PNodeOptions {
  /** Relay multiaddrs, each ending in `/p2p/<relay peer id>`. */
  relays: string[]
  /** STUN/TURN servers. Default none: local peers find each other by host candidates. */
  iceServers?: RTCIceServer[]
  /** A blockstore to use instead of the node's own; the caller closes it. Passing either store leaves the other in memory. */
  blockstore?: Blockstore
  /** A datastore to use instead of the node's own; the caller closes it. */
  datastore?: Datastore
  /**
   * IndexedDB name prefix for the stores the node creates when none are passed,
   * so the peer id survives a reload. Default `anamnesis`. Without IndexedDB
   * (Node) and without stores, the node keeps everything in memory.
   */
  storageName?: string
  /** Called with the first status at once, then with each status that differs from the last. */
  onStatus?(status: P2PStatus): void
  /**
   * Extra listen addresses. Browsers cannot listen on anything but the relay
   * and WebRTC; Node peers (tests, an always-on replica) can add a WebSockets
   * address such as `/ip4/127.0.0.1/tcp/0/ws`.
   */
  listen?: string[]
  /**
   * How many connections one host may open to this node per second. libp2p's default (5) suits a
   * browser; a Node peer that many devices dial, some from behind the same address (a keeper), raises it.
   */
  inboundConnectionThreshold?: number
  /**
   * Adds a block exchange (bitswap), for the benchmark that measures stock OrbitDB beside this project's
   * sync on the same stack (bench/history.ts) and nothing else: a node with it hands any block to any
   * peer that names its CID. The app passes none, and bitswap is no part of its bundle.
   */
  stockBlockExchange?: (helia: P2PHelia) => P2PHelia
}

/** How long one dial of the relay may take before it counts as failed. */
const RELAY_DIAL_TIMEOUT = 5_000
/** Re-dial backoff after a failure: doubles from the first value, capped at the second. */
const RELAY_BACKOFF_MIN = 500
const RELAY_BACKOFF_MAX = 3_000
/** Connected to the relay but no reservation after this long: hang up and start over. */
const RESERVATION_GRACE = 10_000
const PING_INTERVAL = 3_000
const PING_TIMEOUT_MIN = 3_000
/** libp2p's connection monitor protocol; a peer without it still answers multistream-select. */
const PING_PROTOCOL = '/ipfs/ping/1.0.0'
/**
 * How long each try of a direct dial may take. A sound dial takes well under a second on a local
 * network; one that hangs (a lost signalling race, a channel that never opens) is cut short and
 * tried again, and later tries get longer, for networks where ICE is slow. In all under 25 s.
 */
const PEER_DIAL_TIMEOUTS = [4_000, 8_000, 12_000]
/** libp2p's own cap on dialling one address, above every try's, so that the tries above decide. */
const ADDRESS_DIAL_TIMEOUT_CAP = 12_500

interface RelayTrack {
  address: Multiaddr
  peerId: PeerId
  /** True after a failed dial, until the next successful one. */
  unreachable: boolean
  failures: number
}

/**
 * Starts the node: opens its stores, starts Helia with libp2p, and keeps a reservation on every
 * relay, re-dialling one that goes away. The connection gater allows dialling any address,
 * private and ws:// ones included: which relays are dialled is configuration.
 * @throws {P2PError} `INVALID_RELAY_ADDRESS` for a relay that is not a multiaddr ending in
 *   `/p2p/<relay peer id>`; `NODE_START_FAILED` when Helia does not start (the stores it opened are closed).
 */
export async function startP2PNode(options: StartP2PNodeOptions): Promise<P2PNode> {
  const relays = options.relays.map(parseRelay)
  const conduct = createPeerConduct()
  const ownsStores = options.blockstore == null && options.datastore == null && typeof indexedDB !== 'undefined'
  const stores = await openStores(options)

  let current: P2PStatus = {
    state: 'starting',
    relay: { state: relays.length === 0 ? 'none' : 'connecting' },
    connections: { total: 0, direct: 0, relayed: 0 }
  }
  const publish = (next: P2PStatus): void => {
    if (JSON.stringify(next) === JSON.stringify(current)) return
    current = next
    options.onStatus?.(next)
  }
  options.onStatus?.(current)

  // No bitswap: it hands any block to any peer that names its CID. A history's entries go only to
  // peers its sync admits (syncProtocol.ts), its attached files likewise (fileProtocol.ts).
  const composed = withLibp2pLight(createHeliaLight({
    blockstore: stores.blockstore,
    datastore: stores.datastore,
    // OrbitDB pins its entries, manifests and identities, all dag-cbor; the
    // light composition knows only dag-pb and raw. Same copy OrbitDB imports.
    codecs: [dagCbor]
  }), {
    // What libp2p learns of other peers (addresses, protocols, keys) lives in memory only: a peer
    // that connects again and again under new peer ids must not grow this device's storage, or a
    // keeper's disk. The node's own key stays in the node's datastore, where Helia loads it from.
    datastore: new MemoryDatastore(),
    addresses: { listen: ['/p2p-circuit', '/webrtc', ...(options.listen ?? [])] },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers: options.iceServers ?? [] } }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The browser's default gater refuses ws:// and private addresses; the local
    // relay is both. Which relays we dial is configuration, not discovery.
    // A peer held off for breaking the sync protocol's rules gets no connection either way.
    connectionGater: {
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer) => conduct.heldOff(peer),
      denyInboundEncryptedConnection: (peer) => conduct.heldOff(peer)
    },
    // A closed tab does not close its WebRTC connection on the other side:
    // Chromium only gives up on ICE after ~30 s. Probe often, so a peer that
    // went away leaves the status within a few seconds.
    connectionMonitor: { pingInterval: PING_INTERVAL, pingTimeout: { minTimeout: PING_TIMEOUT_MIN } },
    connectionManager: {
      addressDialTimeout: ADDRESS_DIAL_TIMEOUT_CAP,
      ...(options.inboundConnectionThreshold === undefined ? {} : { inboundConnectionThreshold: options.inboundConnectionThreshold, maxIncomingPendingConnections: options.inboundConnectionThreshold })
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false })
    }
  })
  const helia: P2PHelia = options.stockBlockExchange?.(composed) ?? composed

  try {
    await helia.start()
  } catch (err) {
    const error = errorMessage(err)
    publish({ ...current, state: 'failed', error })
    if (ownsStores) await stores.close()
    throw new P2PError('NODE_START_FAILED', 'The peer-to-peer node could not start', { details: error, cause: err })
  }

  const libp2p = helia.libp2p
  const stopServingFiles = await serveFiles(libp2p, { blockstore: stores.blockstore, index: fileIndexOver(stores.datastore) }, conduct)
  const stopController = new AbortController()
  const relayIds = new Set(relays.map(relay => relay.peerId.toString()))

  const computeStatus = (): P2PStatus => {
    const connections = libp2p.getConnections().filter(conn => conn.status === 'open')
    const peers = connections.filter(conn => !relayIds.has(conn.remotePeer.toString()))
    return {
      state: 'started',
      peerId: libp2p.peerId.toString(),
      relay: relayStatus(relays, libp2p),
      connections: {
        total: connections.length,
        direct: peers.filter(isDirect).length,
        relayed: peers.filter(conn => conn.limits != null).length
      }
    }
  }
  const update = (): void => {
    if (!stopController.signal.aborted) publish(computeStatus())
  }

  // A relay's connection closing wakes its supervisor at once.
  const wakers = new Map<string, () => void>()
  const onConnectionClose = (evt: CustomEvent<Connection>): void => {
    wakers.get(evt.detail.remotePeer.toString())?.()
    update()
  }
  libp2p.addEventListener('connection:open', update)
  libp2p.addEventListener('connection:close', onConnectionClose)
  libp2p.addEventListener('self:peer:update', update)
  libp2p.addEventListener('transport:listening', update)
  libp2p.addEventListener('transport:close', update)
  libp2p.addEventListener('peer:identify', update)

  // A peer that broke a rule is cut off at once; the gater keeps it out while it is held off.
  const unsubscribeConduct = conduct.subscribe(({ peer }) => {
    libp2p.hangUp(peerIdFromString(peer)).catch(() => undefined)
  })

  const supervisors = relays.map(async relay => {
    await superviseRelay(relay, libp2p, stopController.signal, wakers, update)
  })

  update()

  return {
    helia,
    libp2p,
    blockstore: stores.blockstore,
    datastore: stores.datastore,
    conduct,
    status: () => current,
    dial: async (address: string) => dialPeer(libp2p, address, stopController.signal),
    hangUp: async (address: string) => {
      const id = address.startsWith('/') ? peerIdOfAddress(address) : address
      if (id != null) await libp2p.hangUp(peerIdFromString(id))
    },
    stop: async () => {
      if (stopController.signal.aborted) return
      stopController.abort()
      unsubscribeConduct()
      for (const wake of wakers.values()) wake()
      libp2p.removeEventListener('connection:open', update)
      libp2p.removeEventListener('connection:close', onConnectionClose)
      libp2p.removeEventListener('self:peer:update', update)
      libp2p.removeEventListener('transport:listening', update)
      libp2p.removeEventListener('transport:close', update)
      libp2p.removeEventListener('peer:identify', update)
      await Promise.allSettled(supervisors)
      await stopServingFiles()
      await helia.stop()
      if (ownsStores) await stores.close()
    }
  }
}

function parseRelay(address: string): RelayTrack {
  let ma: Multiaddr
  try {
    ma = multiaddr(address)
  } catch (err) {
    throw new P2PError('INVALID_RELAY_ADDRESS', `The relay address "${address}" is not a multiaddr`, { cause: err })
  }
  const id = peerIdOfAddress(ma)
  if (id == null) {
    throw new P2PError('INVALID_RELAY_ADDRESS', `The relay address "${address}" must end in /p2p/<relay peer id>`)
  }
  return { address: ma, peerId: peerIdFromString(id), unreachable: false, failures: 0 }
}

async function openStores(options: StartP2PNodeOptions): Promise<{ blockstore: Blockstore; datastore: Datastore; close(): Promise<void> }> {
  if (options.blockstore != null || options.datastore != null || typeof indexedDB === 'undefined') {
    return { blockstore: options.blockstore ?? new MemoryBlockstore(), datastore: options.datastore ?? new MemoryDatastore(), close: async () => {} }
  }
  const name = options.storageName ?? 'anamnesis'
  // Same databases and layouts as blockstore-idb and datastore-idb, with one transaction per batch.
  const blockstore = new IndexedDbBlockstore(`${name}/blocks`)
  const datastore = new IndexedDbDatastore(`${name}/data`)
  await Promise.all([blockstore.open(), datastore.open()])
  return {
    blockstore,
    datastore,
    close: async () => { await Promise.all([blockstore.close(), datastore.close()]) }
  }
}

function isDirect(conn: Connection): boolean {
  return conn.limits == null && WebRTC.matches(conn.remoteAddr)
}

function relayStatus(relays: RelayTrack[], libp2p: Libp2p): P2PStatus['relay'] {
  if (relays.length === 0) return { state: 'none' }
  const own = libp2p.getMultiaddrs().map(ma => ma.toString())
  for (const relay of relays) {
    const circuit = own.find(addr => addr.includes(`/p2p/${relay.peerId.toString()}/p2p-circuit/webrtc/`))
    if (circuit != null && libp2p.getConnections(relay.peerId).some(conn => conn.status === 'open')) {
      return { state: 'reserved', address: relay.address.toString(), circuitAddress: circuit }
    }
  }
  const connected = relays.find(relay => !relay.unreachable)
  if (connected != null) return { state: 'connecting', address: connected.address.toString() }
  const first = relays[0]
  return { state: 'unreachable', ...(first != null ? { address: first.address.toString() } : {}) }
}

// libp2p drops the reservation when the relay goes away and, after a few
// failed reconnects, forgets the relay: keep dialling it, with a short capped
// backoff, so the node recovers as soon as the relay is back.
async function superviseRelay(
  relay: RelayTrack,
  libp2p: Libp2p,
  signal: AbortSignal,
  wakers: Map<string, () => void>,
  update: () => void
): Promise<void> {
  const key = relay.peerId.toString()
  // A function, so the check after each await reads the signal anew.
  const stopped = (): boolean => signal.aborted
  let connectedAt = 0
  while (!stopped()) {
    const open = libp2p.getConnections(relay.peerId).filter(conn => conn.status === 'open' && conn.limits == null)
    let delay: number
    if (open.length === 0) {
      connectedAt = 0
      try {
        await libp2p.dial(relay.address, { signal: AbortSignal.any([signal, AbortSignal.timeout(RELAY_DIAL_TIMEOUT)]) })
        relay.unreachable = false
        relay.failures = 0
        connectedAt = Date.now()
        delay = 1_000
      } catch {
        // The status says so (unreachable); the next turn dials again.
        if (stopped()) break
        relay.unreachable = true
        relay.failures++
        delay = Math.min(RELAY_BACKOFF_MIN * 2 ** (relay.failures - 1), RELAY_BACKOFF_MAX)
      }
      update()
    } else {
      connectedAt ||= Date.now()
      const reserved = relayStatus([relay], libp2p).state === 'reserved'
      // libp2p announces no event when a reservation brings back the same
      // addresses it had before a reload: look, rather than wait to be told.
      update()
      if (!reserved && Date.now() - connectedAt > RESERVATION_GRACE) {
        // Connected yet never reserved: libp2p asks for a reservation when a
        // new relay connection is identified, so start a fresh one. A hang-up
        // that fails leaves nothing to close; the next turn dials again.
        await libp2p.hangUp(relay.peerId).catch(() => undefined)
        connectedAt = 0
        delay = 0
      } else {
        delay = reserved ? 5_000 : 1_000
      }
    }
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, delay)
      function done (): void {
        clearTimeout(timer)
        wakers.delete(key)
        resolve()
      }
      wakers.set(key, done)
    })
  }
}

async function dialPeer(libp2p: Libp2p, address: string, signal: AbortSignal): Promise<{ direct: boolean }> {
  let ma: Multiaddr
  try {
    ma = multiaddr(address)
  } catch (err) {
    throw new P2PError('INVALID_PEER_ADDRESS', `"${address}" is not a peer address`, { cause: err })
  }
  const id = peerIdOfAddress(ma)
  if (id == null || !address.includes('/p2p-circuit')) {
    throw new P2PError('INVALID_PEER_ADDRESS', `"${address}" is not a peer's circuit address (<relay>/p2p-circuit/webrtc/p2p/<peer>)`)
  }
  // Only the WebRTC form gives a direct connection; a bare circuit address would
  // leave us on the relay's limited connection.
  if (!WebRTC.matches(ma)) {
    ma = multiaddr(address.replace('/p2p-circuit/', '/p2p-circuit/webrtc/'))
  }
  const peerId = peerIdFromString(id)
  const direct = (): boolean => libp2p.getConnections(peerId).some(conn => conn.status === 'open' && isDirect(conn))
  // A connection left over from before the other side reloaded looks open
  // until the monitor's next probe: check it now rather than trust it.
  for (const conn of libp2p.getConnections(peerId).filter(isDirect)) {
    if (conn.status === 'open' && !(await isAlive(conn))) conn.abort(new Error('The peer stopped answering'))
  }
  let lastError: unknown
  for (const [index, timeout] of PEER_DIAL_TIMEOUTS.entries()) {
    const attempt = index + 1
    if (direct()) return { direct: true }
    try {
      // @libp2p/webrtc 6.0.33 can lose a race between the listener closing the
      // signalling channel and setRemoteDescription; the dial then hangs until it times out: retry.
      const conn = await libp2p.dial(ma, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)]) })
      if (isDirect(conn) || direct()) return { direct: true }
      return { direct: false }
    } catch (err) {
      lastError = err
      // The relay holds no reservation of the peer: it is not connected there, and a retry would be
      // told the same (a doctor's follow-up waited 1.2 s on it before trying the patient's keepers).
      if (signal.aborted || relayHasNoReservation(err) || attempt === PEER_DIAL_TIMEOUTS.length) break
      await new Promise(resolve => setTimeout(resolve, 200 * attempt))
    }
  }
  throw new P2PError('DIAL_FAILED', 'Could not open a direct connection to the other browser; check that both are online and connected to the relay', {
    details: errorMessage(lastError),
    cause: lastError
  })
}

/** Whether a dial failed because the relay has no reservation of the peer (circuit relay v2's NO_RESERVATION), anywhere down the causes. */
function relayHasNoReservation(error: unknown): boolean {
  const seen = new Set<unknown>()
  const pending = [error]
  while (pending.length > 0) {
    const current = pending.pop()
    if (typeof current !== 'object' || current === null || seen.has(current)) continue
    seen.add(current)
    const { message, cause, errors } = current as { message?: unknown; cause?: unknown; errors?: unknown }
    if (typeof message === 'string' && message.includes('status NO_RESERVATION')) return true
    pending.push(cause, ...(Array.isArray(errors) ? (errors as unknown[]) : []))
  }
  return false
}

async function isAlive(conn: Connection): Promise<boolean> {
  try {
    const stream = await conn.newStream(PING_PROTOCOL, { signal: AbortSignal.timeout(PING_TIMEOUT_MIN) })
    stream.abort(new Error('liveness probe only'))
    return true
  } catch (err) {
    // The remote answered multistream-select without the protocol: alive.
    return err instanceof Error && err.name === 'UnsupportedProtocolError'
  }
}
