// /anamnesis/sync/1.0.0: replication of a history log in bulk over one libp2p stream,
// instead of OrbitDB's walk of the log one block at a time over bitswap.
//
//   puller → holder   { t: 'pull', log, have: <puller's heads>, window }
//   holder → puller   { t: 'blocks', identities: [identity blocks], entries: [entry blocks] }  …, oldest first
//   puller → holder   { t: 'ack', n }             after storing n entries; at most `window` unacknowledged
//   holder → puller   { t: 'end', heads }         the holder's heads when it answered
//   holder → puller   { t: 'error', reason }      e.g. the log is not open there
//   writer → peer     { t: 'announce', log, heads }   one-way: "I have new heads, pull when you like"
//
// The holder sends every entry that is not behind the puller's heads, parents before
// children. The puller checks each block (hash, form, signature, identity, write access)
// before storing it and stores as it goes, so a sync cut off halfway resumes from the
// heads it reached: nothing is fetched twice, nothing is stored twice.
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'
import { MessageReader, sendMessage, WireError } from './syncWire.ts'

/** The libp2p protocol id of bulk history replication. */
export const SYNC_PROTOCOL = '/anamnesis/sync/1.0.0'
const FRAME_ENTRIES = 128
const FRAME_BYTES = 1024 * 1024
const DEFAULT_WINDOW = 1024
const MAX_WINDOW = 8192
/** What a holder keeps of a puller's messages not yet read: pulls and acks are small. */
const PULLER_HELD_BYTES = 1024 * 1024
const MAX_HAVE = 1024
const ANNOUNCE_TIMEOUT_MS = 5_000
/** A pull whose peer says nothing for this long has lost it (a closed page's connection can look open for a while). */
const PULL_IDLE_MS = 15_000

/** One `blocks` message: raw blocks as the peer sent them, nothing checked but that they are bytes. */
export interface Frame {
  /** Identity blocks the entries that follow name. */
  identities: Uint8Array[]
  /** Entry blocks, parents before children. */
  entries: Uint8Array[]
}

/** What the holder side needs of an open log. */
export interface SyncSource {
  readonly address: string
  /** Identity blocks and entry blocks a peer with heads `have` lacks, parents before children. */
  missing(have: readonly string[]): { identities: Uint8Array[]; entries: Uint8Array[] }
  heads(): string[]
  /** A peer says it has this log open, with these heads: its word only, at most 1,024 strings, not checked as hashes. */
  announced(peer: PeerId, heads: string[]): void
  /** A peer pulled this log from us, so it has it open (or says so: any peer with a direct connection may pull). */
  pulledBy(peer: PeerId): void
}

/** What the puller side needs: where received frames go. */
export interface SyncSink {
  /** Checks and stores one frame. Called again before the previous call has resolved: frames must be stored in order. */
  receive(frame: Frame): Promise<number>
  /** The holder is done: its heads, for the sink to tell whether it got everything. */
  finish(holderHeads: string[]): Promise<void>
}

const sources = new WeakMap<Libp2p, Map<string, SyncSource>>()

function isStringArray(value: unknown, max: number): value is string[] {
  return Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string')
}

function isByteArrays(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.every((item) => item instanceof Uint8Array)
}

/**
 * Serves `source` to peers that pull it. The first log served on a node installs the protocol handler.
 * Any peer with a direct connection may pull a served log by its address; it is not asked who it is.
 * Of what a peer sends, only the form is checked: a `pull` or `announce` naming a served log, at
 * most 1,024 heads, a window clamped to 128–8,192, and acknowledgements that are numbers;
 * a stream that breaks the protocol is aborted, and each stream is given up after 2 minutes.
 */
export async function serveLog(libp2p: Libp2p, source: SyncSource): Promise<void> {
  let served = sources.get(libp2p)
  if (served === undefined) {
    const logs = new Map<string, SyncSource>()
    served = logs
    sources.set(libp2p, logs)
    await libp2p.handle(SYNC_PROTOCOL, (stream, connection) => handleStream(logs, stream, connection), { maxInboundStreams: 64 })
  }
  served.set(source.address, source)
}

/** Stops serving the log at `address`; the last one stopped removes the protocol handler. */
export async function stopServing(libp2p: Libp2p, address: string): Promise<void> {
  const served = sources.get(libp2p)
  if (served === undefined) return
  served.delete(address)
  if (served.size === 0) {
    sources.delete(libp2p)
    await libp2p.unhandle(SYNC_PROTOCOL).catch(() => undefined)
  }
}

