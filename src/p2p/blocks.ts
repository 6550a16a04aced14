// Content-addressed blocks as OrbitDB writes them: dag-cbor, SHA-256, CIDv1, named
// by the CID's base58btc string ("zdpu…"). A block's name is the hash of its bytes,
// so a block that was altered no longer matches its name.
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const SHA2_256 = 0x12

/** An encoded block, with its CID and the name OrbitDB gives it. */
export interface Block {
  /** The CID as OrbitDB names it: base58btc. */
  hash: string
  cid: CID
  bytes: Uint8Array
}

/** The CID of dag-cbor bytes: CIDv1, dag-cbor, SHA-256 of exactly these bytes. */
export function cidOfBytes(bytes: Uint8Array): CID {
  return CID.createV1(dagCbor.code, Digest.create(SHA2_256, sha256(bytes)))
}

/**
 * Names this thread computed or read lately, with their CIDs: an entry links the one before it and
 * names its writer's identity, both seen a moment earlier, so a link found here needs no base58
 * decoding (which took a tenth of checking a pulled entry). Bounded; only sound names go in.
 */
const known = new Map<string, CID>()
const KNOWN_NAMES = 2048

function remember(hash: string, cid: CID): void {
  if (known.size >= KNOWN_NAMES) known.delete(known.keys().next().value as string)
  known.set(hash, cid)
}

/** The OrbitDB hash (base58btc CID) of dag-cbor bytes: what names them, computed here, never taken from a peer. */
export function hashOfBytes(bytes: Uint8Array): string {
  const cid = cidOfBytes(bytes)
  const hash = cid.toString(base58btc)
  remember(hash, cid)
  return hash
}

/**
 * Encodes `value` as dag-cbor and names the bytes.
 * @throws {Error} dag-cbor's encoding error, for a value it cannot encode (undefined, a function, NaN).
 */
export function encodeBlock(value: unknown): Block {
  const bytes = dagCbor.encode(value)
  const cid = cidOfBytes(bytes)
  return { hash: cid.toString(base58btc), cid, bytes }
}

/**
 * The CID named by an OrbitDB hash, or undefined when the string is not one of ours (dag-cbor, SHA-256).
 * Decoded, not CID.parse()d: parse also caches the string on the CID, which nothing here reads back,
 * and took 40% of the time of a keeper reading a history's blocks to serve it.
 */
export function parseHash(hash: string): CID | undefined {
  const seen = known.get(hash)
  if (seen !== undefined) return seen
  try {
    const cid = CID.decode(base58btc.decode(hash))
    if (cid.version !== 1 || cid.code !== dagCbor.code || cid.multihash.code !== SHA2_256 || cid.multihash.size !== 32) return undefined
    remember(hash, cid)
    return cid
  } catch {
    return undefined
  }
}

/**
 * Decodes a dag-cbor block and insists on its canonical form, so one content has
 * one name: a peer cannot send the same entry under a second hash.
 * @throws {Error} When the bytes are not dag-cbor, or not its canonical encoding.
 */
export function decodeCanonical(bytes: Uint8Array): unknown {
  const value: unknown = dagCbor.decode(bytes)
  if (!sameBytes(dagCbor.encode(value), bytes)) throw new Error('the block is not canonical dag-cbor')
  return value
}

/** Whether two byte arrays are equal. A plain loop: a callback per byte (Array.prototype.some) took a tenth of a received entry's check. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** What reading a block needs of a blockstore: Helia's, or a raw one. */
export interface BlockReader {
  get(cid: CID, options?: { signal?: AbortSignal; offline?: boolean }): AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

/**
 * A block's bytes (blockstores yield chunks), or undefined when it is not there or did not come
 * in time; any error of the store counts as not there. The bytes are not checked against the CID:
 * a raw store hands back what it holds (compare hashOfBytes with the CID).
 * @param options - `signal` bounds the wait; `offline` asks Helia not to fetch it from peers.
 */
export async function readBlock(store: BlockReader, cid: CID, options: { signal?: AbortSignal; offline?: boolean } = {}): Promise<Uint8Array | undefined> {
  try {
    const chunks: Uint8Array[] = []
    for await (const chunk of store.get(cid, options)) chunks.push(chunk)
    return chunks.length === 1 ? chunks[0] : concatBytes(...chunks)
  } catch {
    return undefined
  }
}
