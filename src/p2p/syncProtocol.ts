// /anamnesis/sync/2.0.0: replication of a history log in bulk over one libp2p stream, between
// peers that proved to each other who they are for that history.
//
//   puller → holder   { t: 'hello', log, identity, signature }   who the puller is (see below)
//   holder → puller   { t: 'hello', identity, signature }        who the holder is, once the puller may sync
//   holder → puller   { t: 'error', reason: 'refused' }          anyone else: nothing more, not even whether the log is here
//   puller → holder   { t: 'pull', have: <puller's heads>, window }   once the holder may sync
//   holder → puller   { t: 'blocks', identities: [identity blocks], entries: [entry blocks], total? }  …, oldest first;
//                     the first frame says how many entries the pull will bring in all (`total`), the others do not
//   puller → holder   { t: 'ack', n }             after storing n entries; at most `window` unacknowledged
//   holder → puller   { t: 'end', heads }         the holder's heads when it answered
//   holder → puller   { t: 'error', reason }      e.g. the log is not open there
//   writer → peer     { t: 'announce', log, heads }   one-way, to authenticated peers: "I have new heads"
//
// A hello carries the sender's wallet identity block and its identity key's signature over
// { p: 'anamnesis/sync-auth/1', log, from: <sender's peer id>, to: <receiver's peer id>, as }:
// bound to the history and to both ends of this connection (whose peer ids the connection's
// encryption proves), it is worth nothing to anyone else. Each side asks its log whether that
// wallet may sync it (the patient's own devices, a doctor with a live grant, an enrolled keeper).
//
// The holder sends every entry that is not behind the puller's heads, parents before
// children. The puller checks each block (hash, form, signature, identity, write access)
// before storing it and stores as it goes, so a sync cut off halfway resumes from the
// heads it reached: nothing is fetched twice, nothing is stored twice. A doctor's or keeper's
// device does not check the signatures of the patient's key's entries from a holder whose hello
// proved that key: the hello vouches for what that peer sends (ProvenSigner, logEntry.ts).
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import * as dagCbor from '@ipld/dag-cbor'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'
import { MessageReader, sendMessage, WireError, WireMisuseError } from './syncWire.ts'
import { parseIdentityBlock, verifySignatureHex, type VerifiedIdentity, type WalletAddress } from './walletIdentity.ts'
import { bytesToHex } from '@noble/hashes/utils.js'
import { WebRTC } from '@multiformats/multiaddr-matcher'
import type { PeerConduct } from './peerConduct.ts'

/** The libp2p protocol id of bulk history replication. */
export const SYNC_PROTOCOL = '/anamnesis/sync/2.0.0'
const AUTH_PURPOSE = 'anamnesis/sync-auth/1'
/** How a holder answers anyone it does not serve: the same word whatever the reason. */
const REFUSED = 'refused'
const FRAME_ENTRIES = 128
/** The first frame is smaller: the puller starts checking and storing while the next ones are on their way. */
const FIRST_FRAME_ENTRIES = 32
const FRAME_BYTES = 1024 * 1024
/**
 * How many entries a puller lets a holder send ahead of its acknowledgements, unless it asks for
 * another window: over a stream transport (WebSockets, TCP), as good as the whole of a 1,000-record
 * history at once.
 */
const DEFAULT_WINDOW = 1024
/**
 * The window over WebRTC: two full frames, enough to keep the puller checking one frame while the
 * next is on its way. With 1,024, the burst filled the doctor's UDP receive buffer on a busy
 * machine, and the pull waited out SCTP retransmissions (runs of 1.2 and 2 s against 0.4 s;
 * bench/history.ts counts the drops). Over TCP the larger window is some 10% faster.
 */
