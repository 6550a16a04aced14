// /anamnesis/file/1.0.0: an attached file's blocks, streamed to a peer that proved it may sync the
// history the file belongs to. No block is served by its CID alone: a node answers only for files
// it recorded under a history (fileIndex.ts), and only to a peer that history's sync admits.
//
//   reader → holder   { t: 'get', log, cid, identity, signature, window }   the file's root CID (bytes) and
//                     the sync's puller hello for `log` (syncProtocol.ts: bound to both peer ids and the history)
//   holder → reader   { t: 'error', reason: 'refused' }   anyone not admitted, a file not held for `log`: nothing more
//   holder → reader   { t: 'block', cid, block }  …      the file's blocks, root first, then in the order of its links
//   reader → holder   { t: 'ack', n }                     after taking n blocks; at most `window` unacknowledged
//   holder → reader   { t: 'end' }
//
// The reader checks each block against the CID it came with, and takes it only for a CID its own
// walk of the file's DAG asks for, from the root it named: a holder can withhold a file, not alter it.
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'
import { readBlock } from './blocks.ts'
import type { FileIndex } from './fileIndex.ts'
import type { PeerConduct } from './peerConduct.ts'
import { authenticatePeer, isMisconduct, ProtocolViolation, pullerHello, type SyncAuthority } from './syncProtocol.ts'
import { MessageReader, sendMessage, WireMisuseError } from './syncWire.ts'

/** The libp2p protocol id of the file exchange. */
export const FILE_PROTOCOL = '/anamnesis/file/1.0.0'
/** The largest block of a file either side sends or accepts: a sealed chunk is 256 KiB and its tag. */
export const MAX_FILE_BLOCK_BYTES = 1024 * 1024
/** The most blocks one file may have: a file of the largest size allowed has about a hundred. */
export const MAX_FILE_BLOCKS = 4096
/** How many blocks a holder sends ahead of the reader's acknowledgements, by default. */
export const DEFAULT_FILE_WINDOW = 16
/** The most blocks a reader may let a holder send ahead of its acknowledgements. */
export const MAX_FILE_WINDOW = 32
const REFUSED = 'refused'
const RAW = 0x55
const DAG_PB = 0x70
const SHA2_256 = 0x12
/** A reader sends one request and its acks. */
const READER_HELD_BYTES = 64 * 1024
const STREAM_TIMEOUT_MS = 120_000
/** A holder that says nothing for this long has lost the file. */
const IDLE_MS = 15_000

/** The peer does not serve this file to us: not admitted for its history, or it does not hold it. */
export class FileRefusedError extends AnamnesisError<'FILE_REFUSED'> {
  override name = 'FileRefusedError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('FILE_REFUSED', message, options)
  }
}

/** What a node serves files from: its own stores, never the network. */
export interface FileHolder {
  blockstore: Pick<Blockstore, 'get' | 'has'>
  index: FileIndex
}

/** Real bytes (see syncProtocol's isBytes: a decoded "__proto__" key passes instanceof). */
function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && value instanceof Uint8Array
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isBytes(value)
}

/** A CID of ours as bytes: v1, SHA-256, dag-pb (a file's root or inner node) or raw (a leaf); undefined for anything else. */
export function fileBlockCid(bytes: unknown): CID | undefined {
  if (!isBytes(bytes) || bytes.length > 64) return undefined
  try {
    const cid = CID.decode(bytes)
    if (cid.version !== 1 || (cid.code !== RAW && cid.code !== DAG_PB) || cid.multihash.code !== SHA2_256 || cid.multihash.size !== 32) return undefined
    return cid
  } catch {
    return undefined
  }
}

/** Whether `block` is the block `cid` names: its SHA-256 (the platform's, native) is the CID's digest. */
export async function blockMatches(cid: CID, block: Uint8Array): Promise<boolean> {
  // Blocks come from the wire or a store: views on plain ArrayBuffers, never shared memory.
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', block as Uint8Array<ArrayBuffer>))
  const expected = cid.multihash.digest
  return digest.length === expected.length && digest.every((byte, i) => byte === expected[i])
}

/** The window a reader asks for, kept within 1 to MAX_FILE_WINDOW. */
export function fileWindow(asked: unknown): number {
  return typeof asked === 'number' && Number.isInteger(asked) ? Math.min(Math.max(asked, 1), MAX_FILE_WINDOW) : DEFAULT_FILE_WINDOW
}

async function nextMap(reader: MessageReader, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const value = await reader.next(signal)
  if (value === undefined) return undefined
  if (!isMap(value)) throw new ProtocolViolation('a message that is not a map')
  return value
}

/**
 * Serves the files `holder` recorded to the peers each file's history admits (authenticatePeer: the
 * patient's devices, doctors with a live grant, enrolled keepers), one file per stream, its blocks
 * in order within the window the reader asked for (1 to 32 blocks). Anyone else, and a request for
 * a file not recorded under the history it names, gets `refused` and nothing more. A peer that breaks
 * the protocol is reported to `conduct`.
 * @returns What stops serving.
 */
