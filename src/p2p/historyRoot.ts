// The root that the ledger's anchor(root, entryCount) commits to.
//
//   root = SHA-256( u32be(len) ‖ "anamnesis/history-root/v1"
//                   ‖ u32be(k) ‖ for each of the k heads, in ascending order of its CID bytes:
//                                u32be(len) ‖ CID bytes )
//   entryCount = the number of entries reachable from those heads, the heads included
//
// A head's CID is the hash of its block, and every entry names the entries before it by
// their CIDs, so the root commits to every entry of the log up to the heads: changing,
// dropping or adding any of them changes the root. CID bytes are the binary CIDv1
// (0x01 0x71 0x12 0x20 ‖ SHA-256 of the block), the base58btc string OrbitDB prints decoded.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { parseHash } from './blocks.ts'

const DOMAIN = utf8ToBytes('anamnesis/history-root/v1')

/** An entry as the root and the anchor checks see it: its hash, its links and its clock, nothing of its content. */
export interface LogNode {
  hash: string
  /** The entries this one links to (next and refs). */
  parents: readonly string[]
  /** Lamport time: larger than every parent's. */
  time: number
}

function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value, false)
  return out
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/**
 * The root of a set of heads, 0x-hex (bytes32): what anchor(root, entryCount) commits to.
 * Order and repeats of `heads` do not change it.
 * @throws {Error} When a head is not a log entry's hash (a dag-cbor SHA-256 CIDv1 in base58btc).
 */
export function historyRoot(heads: Iterable<string>): `0x${string}` {
  const cids = [...new Set(heads)].map((hash) => {
    const cid = parseHash(hash)
    if (cid === undefined) throw new Error(`"${hash}" is not the hash of a log entry`)
    return cid.bytes
  })
  cids.sort(compareBytes)
  const parts = [u32be(DOMAIN.length), DOMAIN, u32be(cids.length)]
  for (const bytes of cids) parts.push(u32be(bytes.length), bytes)
  return `0x${bytesToHex(sha256(concatBytes(...parts)))}`
}

/** The heads of a set of entries: those no other entry of the set links to. */
export function headsOf(nodes: Iterable<LogNode>): string[] {
  const all = [...nodes]
  const linked = new Set<string>()
  for (const node of all) for (const parent of node.parents) linked.add(parent)
  return all.filter((node) => !linked.has(node.hash)).map((node) => node.hash)
}

/** Every entry reachable from `from` (included) through links, among `nodes`. */
export function closure(from: Iterable<string>, nodes: ReadonlyMap<string, LogNode>): Set<string> {
  const seen = new Set<string>()
  const stack = [...from]
  while (stack.length > 0) {
    const hash = stack.pop()
    if (hash === undefined || seen.has(hash)) continue
    const node = nodes.get(hash)
    if (node === undefined) continue
    seen.add(hash)
    stack.push(...node.parents)
  }
  return seen
}

/** An on-chain anchor of a history log, as src/chain readLatestAnchor returns it. */
export interface Anchor {
  /** bytes32, 0x-hex. */
  root: string
  /** How many entries the anchored heads reach, the heads included. */
  entryCount: number | bigint
}

/**
 * The entries an on-chain anchor covers, found in this log: the set whose heads give the
 * anchored root and whose size is the anchored count. The anchor names only the root, so
 * the candidates tried are the cuts a writer can have anchored: every prefix of the log in
 * Lamport order (a writer's view at some moment) and the history behind every single entry.
 * Undefined when none matches: the anchored entries are not all here, or one was changed.
 * @param nodes - Every entry of the log by hash, damaged ones with the links their batch recorded.
 * @throws {Error} As {@link historyRoot}, when a node's hash is not a log entry's hash.
 */
export function anchoredEntries(nodes: ReadonlyMap<string, LogNode>, anchor: Anchor): Set<string> | undefined {
  const root = anchor.root.toLowerCase()
  const count = Number(anchor.entryCount)
  if (!Number.isSafeInteger(count) || count < 1 || count > nodes.size) return undefined
  const ordered = [...nodes.values()].sort((a, b) => a.time - b.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
  // The first `count` entries in Lamport order (ties by hash): parents come before children, so this is a history.
  const prefix = ordered.slice(0, count)
  const prefixNodes = new Map(prefix.map((node) => [node.hash, node]))
  if (historyRoot(headsOf(prefixNodes.values())) === root) return new Set(prefixNodes.keys())
  // The history behind one entry: a writer who had exactly that entry as its only head.
  for (const node of ordered) {
    if (historyRoot([node.hash]) !== root) continue
    const covered = closure([node.hash], nodes)
    if (covered.size === count) return covered
  }
  return undefined
}