const WEBRTC_WINDOW = 256
const MAX_WINDOW = 8192
/** What a holder keeps of a puller's messages not yet read: pulls and acks are small. */
const PULLER_HELD_BYTES = 1024 * 1024
const MAX_HAVE = 1024
/** The most entries a pull may announce: more than any history holds. */
const MAX_TOTAL = 2 ** 32
const ANNOUNCE_TIMEOUT_MS = 5_000
/** A pull whose peer says nothing for this long has lost it (a closed page's connection can look open for a while). */
const PULL_IDLE_MS = 15_000

/** One `blocks` message: raw blocks as the peer sent them, nothing checked but that they are bytes. */
export interface Frame {
  /**
   * In the first frame of a pull: how many entries the holder sends in all (at most MAX_TOTAL). Its
   * word, bounded: fewer may come (blocks missing from its storage are left out); pullLog ends a pull
   * that brings more.
   */
  total?: number
  /** Identity blocks the entries that follow name. */
  identities: Uint8Array[]
  /** Entry blocks, parents before children. */
  entries: Uint8Array[]
}

/** Who this device is for a log, and whom it syncs that log with. */
export interface SyncAuthority {
  /** This device's wallet identity block, sent in its hello. */
  identity: Uint8Array
  /** Signs with this device's identity key (DER, as entries are signed). */
  sign(data: Uint8Array): Promise<Uint8Array>
  /**
   * Whether `wallet` may sync this log with us now: the patient's, a live grant, an enrolled keeper;
   * and, when its hello's identity is known (`keyVersion`), not one derived for keys the wallet replaced.
   */
  admits(wallet: WalletAddress, keyVersion?: number): Promise<boolean>
}

/** What a peer proved in its hello. */
export interface AuthenticatedPeer {
  peer: PeerId
  wallet: WalletAddress
}

/** What the holder side needs of an open log. */
export interface SyncSource {
  readonly address: string
  readonly authority: SyncAuthority
  /**
   * Identity blocks and entry blocks `peer`, with heads `have`, lacks, parents before children: the
   * blocks themselves, or their hashes and how to read them, which are then read a frame at a time
   * as the peer takes them (a keeper holds no blocks in memory). What the peer itself sent us counts
   * as its own, with its parents.
   */
  missing(have: readonly string[], peer: PeerId): Missing | Promise<Missing>
  heads(): string[]
  /**
   * A peer says it has this log open, with these heads: its word only, at most 1,024 strings, not checked as
   * hashes. Only an authenticated peer's announcement reaches the source.
   */
  announced(peer: PeerId, heads: string[]): void
  /** Whether `peer` authenticated for this log and may still sync it (announcements from others are dropped). */
  isAuthenticated(peer: PeerId): boolean
  /**
   * A peer authenticated and pulls this log from us, so it has it open, with these heads: its word only,
   * at most 1,024 strings, not checked as hashes.
   */
  pulledBy(peer: AuthenticatedPeer, have: readonly string[]): void
}

/** What a puller lacks (SyncSource.missing): blocks, or hashes with how to read their blocks (a missing block is left out). */
export type Missing = { identities: Uint8Array[]; entries: Uint8Array[] } | { identities: Uint8Array[]; hashes: string[]; read(hashes: readonly string[]): Promise<Uint8Array[]> }

/** What the puller side needs: where received frames go. */
export interface SyncSink {
  /** Checks and stores one frame. Called again before the previous call has resolved: frames must be stored in order. */
  receive(frame: Frame): Promise<number>
  /** The holder is done: its heads, for the sink to tell whether it got everything. */
  finish(holderHeads: string[]): Promise<void>
  /** Told who the holder proved to be, once it is admitted and before any frame: whose entries may come first. */
  holderProven?(holder: VerifiedIdentity): void
}

const sources = new WeakMap<Libp2p, Map<string, SyncSource>>()
/** Per node, the refused admission checks per peer (admissionBudget): shared by every protocol that authenticates with a sync hello. */
const budgets = new WeakMap<Libp2p, AdmissionBudget>()
/** Per node, what opens a log a peer names that is not served yet (a keeper opens its logs on demand). */
const openers = new WeakMap<Libp2p, LogOpener>()