export async function serveFiles(libp2p: Libp2p, holder: FileHolder, conduct?: PeerConduct): Promise<() => Promise<void>> {
  await libp2p.handle(FILE_PROTOCOL, (stream, connection) => handleFileStream(libp2p, holder, conduct, stream, connection), { maxInboundStreams: 32 })
  return async () => {
    await libp2p.unhandle(FILE_PROTOCOL).catch(() => undefined)
  }
}

async function handleFileStream(libp2p: Libp2p, holder: FileHolder, conduct: PeerConduct | undefined, stream: Stream, connection: Connection): Promise<void> {
  const peer = connection.remotePeer
  if (conduct?.heldOff(peer) === true) {
    stream.abort(new Error('held off'))
    return
  }
  const reader = new MessageReader(stream, { maxHeldBytes: READER_HELD_BYTES, onMisuse: (error) => conduct?.misbehaved(peer, `it broke the file protocol: ${error.message}`) })
  const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
  try {
    const request = await nextMap(reader, signal)
    if (request === undefined) return
    const root = fileBlockCid(request.cid)
    if (request.t !== 'get' || typeof request.log !== 'string' || request.log.length > 200 || root === undefined || root.code !== DAG_PB) {
      throw new ProtocolViolation('a first message that is not a request for a file')
    }
    const auth = await authenticatePeer(libp2p, request.log, peer, request)
    if ('unproven' in auth) throw new ProtocolViolation(`a request whose hello proves nothing: ${auth.unproven}`)
    if ('refused' in auth || !(await holder.index.holds(request.log, root))) {
      await sendMessage(stream, { t: 'error', reason: REFUSED }, signal)
      await stream.close({ signal })
      return
    }
    await sendFile(holder, root, fileWindow(request.window), stream, reader, signal)
    await sendMessage(stream, { t: 'end' }, signal)
    await stream.close({ signal })
  } catch (error) {
    if (isMisconduct(error) && !(error instanceof WireMisuseError)) conduct?.misbehaved(peer, `it broke the file protocol: ${error.message}`)
    stream.abort(error instanceof Error ? error : new Error(String(error)))
  }
}

/**
 * Sends the blocks of the file at `root` in the order a reader's walk asks for them: UnixFS's own
 * walk of the file over this node's store sends each block as it reads it, never one of another file.
 */
async function sendFile(holder: FileHolder, root: CID, window: number, stream: Stream, reader: MessageReader, signal: AbortSignal): Promise<void> {
  let sent = 0
  let acknowledged = 0
  const seen = new Set<string>()
  // The walk reads several links at once: blocks go out one at a time, in the order they were asked for.
  let queue: Promise<void> = Promise.resolve()
  const send = (cid: CID, block: Uint8Array): Promise<void> => {
    const next = queue.then(async () => {
      const key = cid.toString()
      if (seen.has(key)) return
      seen.add(key)
      if (seen.size > MAX_FILE_BLOCKS) throw new Error(`the file has more than ${MAX_FILE_BLOCKS} blocks`)
      while (sent - acknowledged >= window) {
        const ack = await nextMap(reader, signal)
        if (ack === undefined) throw new Error('the reader closed the stream')
        if (ack.t !== 'ack' || typeof ack.n !== 'number' || !Number.isInteger(ack.n) || ack.n < 1 || ack.n > sent - acknowledged) {
          throw new ProtocolViolation('something other than an acknowledgement of blocks it was sent')
        }
        acknowledged += ack.n
      }
      await sendMessage(stream, { t: 'block', cid: cid.bytes, block }, signal)
      sent += 1
    })
    queue = next.catch(() => undefined)
    return next
  }
  const sending = {
    has: async (cid: CID) => holder.blockstore.has(cid),
    put: () => {
      throw new Error('a file being served is read, not written')
    },
    get: async function* (cid: CID) {
      const block = await readBlock(holder.blockstore, cid, { offline: true })
      if (block === undefined || block.length > MAX_FILE_BLOCK_BYTES || !(await blockMatches(cid, block))) throw new Error('a block of the file is missing or damaged here')
      await send(cid, block)
      yield block
    }
  }
  const { unixfs } = await import('@helia/unixfs')
  const fs = unixfs({ blockstore: sending })
  // The walk is what sends; the file's bytes are only counted.
  let bytes = 0
  for await (const piece of fs.cat(root, { signal })) bytes += piece.length
  if (bytes === 0) throw new Error('the file is empty here')
  await queue
}

/** What reading a file needs: the history it belongs to, the file's root, and who this node is for that history. */
export interface FileRequest {
  /** The history log's address the file is recorded under. */
  log: string
  root: CID
  authority: SyncAuthority
  signal?: AbortSignal
  /** How many blocks the holder may send ahead of our acknowledgements (1 to 32). Default 16. */
  window?: number
  /** Told when the holder breaks the protocol (the node disconnects and holds it off). */
  conduct?: PeerConduct
}

