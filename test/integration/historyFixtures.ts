// What the history integration tests share: people with wallets (anvil's development
// accounts, signing with viem as a wallet would), nodes that reach each other over
// loopback WebSockets, and a waiting helper.
import { multiaddr } from '@multiformats/multiaddr'
import { privateKeyToAccount } from 'viem/accounts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { walletIdentityOf } from '../support/walletSignatures.ts'
import type { WalletKeys } from '../../src/crypto/index.ts'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { startHistoryOrbit, startP2PNode, type HistoryOrbit, type P2PNode, type StartHistoryOrbitOptions, type StartP2PNodeOptions, type WalletIdentity } from '../../src/p2p/index.ts'
import type { Blockstore } from 'interface-blockstore'
import { Key, type Datastore } from 'interface-datastore'
import { parseHash } from '../../src/p2p/blocks.ts'
import type { LogEntry } from '../../src/p2p/logEntry.ts'

export interface Person {
  label: string
  address: `0x${string}`
  keys: WalletKeys
  /** The wallet's binding of its history signing key, as the app would keep it. */
  binding: `0x${string}`
  identity: WalletIdentity
}

/** A development account as a person: both wallet signatures, the derived keys and the identity. */
export async function person(label: string): Promise<Person> {
  const dev = developmentAccounts.find((account) => account.label === label)
  if (dev === undefined) throw new Error(`no development account labelled ${label}`)
  const { address, keys, binding, identity } = await walletIdentityOf(privateKeyToAccount(dev.privateKey))
  return { label, address, keys, binding, identity }
}

/** A node with a loopback WebSockets listener and no relay: tests dial each other directly. */
export async function loopbackNode(options: Partial<StartP2PNodeOptions> = {}): Promise<P2PNode> {
  return await startP2PNode({ relays: [], listen: ['/ip4/127.0.0.1/tcp/0/ws'], ...options })
}

/** What a test stops when it ends, last started first. */
export type Cleanups = (() => Promise<void>)[]

/** A node of its own memory stores (unless `stores` gives them), stopped with the test's `cleanups`. */
export async function memoryNode(cleanups: Cleanups, stores: { blockstore?: Blockstore; datastore?: Datastore } = {}): Promise<P2PNode> {
  // Memory stores of its own, whatever globals another suite left.
  const node = await loopbackNode({ blockstore: stores.blockstore ?? new MemoryBlockstore(), datastore: stores.datastore ?? new MemoryDatastore() })
  cleanups.push(() => node.stop())
  return node
}

/** A device of `who`: a memory node and its OrbitDB under `policy`, both stopped with the test's `cleanups`. */
export async function memoryDevice(
  who: Person,
  cleanups: Cleanups,
  policy: Omit<StartHistoryOrbitOptions, 'node' | 'identity'> = {},
  stores: { blockstore?: Blockstore; datastore?: Datastore } = {}
): Promise<{ node: P2PNode; orbit: HistoryOrbit }> {
  const node = await memoryNode(cleanups, stores)
  const orbit = await startHistoryOrbit({ node, identity: who.identity, ...policy })
  cleanups.push(() => orbit.stop())
  return { node, orbit }
}

/**
 * Stores entries in a node's copy of a log as one batch, behind the app's back (a device does what
 * its owner likes), as the log's store keeps them: blocks, a batch record, the heads. Open the log
 * again afterwards, and it serves them.
 */
export async function storeInLog(node: P2PNode, address: string, entries: readonly LogEntry[]): Promise<void> {
  const manifest = address.split('/').pop() ?? ''
  const headsKey = new Key(`/anamnesis/history-log/${manifest}/heads`)
  const state = JSON.parse(new TextDecoder().decode(await node.datastore.get(headsKey))) as { heads: string[]; seq: number }
  for (const entry of entries) {
    const cid = parseHash(entry.hash)
    if (cid === undefined) throw new Error('bad hash')
    await node.blockstore.put(cid, entry.bytes)
  }
  const linked = new Set(entries.flatMap((entry) => [...entry.next, ...entry.refs]))
  const heads = [...state.heads.filter((head) => !linked.has(head)), ...entries.map((entry) => entry.hash)]
  const batch = { entries: entries.map((entry) => [entry.hash, entry.clock.time, [...entry.next, ...entry.refs]]) }
  await node.datastore.put(new Key(`/anamnesis/history-log/${manifest}/batch/${String(state.seq).padStart(12, '0')}`), new TextEncoder().encode(JSON.stringify(batch)))
  await node.datastore.put(headsKey, new TextEncoder().encode(JSON.stringify({ heads, seq: state.seq + 1 })))
}

export function webSocketAddress(node: { libp2p: { getMultiaddrs(): { toString(): string }[] } }): string {
  const address = node.libp2p
    .getMultiaddrs()
    .map(String)
    .find((a) => a.includes('/ws/'))
  if (address === undefined) throw new Error('the node has no WebSockets address')
  return address
}

export async function connect(from: P2PNode, to: P2PNode): Promise<void> {
  await from.libp2p.dial(multiaddr(webSocketAddress(to)), { signal: AbortSignal.timeout(5_000) })
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeout = 15_000): Promise<number> {
  const start = Date.now()
  while (!(await condition())) {
    if (Date.now() - start > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return Date.now() - start
}

/** Every string value and every object key in a JSON value. */
export function stringsAndKeys(value: unknown): { strings: Set<string>; keys: Set<string> } {
  const strings = new Set<string>()
  const keys = new Set<string>()
  const visit = (item: unknown): void => {
    if (typeof item === 'string') strings.add(item)
    else if (Array.isArray(item)) item.forEach(visit)
    else if (typeof item === 'object' && item !== null) {
      for (const [key, inner] of Object.entries(item)) {
        keys.add(key)
        visit(inner)
      }
    }
  }
  visit(value)
  return { strings, keys }
}

/** Where any of `needles` occurs in `blocks` (bytes read as Latin-1, so any byte sequence of an ASCII needle is found). */
export function findPlaintext(blocks: Iterable<Uint8Array>, needles: Iterable<string>): string[] {
  const texts = [...blocks].map((bytes) => new TextDecoder('latin1').decode(bytes))
  const utf8 = (s: string): string => new TextDecoder('latin1').decode(new TextEncoder().encode(s))
  return [...needles].filter((needle) => texts.some((text) => text.includes(utf8(needle))))
}