/**
 * Called with the log a peer's hello names, once the hello's signature proves a wallet and before
 * that wallet is checked against the log: opens the log (serveLog) when this node keeps it, and
 * marks it in use. Resolves once the log is served or known not to be; it must not throw.
 */
export type LogOpener = (address: string, peer: PeerId) => Promise<void>

/** The bytes a hello's signature covers: the purpose, the history, both peer ids and the sender's role. */
export function authStatement(log: string, from: PeerId | string, to: PeerId | string, as: 'puller' | 'holder'): Uint8Array {
  return dagCbor.encode({ p: AUTH_PURPOSE, log, from: from.toString(), to: to.toString(), as })
}

async function hello(authority: SyncAuthority, log: string, from: PeerId, to: PeerId, as: 'puller' | 'holder'): Promise<{ identity: Uint8Array; signature: Uint8Array }> {
  return { identity: authority.identity, signature: await authority.sign(authStatement(log, from, to, as)) }
}

/**
 * The wallet a peer's hello proves, or why it proves nothing: its identity block must be a sound
 * wallet identity, and the identity's key must have signed this statement.
 */
export function checkHello(message: Record<string, unknown>, log: string, from: PeerId | string, to: PeerId | string, as: 'puller' | 'holder'): { wallet: WalletAddress; keyVersion: number; identity: VerifiedIdentity } | { refusal: string } {
  const { identity, signature } = message
  if (!isBytes(identity) || !isBytes(signature) || signature.length > 80) return { refusal: 'the hello carries no identity and signature' }
  const verified = parseIdentityBlock(identity)
  if (typeof verified === 'string') return { refusal: verified }
  if (!verifySignatureHex(bytesToHex(signature), verified.publicKeyHex, authStatement(log, from, to, as))) return { refusal: 'the hello is not signed for this history and connection' }
  return { wallet: verified.address, keyVersion: verified.keyVersion, identity: verified }
}

function isStringArray(value: unknown, max: number): value is string[] {
  return Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string')
}

/**
 * Real bytes: a decoded map whose "__proto__" key is a byte string passes `instanceof Uint8Array`
 * (the decoder makes it the object's prototype) and throws when read; only a real view has a buffer.
 */
function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && value instanceof Uint8Array
}

function isByteArrays(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.every(isBytes)
}

/**
 * The next message, as a map; undefined when the peer closed its end. Anything else a peer sends
 * (null, a number, a list) breaks the protocol.
 */
async function nextMessage(reader: MessageReader, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const value = await reader.next(signal)
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isBytes(value)) throw new ProtocolViolation('a message that is not a map')
  return value as Record<string, unknown>
}

/**
 * Serves `source` to peers that pull it. The first log served on a node installs the protocol handler.
 * A peer is served only once its hello proves a wallet the source admits for this log; anyone else
 * gets `refused` after its first message and learns nothing else. Of what a peer sends, the form is
 * checked: a `hello` or `announce` naming a served log, a `pull` with at most 1,024 heads, a window
 * clamped to 128–8,192, and acknowledgements of entries sent. A peer that breaks the protocol is
 * reported to `conduct` (disconnected and held off); each stream is given up after 2 minutes.
 */
export async function serveLog(libp2p: Libp2p, source: SyncSource, conduct?: PeerConduct): Promise<void> {
  const served = await installHandler(libp2p, conduct)
  served.set(source.address, source)
}

async function installHandler(libp2p: Libp2p, conduct?: PeerConduct): Promise<Map<string, SyncSource>> {
  let served = sources.get(libp2p)
  if (served === undefined) {
    const logs = new Map<string, SyncSource>()
    served = logs
    sources.set(libp2p, logs)
    const lookups = budgetOf(libp2p)
    await libp2p.handle(SYNC_PROTOCOL, (stream, connection) => handleStream({ logs, lookups, libp2p, conduct }, stream, connection), { maxInboundStreams: 64 })
  }
  return served
}

