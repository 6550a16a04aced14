// Sealed attachments as IPFS blocks: a UnixFS file (CIDv1, raw leaves) of the ciphertext that
// src/crypto sealed, so the blocks hold nothing in the clear. Kept in this device's own blockstore
// and recorded under the history they belong to (fileIndex.ts); a file not held here is asked of the
// connected peers over the file protocol (fileProtocol.ts), as this device authenticated for that
// history, and each block is checked against its CID as it arrives, then kept here.
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import { readBlock } from './blocks.ts'
import { fileIndexOver, type FileIndex } from './fileIndex.ts'
import { FileRefusedError, requestFile, type RemoteFile } from './fileProtocol.ts'
import { P2PError } from './p2pError.ts'
import type { PeerConduct } from './peerConduct.ts'
import { servedLog } from './syncProtocol.ts'
import type { P2PNode } from './node.ts'

/** UnixFS loads with the first file stored or read: it is no part of the first screen. */
const loadUnixfs = (): Promise<typeof import('@helia/unixfs')> => import('@helia/unixfs')

/** The sealed files of a history, by CID. */
export interface AttachmentStore {
  /** Stores a sealed file as its chunks are made, and records it under the history; returns its CID (base32). */
  put(sealed: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string>
  /**
   * The sealed file's bytes in order: from this device, or from a connected peer that serves it to us.
   * @throws {P2PError} `ATTACHMENT_NOT_FOUND` for a string that is not a CID, or when no peer serves the file;
   *   an abort of `signal` ends it with the signal's reason.
   */
  read(cid: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>
}

/** How many connected peers a read asks before it gives up. */
const MAX_PEERS_ASKED = 8

type LocalBlocks = Pick<Blockstore, 'get' | 'put' | 'has'>

function parseFileCid(cid: string): CID {
  try {
    return CID.parse(cid)
  } catch (cause) {
    throw new P2PError('ATTACHMENT_NOT_FOUND', `"${cid}" does not name a stored file.`, { cause })
  }
}

/** Each sealed chunk is one leaf block, as it comes: a block fetched is a chunk the reader checks at once. */
async function putFile(blockstore: LocalBlocks, sealed: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<{ cid: CID; bytes: number }> {
  let bytes = 0
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of sealed) {
      bytes += chunk.length
      yield chunk
    }
  }
  const { unixfs } = await loadUnixfs()
  const cid = await unixfs({ blockstore }).addByteStream(counted(), { rawLeaves: true, cidVersion: 1, reduceSingleLeafToSelf: false, chunker: (source) => source })
  return { cid, bytes }
}

/**
 * The attachment store over a local blockstore only: a file not held here is not found. One block per
 * sealed chunk (256 KiB and its tag).
 */
export function attachmentStoreOver(blockstore: LocalBlocks): AttachmentStore {
  return {
    put: async (sealed) => (await putFile(blockstore, sealed)).cid.toString(),
    read: async function* (cid, options = {}) {
      const root = parseFileCid(cid)
      const { unixfs } = await loadUnixfs()
      yield* unixfs({ blockstore }).cat(root, options)
    }
  }
}

/** Where a node's attachment store finds what it does not hold: the node's connections, as this device for a history. */
export interface FilePeers {
  libp2p: Libp2p
  conduct?: PeerConduct
  /** Ask this peer only (a keeper fetching a file its patient's device named), not every connected peer. */
  from?: PeerId
}

/**
 * The attachment store of history log `log` on a node: files kept in the node's own blockstore and
 * recorded under `log` (so the node serves them to the peers that history admits), and files not
 * held here fetched from the connected peers, the ones this log synced with first.
 */
export function attachmentStoreFor(stores: { blockstore: LocalBlocks; index: FileIndex }, log: string, peers?: FilePeers): AttachmentStore {
  const { blockstore, index } = stores
  return {
    put: async (sealed) => {
      const { cid, bytes } = await putFile(blockstore, sealed)
      await index.add(log, cid, bytes)
      return cid.toString()
    },
    read: (cid, options = {}) => readFile(stores, log, parseFileCid(cid), peers, options.signal)
  }
}

/** The attachment store of history log `log` on a started node (attachmentStoreFor its stores and connections). */
export function attachmentStoreOn(node: Pick<P2PNode, 'blockstore' | 'datastore' | 'libp2p' | 'conduct'>, log: string): AttachmentStore {
  return attachmentStoreFor({ blockstore: node.blockstore, index: fileIndexOver(node.datastore) }, log, { libp2p: node.libp2p, conduct: node.conduct })
}

async function* readFile(stores: { blockstore: LocalBlocks; index: FileIndex }, log: string, root: CID, peers: FilePeers | undefined, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const { blockstore, index } = stores
  let remote: RemoteFile | undefined
  let opening: Promise<RemoteFile> | undefined
  /** Blocks read here before a peer was asked: the peer sends them too (the whole file, in order), and they are let go as they come. */
  const readHere: CID[] = []
  const fromPeers = (): Promise<RemoteFile> => {
    opening ??= (async () => {
      if (peers === undefined) throw new P2PError('ATTACHMENT_NOT_FOUND', 'This file is not stored on this device.')
      const opened = await askPeers(peers, log, root, signal)
      remote = opened
      for (const cid of readHere) opened.take(cid).catch(() => undefined)
      return opened
    })()
    return opening
  }
  // Local blocks first; the first block missing here opens the exchange with a peer, and from then
  // on every block comes from it, checked against its CID and kept here.
  const blocks = {
    has: (cid: CID) => blockstore.has(cid),
    put: () => {
      throw new Error('a file being read is not written')
    },
    get: async function* (cid: CID) {
      const local = opening === undefined ? await readBlock(blockstore, cid) : undefined
      if (local !== undefined && opening === undefined) {
        readHere.push(cid)
        yield local
        return
      }
      const source = await fromPeers()
      const block = await source.take(cid)
      // Kept as the walk goes on: the store's writes are waited for once, at the end.
      storing.push(Promise.resolve(blockstore.put(cid, block)))
      yield block
    }
  }
  const storing: Promise<unknown>[] = []
  let bytes = 0
  try {
    const { unixfs } = await loadUnixfs()
    for await (const piece of unixfs({ blockstore: blocks }).cat(root, signal === undefined ? {} : { signal })) {
      bytes += piece.length
      yield piece
    }
  } finally {
    remote?.close()
    // A write that failed is thrown here: the file is then not recorded as held.
    await Promise.all(storing)
  }
  // Whole and checked against its CIDs: this device holds it for the history now, and serves it to its peers.
  if (remote !== undefined) await index.add(log, root, bytes)
}

/** Asks the connected peers in turn, those that synced this history first, until one serves the file. */
async function askPeers({ libp2p, conduct, from }: FilePeers, log: string, root: CID, signal: AbortSignal | undefined): Promise<RemoteFile> {
  const served = servedLog(libp2p, log)
  if (served === undefined) throw new P2PError('ATTACHMENT_NOT_FOUND', 'This file is not stored on this device, and its history is not open here to ask peers for it.')
  const seen = new Set<string>()
  const candidates: PeerId[] = []
  for (const connection of libp2p.getConnections(from)) {
    const key = connection.remotePeer.toString()
    if (connection.status !== 'open' || connection.limits != null || seen.has(key)) continue
    seen.add(key)
    candidates.push(connection.remotePeer)
  }
  candidates.sort((a, b) => Number(served.isAuthenticated(b)) - Number(served.isAuthenticated(a)))
  let lastError: unknown
  for (const peer of candidates.slice(0, MAX_PEERS_ASKED)) {
    signal?.throwIfAborted()
    try {
      return await requestFile(libp2p, peer, { log, root, authority: served.authority, ...(signal === undefined ? {} : { signal }), ...(conduct === undefined ? {} : { conduct }) })
    } catch (error) {
      if (signal?.aborted === true) throw error
      lastError = error
      if (!(error instanceof FileRefusedError)) continue
    }
  }
  throw new P2PError('ATTACHMENT_NOT_FOUND', 'No connected device or keeper serves this file to you now.', lastError === undefined ? {} : { cause: lastError })
}

/**
 * Deletes the blocks of the file at `root` that this store holds (its root, inner nodes and leaves,
 * found by walking it here), and returns how many it deleted. A file held only in part is deleted as far as it is held.
 */
export async function deleteFile(blockstore: LocalBlocks & Pick<Blockstore, 'delete'>, root: CID | string): Promise<number> {
  const cids: CID[] = []
  const walking = {
    has: (cid: CID) => blockstore.has(cid),
    put: () => {
      throw new Error('a file being deleted is not written')
    },
    get: async function* (cid: CID) {
      const block = await readBlock(blockstore, cid)
      if (block === undefined) throw new P2PError('ATTACHMENT_NOT_FOUND', 'A block of the file is not held here.')
      cids.push(cid)
      yield block
    }
  }
  let walked = 0
  try {
    const { unixfs } = await loadUnixfs()
    for await (const piece of unixfs({ blockstore: walking }).cat(typeof root === 'string' ? CID.parse(root) : root)) walked += piece.length
  } catch {
    // Held in part: what was found is deleted.
  }
  let deleted = 0
  if (walked === 0 && cids.length === 0) return 0
  for (const cid of new Set(cids)) {
    if (await blockstore.has(cid)) {
      await blockstore.delete(cid)
      deleted += 1
    }
  }
  return deleted
}
