// Peers that break the sync protocol's rules, run against a patient's node holding a real
// history: each attack is refused, nothing of the attacker's is kept, and the patient goes on.
import { hexToBytes } from '@noble/hashes/utils.js'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deriveWalletKeys, derivedKeyring, keyDerivationMessage, secp256k1Signer } from '../../src/crypto/index.ts'
import { demoRecordsFor, openPatientHistory } from '../../src/history/index.ts'
import { createWalletIdentity, identityBindingMessage, startHistoryOrbit, SYNC_PROTOCOL, type LogEvent, type P2PNode } from '../../src/p2p/index.ts'
import { decodeCanonical, encodeBlock, parseHash, readBlock } from '../../src/p2p/blocks.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { connect, loopbackNode, person, waitFor, type Person } from './historyFixtures.ts'
import type { Stream } from '@libp2p/interface'

let patient: Person
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  patient = await person('Patient')
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

/** The patient's device with a few records in their history, and what its log reports. */
async function patientWithHistory(demo = 0): Promise<{ node: P2PNode; address: string; add(): Promise<void>; entries(): number; heads(): string[]; blocks(): { hash: string; identity: string }[]; events: LogEvent[] }> {
  const node = await loopbackNode({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
  const orbit = await startHistoryOrbit({ node, identity: patient.identity })
  cleanups.push(async () => {
    await orbit.stop()
    await node.stop()
  })
  const log = await orbit.openLog(patient.address)
  const events: LogEvent[] = []
  log.subscribe((event) => events.push(event))
  const history = openPatientHistory({ log, keyring: derivedKeyring(patient.keys.encryption.secretKey, patient.address, 0) })
  const records = Object.values(fixtureRecordsFor(patient.address))
  await history.addMany([...records.slice(0, 3), ...(demo > 0 ? demoRecordsFor(patient.address, demo) : [])])
  let next = 3
  return {
    node,
    address: log.address,
    add: async () => {
      await history.addMany(records.slice(next, next + 1))
      next++
    },
    entries: () => log.entries().length,
    heads: () => log.heads(),
    blocks: () => log.entries().map((entry) => ({ hash: entry.hash, identity: entry.identity })),
    events
  }
}

/** The identity block of a wallet nobody knows: sound, signed, and no business of this history. */
async function strangersIdentity(): Promise<{ hash: string; bytes: Uint8Array }> {
  const account = privateKeyToAccount(generatePrivateKey())
  const address = account.address.toLowerCase()
  const keys = deriveWalletKeys(hexToBytes((await account.signMessage({ message: keyDerivationMessage(address) })).slice(2)))
  const binding = await account.signMessage({ message: identityBindingMessage(address, keys.identity.publicKey) })
  const identity = createWalletIdentity({ address, signer: secp256k1Signer(keys.identity.secretKey), binding })
  return { hash: identity.hash, bytes: identity.bytes }
}

/** A bare node that answers the sync protocol with whatever `answer` writes. */
async function attacker(answer: (stream: Stream, reader: MessageReader) => Promise<void>): Promise<P2PNode> {
  const node = await loopbackNode({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
  cleanups.push(() => node.stop())
  await node.libp2p.handle(SYNC_PROTOCOL, async (stream) => {
    const reader = new MessageReader(stream)
    await answer(stream, reader).catch(() => undefined)
  })
  return node
}

describe('a holder that breaks the rules of a pull', () => {
  it('is cut off when it sends more new writers than a history has, and their identities are not stored', async () => {
    const p = await patientWithHistory()
    const before = p.entries()
    const strangers = await Promise.all(Array.from({ length: 65 }, strangersIdentity))
    const holder = await attacker(async (stream, reader) => {
      await reader.next()
      await sendMessage(stream, { t: 'blocks', identities: strangers.map((s) => s.bytes), entries: [] })
      await sendMessage(stream, { t: 'end', heads: [] })
      await stream.close()
    })
    await connect(p.node, holder)
    await waitFor('the pull to be refused', () => p.events.some((e) => e.type === 'sync-error' && /more than 64 new writers/.test(e.error)))
    for (const stranger of strangers.slice(0, 5)) {
      const cid = parseHash(stranger.hash)
      expect(cid === undefined ? undefined : await readBlock(p.node.blockstore, cid, { offline: true })).toBeUndefined()
    }
    await p.add()
    expect(p.entries()).toBe(before + 1)
  })

  it('cannot send the patient\'s own entries again under other hashes, by varying the identity block outside the signatures', async () => {
    const p = await patientWithHistory()
    const before = p.entries()
    const [latest] = p.blocks().slice(-1)
    if (latest === undefined) throw new Error('no entry')
    const read = async (hash: string): Promise<Uint8Array> => {
      const cid = parseHash(hash)
      const bytes = cid === undefined ? undefined : await readBlock(p.node.blockstore, cid)
      if (bytes === undefined) throw new Error(`no block ${hash}`)
      return bytes
    }
    const identity = decodeCanonical(await read(latest.identity)) as Record<string, unknown> & { signatures: Record<string, string> }
    const entry = decodeCanonical(await read(latest.hash)) as Record<string, unknown>
    // 65 identity blocks that differ from the patient's only outside its signatures, and the
    // patient's latest entry pointing at each: the attack that once made the patient's next entry
    // link more parents than any peer accepts.
    const variants = Array.from({ length: 65 }, (_, i) => encodeBlock(i % 2 === 0 ? { ...identity, note: i } : { ...identity, signatures: { ...identity.signatures, extra: String(i) } }))
    const entries = variants.map((variant) => encodeBlock({ ...entry, identity: variant.hash }).bytes)
    const holder = await attacker(async (stream, reader) => {
      await reader.next()
      await sendMessage(stream, { t: 'blocks', identities: variants.map((v) => v.bytes), entries })
      await sendMessage(stream, { t: 'end', heads: entries.map((bytes) => encodeBlock(decodeCanonical(bytes)).hash) })
      await stream.close()
    })
    await connect(p.node, holder)
    await waitFor('the variants to be refused', () => p.events.some((e) => e.type === 'rejected' && e.entries.length === 65))
    expect(p.entries()).toBe(before)
    expect(p.heads()).toEqual([latest.hash])
    // The patient's next entry follows one head, as before the attack.
    await p.add()
    expect(p.heads()).toHaveLength(1)
    expect(p.entries()).toBe(before + 1)
  })

  it('is cut off when it sends more entries than the window lets it have unacknowledged, and nothing it sent is kept', async () => {
    const p = await patientWithHistory()
    const before = p.entries()
    const flood = await attacker(async (stream, reader) => {
      const pull = (await reader.next()) as { t?: string; window?: number }
      expect(pull.t).toBe('pull')
      // Ten times the window in one frame, no ack awaited.
      const entries = Array.from({ length: (pull.window ?? 1024) * 10 }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 1, 2]))
      await sendMessage(stream, { t: 'blocks', identities: [], entries })
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    })
    await connect(p.node, flood)
    await waitFor('the pull from the attacker to fail', () => p.events.some((e) => e.type === 'sync-error' && /over the window/.test(e.error)))
    expect(p.entries()).toBe(before)
    // The patient writes on as before.
    await p.add()
    expect(p.entries()).toBe(before + 1)
  })
})

describe('a puller that breaks the rules', () => {
  it('is cut off when it sends more than a pull and its acks, and the patient serves and writes on', async () => {
    const p = await patientWithHistory()
    const node = await loopbackNode({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    cleanups.push(() => node.stop())
    await connect(node, p.node)
    const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
    const closed = new Promise<Error | undefined>((resolve) => stream.addEventListener('close', (event) => resolve(event.error), { once: true }))
    await sendMessage(stream, { t: 'pull', log: p.address, have: [], window: 128 })
    // Acks the holder never asked for, 4 MiB of them, sent without reading anything back.
    const junk = { t: 'ack', n: 1, pad: new Uint8Array(64 * 1024) }
    const flooding = (async () => {
      for (let i = 0; i < 64; i++) await sendMessage(stream, junk)
    })().catch(() => undefined)
    // The holder resets the stream: it closes with an error on this side, not with the holder's 'end'.
    const error = await Promise.race([closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the holder kept the stream open')), 15_000))])
    await flooding
    expect(error).toBeDefined()
    await p.add()
    expect(p.entries()).toBe(4)
  })

  it('is cut off when it acknowledges entries it was never sent', async () => {
    // More entries than the smallest window, so the holder waits for acks.
    const p = await patientWithHistory(200)
    const node = await loopbackNode({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    cleanups.push(() => node.stop())
    await connect(node, p.node)
    const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
    const reader = new MessageReader(stream)
    await sendMessage(stream, { t: 'pull', log: p.address, have: [], window: 128 })
    const first = (await reader.next()) as { t?: string; entries?: unknown[] }
    expect(first.t).toBe('blocks')
    // Acknowledging a million entries would let the holder send without waiting, for ever.
    await sendMessage(stream, { t: 'ack', n: 1_000_000 })
    await expect(
      (async () => {
        for (;;) if ((await reader.next()) === undefined) return 'ended normally'
      })()
    ).rejects.toThrow()
    const before = p.entries()
    await p.add()
    expect(p.entries()).toBe(before + 1)
  })
})