/**
 * Answers the sync protocol on `libp2p` even with no log open, and calls `open` with the log each
 * peer's hello names (open or not) before serving it: a node that holds many logs (a keeper) opens
 * one when a peer asks for it, not all of them at start.
 * @returns What stops it: the handler stays while a log is served.
 */
export async function serveLogsOnDemand(libp2p: Libp2p, open: LogOpener, conduct?: PeerConduct): Promise<() => Promise<void>> {
  openers.set(libp2p, open)
  await installHandler(libp2p, conduct)
  return async () => {
    if (openers.get(libp2p) !== open) return
    openers.delete(libp2p)
    const served = sources.get(libp2p)
    if (served !== undefined && served.size === 0) {
      sources.delete(libp2p)
      await libp2p.unhandle(SYNC_PROTOCOL).catch(() => undefined)
    }
  }
}

/** Stops serving the log at `address`; the last one stopped removes the protocol handler, unless logs open on demand. */
export async function stopServing(libp2p: Libp2p, address: string): Promise<void> {
  const served = sources.get(libp2p)
  if (served === undefined) return
  served.delete(address)
  if (served.size === 0 && !openers.has(libp2p)) {
    sources.delete(libp2p)
    await libp2p.unhandle(SYNC_PROTOCOL).catch(() => undefined)
  }
}

/** How many refused wallets one peer may ask a holder to look up per minute: a device is one wallet. */
const REFUSALS_PER_MINUTE = 8

/**
 * Counts the admission checks each peer had refused in the last minute: past the limit, its hellos
 * are refused without asking the ledger (a doctor whose grant is live is answered from the cache).
 */
function admissionBudget(): AdmissionBudget {
  const recent = new Map<string, number[]>()
  const within = (peer: PeerId): number[] => (recent.get(peer.toString()) ?? []).filter((at) => Date.now() - at < 60_000)
  return {
    allows: (peer) => within(peer).length < REFUSALS_PER_MINUTE,
    refused: (peer) => {
      recent.set(peer.toString(), [...within(peer), Date.now()])
      if (recent.size > 1024) recent.delete(recent.keys().next().value ?? '')
    }
  }
}

/** Refused admission checks per peer: past the limit, no more lookups for it for a while. */
interface AdmissionBudget {
  allows(peer: PeerId): boolean
  refused(peer: PeerId): void
}

function budgetOf(libp2p: Libp2p): AdmissionBudget {
  let budget = budgets.get(libp2p)
  if (budget === undefined) {
    budget = admissionBudget()
    budgets.set(libp2p, budget)
  }
  return budget
}

/**
 * Whether the hello in `message` (a sync hello's `identity` and `signature`, signed as a puller's for
 * `log` from `peer` to this node) proves a wallet this node syncs `log` with now: the same check, the
 * same opener (a keeper opens the log on demand) and the same per-peer budget of refused lookups as a
 * sync's holder. Another protocol that serves a history's data asks this and nothing else.
 * @returns The wallet, `{ refused: true }` when the log is not served here or the wallet not admitted
 *   (the caller tells the peer nothing more), or `{ unproven }` when the hello proves nothing (misbehaviour).
 */
export async function authenticatePeer(libp2p: Libp2p, log: string, peer: PeerId, message: Record<string, unknown>): Promise<{ wallet: WalletAddress } | { refused: true } | { unproven: string }> {
  const proof = checkHello(message, log, peer, libp2p.peerId, 'puller')
  if ('refusal' in proof) return { unproven: proof.refusal }
  const open = openers.get(libp2p)
  if (open !== undefined) await open(log, peer)
  const source = sources.get(libp2p)?.get(log)
  const lookups = budgetOf(libp2p)
  if (source === undefined || !lookups.allows(peer)) return { refused: true }
  if (!(await source.authority.admits(proof.wallet, proof.keyVersion))) {
    lookups.refused(peer)
    return { refused: true }
  }
  return { wallet: proof.wallet }
}