/** A file being received from one peer: its blocks, each taken once, by the CID the reader's walk asks for. */
export interface RemoteFile {
  /**
   * The block `cid` names, once it arrived and matched it.
   * @throws {P2PError}-like errors: the holder ended without it, broke the protocol, or went silent.
   */
  take(cid: CID): Promise<Uint8Array>
  /** Ends the exchange (after the file was read, or to give it up). */
  close(): void
}

/**
 * Asks `peer` for the file `request.root` of history `request.log` over the newest direct connection,
 * and resolves once the holder answered with the root block: then the file's blocks arrive as the
 * holder sends them, each checked against its CID as it comes (one that does not match, a CID that
 * is not ours, a block over 1 MiB or more blocks than the window are the holder misbehaving).
 * @throws {FileRefusedError} When the peer refuses (not admitted, the file not held there), has no
 *   direct connection, or does not speak the protocol.
 */
export async function requestFile(libp2p: Libp2p, peer: PeerId, request: FileRequest): Promise<RemoteFile> {
  const { log, root, authority, conduct } = request
  const window = fileWindow(request.window)
  if (conduct?.heldOff(peer) === true) throw new FileRefusedError(`${peer.toString()} is held off for breaking a protocol`)
  const connection = libp2p
    .getConnections(peer)
    .filter((candidate) => candidate.status === 'open' && candidate.limits == null)
    .sort((a, b) => b.timeline.open - a.timeline.open)[0]
  if (connection === undefined) throw new FileRefusedError(`no direct connection to ${peer.toString()}`)
  const closed = new AbortController()
  const signal = request.signal === undefined ? closed.signal : AbortSignal.any([request.signal, closed.signal])
  let stream: Stream
  try {
    stream = await connection.newStream(FILE_PROTOCOL, { signal })
  } catch (cause) {
    throw new FileRefusedError(`${peer.toString()} serves no files`, { cause })
  }
  const reader = new MessageReader(stream, { maxHeldBytes: window * (MAX_FILE_BLOCK_BYTES + 1024) + READER_HELD_BYTES })
  const idle = (): AbortSignal => AbortSignal.any([signal, AbortSignal.timeout(IDLE_MS)])
  const received = new Map<string, Uint8Array>()
  let ended = false
  let failure: Error | undefined
  // The reader's walk asks for several blocks at once: each waits until its block, the end or a failure comes.
  const waiters = new Set<() => void>()
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter()
  }

  const fail = (error: unknown): void => {
    failure ??= error instanceof Error ? error : new Error(String(error))
    if (isMisconduct(failure)) conduct?.misbehaved(peer, `it broke the file protocol: ${failure.message}`)
    stream.abort(failure)
    wake()
  }
  /** One message of the holder's: a block checked and kept, the end, or a violation. */
  const accept = async (message: Record<string, unknown> | undefined): Promise<void> => {
    if (message === undefined) throw new Error('the peer closed the stream before the file was sent')
    if (message.t === 'end') {
      ended = true
      return
    }
    const cid = fileBlockCid(message.cid)
    if (message.t !== 'block' || cid === undefined || !isBytes(message.block)) throw new ProtocolViolation('something that is not a block of a file')
    if (message.block.length > MAX_FILE_BLOCK_BYTES) throw new ProtocolViolation(`a block of ${message.block.length} bytes, over the limit`)
    if (!(await blockMatches(cid, message.block))) throw new ProtocolViolation('a block that does not match its CID')
    received.set(cid.toString(), message.block)
    if (received.size > window) throw new ProtocolViolation(`more than ${window} blocks ahead of our acknowledgements`)
  }

  try {
    await sendMessage(stream, { t: 'get', log, cid: root.bytes, window, ...(await pullerHello(libp2p, authority, log, peer)) }, signal)
    const first = await nextMap(reader, idle())
    if (first?.t === 'error') throw new FileRefusedError(`${peer.toString()} does not serve this file to us`)
    await accept(first)
    if (!received.has(root.toString())) throw new ProtocolViolation('the first block is not the file asked for')
  } catch (error) {
    if (isMisconduct(error)) conduct?.misbehaved(peer, `it broke the file protocol: ${error.message}`)
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    throw error
  }

  void (async () => {
    try {
      while (!ended) {
        await accept(await nextMap(reader, idle()))
        wake()
      }
    } catch (error) {
      fail(error)
    }
  })()

  return {
    take: async (cid) => {
      const key = cid.toString()
      for (;;) {
        const block = received.get(key)
        if (block !== undefined) {
          received.delete(key)
          // Best effort: a holder that never hears it stops at the window, and the reader goes on without it.
          if (!ended) sendMessage(stream, { t: 'ack', n: 1 }, signal).catch(() => undefined)
          return block
        }
        if (failure !== undefined) throw failure
        if (ended) throw new FileRefusedError(`${peer.toString()} ended the file without one of its blocks`)
        await new Promise<void>((resolve) => {
          const waiter = (): void => {
            waiters.delete(waiter)
            resolve()
          }
          waiters.add(waiter)
        })
      }
    },
    close: () => {
      if (ended && failure === undefined) void stream.close().catch(() => undefined)
      else stream.abort(new Error('the file is no longer wanted'))
      closed.abort()
    }
  }
}