async function handleStream(logs: Map<string, SyncSource>, stream: Stream, connection: Connection): Promise<void> {
  // A puller sends one pull and its acks: a little over the 1,024 heads a pull may name.
  const reader = new MessageReader(stream, { maxHeldBytes: PULLER_HELD_BYTES })
  const signal = AbortSignal.timeout(120_000)
  try {
    const first = (await reader.next(signal)) as Record<string, unknown> | undefined
    if (first === undefined) return
    const source = typeof first.log === 'string' ? logs.get(first.log) : undefined
    if (first.t === 'announce') {
      if (source !== undefined && isStringArray(first.heads, MAX_HAVE)) source.announced(connection.remotePeer, first.heads)
      await stream.close()
      return
    }
    if (first.t !== 'pull' || !isStringArray(first.have, MAX_HAVE)) {
      stream.abort(new Error('not a sync request'))
      return
    }
    if (source === undefined) {
      await sendMessage(stream, { t: 'error', reason: 'unknown-log' }, signal)
      await stream.close()
      return
    }
    source.pulledBy(connection.remotePeer)
    const window = typeof first.window === 'number' && Number.isInteger(first.window) ? Math.min(Math.max(first.window, FRAME_ENTRIES), MAX_WINDOW) : DEFAULT_WINDOW
    const { identities, entries } = source.missing(first.have)
    let acknowledged = 0
    let sent = 0
    let pendingIdentities = identities
    for (let at = 0; at < entries.length || pendingIdentities.length > 0; ) {
      const frame: Uint8Array[] = []
      let bytes = 0
      while (at < entries.length && frame.length < FRAME_ENTRIES && bytes < FRAME_BYTES) {
        const entry = entries[at++] as Uint8Array
        frame.push(entry)
        bytes += entry.length
      }
      while (sent + frame.length - acknowledged > window) {
        const ack = (await reader.next(signal)) as Record<string, unknown> | undefined
        if (ack === undefined) return
        // An ack counts entries sent and not yet acknowledged: never none, never more.
        if (ack.t !== 'ack' || typeof ack.n !== 'number' || !Number.isInteger(ack.n) || ack.n < 1 || ack.n > sent - acknowledged) {
          throw new WireError('the puller sent something other than an acknowledgement of entries it was sent')
        }
        acknowledged += ack.n
      }
      await sendMessage(stream, { t: 'blocks', identities: pendingIdentities, entries: frame }, signal)
      pendingIdentities = []
      sent += frame.length
    }
    await sendMessage(stream, { t: 'end', heads: source.heads() }, signal)
    await stream.close({ signal })
  } catch (error) {
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

/**
 * Pulls log `address` from `peer` into `sink`, over the newest direct connection to it. Resolves
 * when the holder is done; throws when there is no direct connection, when the stream breaks
 * (what was stored stays stored) or when the peer does not have the log. Of the holder's messages
 * only the form is checked here (byte arrays, at most 1,024 end heads); the sink checks the blocks.
 * @param have - This log's heads: the holder sends what is not behind them (the first 1,024 are sent).
 * @param signal - Aborts the pull; besides it, a holder silent for 15 s is given up.
 * @param window - How many entries the holder may send ahead of our acknowledgements.
 * @throws {NoDirectConnectionError} When there is no open direct connection to `peer`.
 * @throws {SyncRefusedError} When the peer answers with an error.
 * @throws {WireError} When a message is over 8 MiB or the stream ends inside one; any other
 *   failure (a closed stream, a foreign message, the signal, the sink's error) is thrown as it is.
 */
export async function pullLog(libp2p: Libp2p, peer: PeerId, address: string, have: readonly string[], sink: SyncSink, signal: AbortSignal, window = DEFAULT_WINDOW): Promise<void> {
  const connection = newestDirectConnection(libp2p, peer)
  if (connection === undefined) throw new NoDirectConnectionError(`no direct connection to ${peer.toString()} to sync over`)
  const stream = await connection.newStream(SYNC_PROTOCOL, { signal })
  const reader = new MessageReader(stream)
  try {
    await sendMessage(stream, { t: 'pull', log: address, have: [...have].slice(0, MAX_HAVE), window }, signal)
    // Frames are handed to the sink as they arrive, without waiting for the previous one to be
    // stored: the sink checks a frame while the one before is being written. Acks go in order.
    let storing: Promise<void> = Promise.resolve()
    let failure: { error: unknown } | undefined
    // Entries received and not yet acknowledged: an honest holder stops at `window` (it counts our
    // acks only once they reach it, so it never sees fewer than we sent). More is a peer filling
    // this device's memory, and ends the pull.
    let unacknowledged = 0
    for (;;) {
      if (failure !== undefined) throw failure.error
      const message = (await reader.next(AbortSignal.any([signal, AbortSignal.timeout(PULL_IDLE_MS)]))) as Record<string, unknown> | undefined
      if (message === undefined) throw new Error('the peer closed the sync before it was done')
      if (message.t === 'blocks' && isByteArrays(message.identities) && isByteArrays(message.entries)) {
        const n = message.entries.length
        unacknowledged += n
        if (unacknowledged > window) throw new WireError(`the peer sent ${unacknowledged} entries ahead of our acknowledgements, over the window of ${window}`)
        const received = sink.receive({ identities: message.identities, entries: message.entries })
        // Handled through `storing`; this keeps an early failure from counting as unhandled meanwhile.
        received.catch(() => undefined)
        storing = storing
          .then(() => received)
          .then(() => {
            unacknowledged -= n
            return sendMessage(stream, { t: 'ack', n }, signal)
          })
        storing.catch((error: unknown) => {
          failure ??= { error }
        })
      } else if (message.t === 'end' && isStringArray(message.heads, MAX_HAVE)) {
        await untilAborted(storing, signal)
        await sink.finish(message.heads)
        await stream.close({ signal })
        return
      } else if (message.t === 'error') {
        throw new SyncRefusedError(`the peer does not serve this log (${String(message.reason)})`)
      } else {
        throw new Error('the peer sent something that is not part of the sync protocol')
      }
    }
  } catch (error) {
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