/**
 * Who this node is for a log it serves, and whether `peer` authenticated for it in a sync: what
 * another protocol needs to ask a peer for the log's data as this node. Undefined when the log is not open here.
 */
export function servedLog(libp2p: Libp2p, log: string): Pick<SyncSource, 'authority' | 'isAuthenticated'> | undefined {
  return sources.get(libp2p)?.get(log)
}

/** The bytes of a puller's hello for `log` from this node to `peer`: its identity block and signature. */
export function pullerHello(libp2p: Libp2p, authority: SyncAuthority, log: string, peer: PeerId): Promise<{ identity: Uint8Array; signature: Uint8Array }> {
  return hello(authority, log, libp2p.peerId, peer, 'puller')
}

interface Serving {
  logs: Map<string, SyncSource>
  lookups: AdmissionBudget
  libp2p: Libp2p
  conduct: PeerConduct | undefined
}

/** A message that breaks the protocol: the peer is no honest implementation of it. */
export class ProtocolViolation extends WireError {
  override name = 'ProtocolViolation'
}

/** Whether a failure of a sync stream means the peer misbehaved (not merely went away or timed out). */
export function isMisconduct(error: unknown): error is Error {
  return error instanceof ProtocolViolation || error instanceof WireMisuseError || (error instanceof AnamnesisError && error.code === 'PEER_MISBEHAVED')
}

async function handleStream({ logs, lookups, libp2p, conduct }: Serving, stream: Stream, connection: Connection): Promise<void> {
  const peer = connection.remotePeer
  if (conduct?.heldOff(peer) === true) {
    stream.abort(new Error('held off'))
    return
  }
  // A puller sends one hello, one pull and its acks: a little over the 1,024 heads a pull may name.
  // The reader tells of a puller that sends more than it may even while we are sending, not reading.
  const reader = new MessageReader(stream, { maxHeldBytes: PULLER_HELD_BYTES, onMisuse: (error) => conduct?.misbehaved(peer, `it broke the sync protocol: ${error.message}`) })
  const signal = AbortSignal.timeout(120_000)
  const refuse = async (): Promise<void> => {
    await sendMessage(stream, { t: 'error', reason: REFUSED }, signal)
    await stream.close()
  }
  try {
    const first = await nextMessage(reader, signal)
    if (first === undefined) return
    let source = typeof first.log === 'string' ? logs.get(first.log) : undefined
    if (first.t === 'announce') {
      if (!isStringArray(first.heads, MAX_HAVE)) throw new ProtocolViolation('an announcement that is not a list of heads')
      if (source?.isAuthenticated(peer) === true) source.announced(peer, first.heads)
      await stream.close()
      return
    }
    if (first.t !== 'hello' || typeof first.log !== 'string') throw new ProtocolViolation('a first message that is neither a hello nor an announcement')
    const open = openers.get(libp2p)
    // The hello's signature first: a log is opened for a peer that proves a wallet, not for anyone.
    let proven = open === undefined ? undefined : checkHello(first, first.log, peer, libp2p.peerId, 'puller')
    if (open !== undefined && proven !== undefined && !('refusal' in proven)) {
      await open(first.log, peer)
      source = logs.get(first.log)
    }
    if (source === undefined) return await refuse()
    proven ??= checkHello(first, source.address, peer, libp2p.peerId, 'puller')
    const proof = proven
    if ('refusal' in proof) throw new ProtocolViolation(`a hello that proves nothing: ${proof.refusal}`)
    const { wallet, keyVersion } = proof
    if (!lookups.allows(peer)) return await refuse()
    if (!(await source.authority.admits(wallet, keyVersion))) {
      lookups.refused(peer)
      return await refuse()
    }
    await sendMessage(stream, { t: 'hello', ...(await hello(source.authority, source.address, libp2p.peerId, peer, 'holder')) }, signal)
    const pull = await nextMessage(reader, signal)
    if (pull === undefined) return
    if (pull.t !== 'pull' || !isStringArray(pull.have, MAX_HAVE)) throw new ProtocolViolation('something other than a pull after the hellos')
    source.pulledBy({ peer, wallet }, pull.have)
    const window = typeof pull.window === 'number' && Number.isInteger(pull.window) ? Math.min(Math.max(pull.window, FRAME_ENTRIES), MAX_WINDOW) : DEFAULT_WINDOW
    const missing = await source.missing(pull.have, peer)
    const total = 'hashes' in missing ? missing.hashes.length : missing.entries.length
    // Blocks are read a frame's worth at a time, as the peer takes them: a pull holds one frame in memory, not the log.
    const blocksFrom = (from: number, to: number): Promise<Uint8Array[]> => ('hashes' in missing ? missing.read(missing.hashes.slice(from, to)) : Promise.resolve(missing.entries.slice(from, to)))
    let acknowledged = 0
    let sent = 0
    let pendingIdentities = missing.identities
    let read: Uint8Array[] = []
    let announced = false
    for (let at = 0; at < total || read.length > 0 || pendingIdentities.length > 0; ) {
      if (read.length === 0 && at < total) {
        const to = Math.min(total, at + FRAME_ENTRIES)
        read = await blocksFrom(at, to)
        at = to
      }
      const frame: Uint8Array[] = []
      let bytes = 0
      const most = sent === 0 ? FIRST_FRAME_ENTRIES : FRAME_ENTRIES
      while (read.length > 0 && frame.length < most && bytes < FRAME_BYTES) {
        const entry = read.shift() as Uint8Array
        frame.push(entry)
        bytes += entry.length
      }
      // Blocks missing from storage leave nothing to send: no empty frame (its acknowledgement would count none).
      if (frame.length === 0 && pendingIdentities.length === 0) continue
      while (sent + frame.length - acknowledged > window) {
        const ack = await nextMessage(reader, signal)
        if (ack === undefined) return
        // An ack counts entries sent and not yet acknowledged: never none, never more.
        if (ack.t !== 'ack' || typeof ack.n !== 'number' || !Number.isInteger(ack.n) || ack.n < 1 || ack.n > sent - acknowledged) {
          throw new ProtocolViolation('something other than an acknowledgement of entries it was sent')
        }
        acknowledged += ack.n
      }
      await sendMessage(stream, { t: 'blocks', identities: pendingIdentities, entries: frame, ...(announced ? {} : { total }) }, signal)
      announced = true
      pendingIdentities = []
      sent += frame.length
    }
    await sendMessage(stream, { t: 'end', heads: source.heads() }, signal)
    await stream.close({ signal })
  } catch (error) {
    // Breaking the protocol is misbehaving (the reader reports its own bounds); a stream that breaks or times out is not.
    if (isMisconduct(error) && !(error instanceof WireMisuseError)) conduct?.misbehaved(peer, `it broke the sync protocol: ${error.message}`)
    stream.abort(error instanceof Error ? error : new Error(String(error)))
  }
}

/** `work`, unless `signal` fires first. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort = (): void => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** The peer answered a pull with an error: it does not serve this log (not open there). */
export class SyncRefusedError extends AnamnesisError<'SYNC_REFUSED'> {
  override name = 'SyncRefusedError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('SYNC_REFUSED', message, options)
  }
}

/**
 * No direct connection to the peer: a sync never dials one itself. Dialling from here raced
 * the other side's dial (both pull as soon as identify runs over the relayed connection) and
 * left two WebRTC connections between the same browsers, one of which stalled new streams.
 */
export class NoDirectConnectionError extends AnamnesisError<'NO_DIRECT_CONNECTION'> {
  override name = 'NoDirectConnectionError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('NO_DIRECT_CONNECTION', message, options)
  }
}

/** The most recently opened direct connection to `peer`: after the peer came back, the new one, not a stale one. */
function newestDirectConnection(libp2p: Libp2p, peer: PeerId): Connection | undefined {
  return libp2p
    .getConnections(peer)
    .filter((connection) => connection.status === 'open' && connection.limits == null)
    .sort((a, b) => b.timeline.open - a.timeline.open)[0]
}

/** What one pull is: the log, what we hold of it, who we are, and where the entries go. */
export interface PullRequest {
  address: string
  /** This log's heads: the holder sends what is not behind them (the first 1,024 are sent). */
  have: readonly string[]
  /** Who we are for this log, and whom we accept as its holder. */
  authority: SyncAuthority
  sink: SyncSink
  /** Aborts the pull; besides it, a holder silent for 15 s is given up. */
  signal: AbortSignal
  /** How many entries the holder may send ahead of our acknowledgements: by default 256 over WebRTC, 1,024 over other transports. */
  window?: number
  /** Told when the holder breaks the protocol (the node disconnects and holds it off). */
  conduct?: PeerConduct
}

/**
 * Pulls log `address` from `peer` into `sink`, over the newest direct connection to it, once both
 * sides have proved who they are: our hello first, then the holder's, which must prove a wallet our
 * authority admits, before we send our heads or accept a block. Resolves with the holder's wallet
 * when it is done; throws when there is no direct connection, when the stream breaks (what was
 * stored stays stored), or when either side refuses. Of the holder's messages only the form is
 * checked here (byte arrays, at most 1,024 end heads, the window kept); the sink checks the blocks.
 * A holder that breaks the protocol is reported to `conduct`.
 * @throws {NoDirectConnectionError} When there is no open direct connection to `peer`.
 * @throws {SyncRefusedError} When the holder refuses us, or proves no wallet we admit.
 * @throws {WireError} When the holder breaks the protocol (ProtocolViolation, WireMisuseError) or the
 *   stream ends inside a message; any other failure (a closed stream, the signal, the sink's error) is thrown as it is.
 */
export async function pullLog(libp2p: Libp2p, peer: PeerId, request: PullRequest): Promise<WalletAddress> {
  const { address, authority, sink, signal, conduct } = request
  if (conduct?.heldOff(peer) === true) throw new SyncRefusedError(`${peer.toString()} is held off for breaking the sync protocol`)
  const connection = newestDirectConnection(libp2p, peer)
  if (connection === undefined) throw new NoDirectConnectionError(`no direct connection to ${peer.toString()} to sync over`)
  const window = request.window ?? (WebRTC.matches(connection.remoteAddr) ? WEBRTC_WINDOW : DEFAULT_WINDOW)
  const stream = await connection.newStream(SYNC_PROTOCOL, { signal })
  const reader = new MessageReader(stream)
  let failure: { error: unknown } | undefined
  // A frame the sink refused ends the pull at once, not when the holder next speaks.
  const sinkFailed = new AbortController()
  const idle = (): AbortSignal => AbortSignal.any([signal, sinkFailed.signal, AbortSignal.timeout(PULL_IDLE_MS)])
  try {
    await sendMessage(stream, { t: 'hello', log: address, ...(await hello(authority, address, libp2p.peerId, peer, 'puller')) }, signal)
    const answer = await nextMessage(reader, idle())
    if (answer === undefined) throw new Error('the peer closed the sync before it was done')
    // The peer's own words are not repeated: a reason is one the protocol knows, or none.
    if (answer.t === 'error') throw new SyncRefusedError(`the peer does not sync this history with us (${answer.reason === REFUSED ? REFUSED : 'no reason given'})`)
    if (answer.t !== 'hello') throw new ProtocolViolation('the peer answered a hello with something else')
    const proof = checkHello(answer, address, peer, libp2p.peerId, 'holder')
    if ('refusal' in proof) throw new ProtocolViolation(`the peer's hello proves nothing: ${proof.refusal}`)
    const holder = proof.wallet
    if (!(await authority.admits(holder, proof.keyVersion))) throw new SyncRefusedError(`the peer is ${holder}, who may not sync this history (with the keys it proved)`)
    // The identity whose key signed the hello, as checkHello verified it.
    sink.holderProven?.(proof.identity)
    await sendMessage(stream, { t: 'pull', have: [...request.have].slice(0, MAX_HAVE), window }, signal)
    // Frames are handed to the sink as they arrive, without waiting for the previous one to be
    // stored: the sink checks a frame while the one before is being written. Acks go in order.
    let storing: Promise<void> = Promise.resolve()
    // Entries received and not yet acknowledged: an honest holder stops at `window` (it counts our
    // acks only once they reach it, so it never sees fewer than we sent). More is a peer filling
    // this device's memory, and ends the pull.
    let unacknowledged = 0
    /** The entries the holder said the pull brings (in its first frame), and the frames and entries that came. */
    let announced: number | undefined
    let frames = 0
    let received = 0
    for (;;) {
      if (failure !== undefined) throw failure.error
      const message = await nextMessage(reader, idle())
      if (message === undefined) throw new Error('the peer closed the sync before it was done')
      if (message.t === 'blocks' && isByteArrays(message.identities) && isByteArrays(message.entries)) {
        const n = message.entries.length
        unacknowledged += n
        if (unacknowledged > window) throw new ProtocolViolation(`the peer sent ${unacknowledged} entries ahead of our acknowledgements, over the window of ${window}`)
        // The first frame may say how many entries come in all; no later frame says it again, and no more may come.
        if (message.total !== undefined) {
          if (frames > 0) throw new ProtocolViolation('a count of entries to come after the first frame')
          if (!Number.isSafeInteger(message.total) || (message.total as number) < n || (message.total as number) > MAX_TOTAL) {
            throw new ProtocolViolation(`a count of entries to come that is not a whole number from its own frame's to ${MAX_TOTAL}`)
          }
          announced = message.total as number
        }
        frames += 1
        received += n
        if (announced !== undefined && received > announced) throw new ProtocolViolation(`the peer sent ${received} entries after saying it would send ${announced}`)
        const frame: Frame = { identities: message.identities, entries: message.entries, ...(frames === 1 && announced !== undefined ? { total: announced } : {}) }
        const stored = sink.receive(frame)
        // Handled through `storing`; this keeps an early failure from counting as unhandled meanwhile.
        stored.catch(() => undefined)
        storing = storing
          .then(() => stored)
          .then(() => {
            unacknowledged -= n
            return sendMessage(stream, { t: 'ack', n }, signal)
          })
        storing.catch((error: unknown) => {
          failure ??= { error }
          sinkFailed.abort(error)
        })
      } else if (message.t === 'end' && isStringArray(message.heads, MAX_HAVE)) {
        await untilAborted(storing, signal)
        await sink.finish(message.heads)
        await stream.close({ signal })
        return holder
      } else {
        throw new ProtocolViolation('the peer sent something that is not part of the sync protocol')
      }
    }
  } catch (caught) {
    const error = failure === undefined ? caught : failure.error
    if (isMisconduct(error)) conduct?.misbehaved(peer, `it broke the sync protocol: ${error.message}`)
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
}

/**
 * Tells a peer that this log has new heads; it pulls if it lacks them. Best effort: nothing without
 * a direct connection, and a failed send is swallowed; it rejects only when no stream can be opened.
 */
export async function announceHeads(libp2p: Libp2p, peer: PeerId, address: string, heads: readonly string[]): Promise<void> {
  const signal = AbortSignal.timeout(ANNOUNCE_TIMEOUT_MS)
  const connection = newestDirectConnection(libp2p, peer)
  if (connection === undefined) return
  const stream = await connection.newStream(SYNC_PROTOCOL, { signal })
  try {
    await sendMessage(stream, { t: 'announce', log: address, heads: [...heads].slice(0, MAX_HAVE) }, signal)
    await stream.close({ signal })
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
  }
}
