// Peers that break the sync protocol's rules, run against a patient's node holding a real
// history: each attack is refused, nothing of the attacker's is kept, the attacker is cut off and
// held off where it broke a rule, and afterwards the patient writes and an authorised doctor reads
// as before. The attackers are bare nodes speaking the wire format by hand: none of the app's code
// paths that would refuse to misbehave. Insiders are a doctor whose grant is live (they pass the
// hello); strangers know only the patient's peer id.
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { firstEpochKeyring, wrapDataKey, currentKey, secp256k1Signer } from '../../src/crypto/index.ts'
import { demoRecordsFor, openPatientHistory, readerKeyring } from '../../src/history/index.ts'
import { authStatement, SYNC_PROTOCOL, type LogEvent, type P2PNode, type PatientLog, type WalletIdentity } from '../../src/p2p/index.ts'
import { decodeCanonical, encodeBlock, hashOfBytes, parseHash, readBlock } from '../../src/p2p/blocks.ts'
import { createLogEntry } from '../../src/p2p/logEntry.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { rawFrame } from '../support/fuzz.ts'
import { walletIdentityOf } from '../support/walletSignatures.ts'
import { connect, memoryDevice, memoryNode, person, waitFor, type Person } from './historyFixtures.ts'
import type { PeerId, Stream } from '@libp2p/interface'
import { MemoryDatastore } from 'datastore-core'
import type { Datastore } from 'interface-datastore'

let patient: Person
/** A doctor whose grant is live: passes the hello, and may write. */
let insider: Person
/** The honest doctor who reads the history before and after each attack. */
let reader: Person
const cleanups: (() => Promise<void>)[] = []
/** Each attack's name and the growth of this process's heap it caused, for the summary. */
const memory: { attack: string; heapGrowthBytes: number }[] = []

beforeAll(async () => {
  patient = await person('Patient')
  insider = await person('Doctor')
  reader = await person('Second doctor')
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(() => {
  console.info(`heap growth per attack (bytes): ${memory.map((m) => `${m.attack}: ${m.heapGrowthBytes}`).join('; ')}`)
})

const admitted = (...people: Person[]) => (wallet: string): Promise<boolean> => Promise.resolve(people.some((p) => p.address === wallet.toLowerCase()))

interface PatientDevice {
  node: P2PNode
  log: PatientLog
  address: string
  add(): Promise<void>
  entries(): number
  heads(): string[]
  blocks(): { hash: string; identity: string }[]
  events: LogEvent[]
  /** Heap growth since the device was set up, after a collection when the runtime allows one. */
  heapGrowth(): number
  /** How many times the device asked the ledger whether a wallet may sync. */
  lookups(): number
}

/** The patient's device with a few records in their history; it syncs with the insider and the reader, and lets the insider write. */
async function patientWithHistory(demo = 0, stores: { datastore?: Datastore } = {}): Promise<PatientDevice> {
  let lookups = 0
  const ledger = admitted(insider, reader)
  const canSync = (wallet: string): Promise<boolean> => {
    lookups++
    return ledger(wallet)
  }
  const { node, orbit } = await memoryDevice(patient, cleanups, { canSync, canWrite: admitted(insider) }, stores)
  const log = await orbit.openLog(patient.address)
  const events: LogEvent[] = []
  log.subscribe((event) => events.push(event))
  const history = openPatientHistory({ log, keyring: keyring() })
  const records = Object.values(fixtureRecordsFor(patient.address))
  await history.addMany([...records.slice(0, 3), ...(demo > 0 ? demoRecordsFor(patient.address, demo) : [])])
  let next = 3
  const heap = (): number => {
    ;(globalThis as { gc?: () => void }).gc?.()
    return process.memoryUsage().heapUsed
  }
  const start = heap()
  return {
    node,
    log,
    address: log.address,
    add: async () => {
      await history.addMany(records.slice(next, next + 1))
      next++
    },
    entries: () => log.entries().length,
    heads: () => log.heads(),
    blocks: () => log.entries().map((entry) => ({ hash: entry.hash, identity: entry.identity })),
    events,
    heapGrowth: () => heap() - start,
    lookups: () => lookups
  }
}

const keyring = () => firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)

/**
 * After an attack: the patient writes one more record, and the honest doctor, connecting afresh,
 * reads every record the patient has, and holds nothing of the attacker's.
 */
async function patientGoesOn(p: PatientDevice, attack: string, attackerHashes: readonly string[] = []): Promise<void> {
  memory.push({ attack, heapGrowthBytes: p.heapGrowth() })
  const before = p.entries()
  await p.add()
  expect(p.entries()).toBe(before + 1)
  expect(p.heads()).toHaveLength(1)
  const { node, orbit } = await memoryDevice(reader, cleanups)
  const log = await orbit.openLog(patient.address)
  const { epoch, key } = currentKey(keyring())
  const history = openPatientHistory({ log, keyring: readerKeyring([wrapDataKey(key, reader.keys.encryption.publicKey, epoch)], reader.keys.encryption.secretKey) })
  await connect(node, p.node)
  await waitFor('the honest doctor to read every record', () => history.entries().length === p.entries())
  expect(log.heads()).toEqual(p.heads())
  for (const hash of attackerHashes) expect(p.log.get(hash)).toBeUndefined()
}

/** The identity block of a wallet nobody knows: sound, signed, and no business of this history. */
async function strangersIdentity(): Promise<WalletIdentity> {
  return (await walletIdentityOf(privateKeyToAccount(generatePrivateKey()))).identity
}

/** A hello as `identity` would send it on the connection from `from` to `to`. */
async function helloFrom(identity: WalletIdentity, log: string, from: PeerId, to: PeerId, as: 'puller' | 'holder'): Promise<Record<string, unknown>> {
  const signature = hexToBytes(await identity.sign(identity, authStatement(log, from, to, as)))
  return { t: 'hello', ...(as === 'puller' ? { log } : {}), identity: identity.bytes, signature }
}

/**
 * A bare node that holds the log as the insider: it answers the patient's hello with the insider's,
 * takes the pull, then does whatever `misbehave` writes.
 */
async function insiderHolder(log: string, misbehave: (stream: Stream, reader: MessageReader, pull: Record<string, unknown>) => Promise<void>): Promise<P2PNode> {
  const node = await memoryNode(cleanups)
  await node.libp2p.handle(SYNC_PROTOCOL, async (stream, connection) => {
    const reader = new MessageReader(stream)
    try {
      const hello = (await reader.next()) as Record<string, unknown>
      if (hello.t !== 'hello') return
      await sendMessage(stream, await helloFrom(insider.identity, log, node.libp2p.peerId, connection.remotePeer, 'holder'))
      const pull = (await reader.next()) as Record<string, unknown>
      await misbehave(stream, reader, pull)
    } catch {
      // The patient cut the stream off: what the attack expects.
    }
  })
  return node
}

/** A bare node that dials the patient's sync protocol and says hello as `identity`. */
async function pullerAs(p: PatientDevice, identity: WalletIdentity): Promise<{ node: P2PNode; stream: Stream; reader: MessageReader; closed: Promise<Error | undefined> }> {
  const node = await memoryNode(cleanups)
  await connect(node, p.node)
  const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
  const reader = new MessageReader(stream)
  const closed = new Promise<Error | undefined>((resolve) => stream.addEventListener('close', (event) => resolve(event.error), { once: true }))
  await sendMessage(stream, await helloFrom(identity, p.address, node.libp2p.peerId, p.node.libp2p.peerId, 'puller'))
  return { node, stream, reader, closed }
}

/** The patient's latest entry, and the clock time of an entry that follows it. */
function afterLatest(p: PatientDevice): { latest: { hash: string }; time: number } {
  const [latest] = p.blocks().slice(-1)
  if (latest === undefined) throw new Error('no entry')
  return { latest, time: (p.log.get(latest.hash)?.clock.time ?? 0) + 1 }
}

/** An entry after the patient's latest that names the patient's identity and key, signed with the insider's key. */
async function forgedAsPatient(p: PatientDevice): Promise<{ hash: string; bytes: Uint8Array }> {
  const { latest, time } = afterLatest(p)
  return await createLogEntry({ identity: { ...patient.identity, sign: insider.identity.sign }, logId: p.address, payload: new Uint8Array([3]), next: [latest.hash], time })
}

/** Entries signed by the insider's own identity, each linking to a parent nobody has. */
async function orphans(log: string, count: number): Promise<Uint8Array[]> {
  const missing = encodeBlock({ nobody: 'has this' }).hash
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push((await createLogEntry({ identity: insider.identity, logId: log, payload: new Uint8Array([i & 0xff, i >> 8]), next: [missing], time: 2 })).bytes)
  return out
}

const text = (value: string): number[] => [0x60 + value.length, ...new TextEncoder().encode(value)]

const misbehaved = (p: PatientDevice, pattern: RegExp): boolean => p.events.some((e) => e.type === 'peer-misbehaved' && pattern.test(e.reason))

/** Whether the patient's node holds `node` off now: it was disconnected, and cannot open a sync stream again. */
async function heldOff(p: PatientDevice, node: P2PNode): Promise<boolean> {
  if (!p.node.conduct.heldOff(node.libp2p.peerId)) return false
  await waitFor('the attacker to be disconnected', () => p.node.libp2p.getConnections(node.libp2p.peerId).length === 0)
  return await (async () => {
    await connect(node, p.node)
    const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
    const reader = new MessageReader(stream)
    await sendMessage(stream, await helloFrom(insider.identity, p.address, node.libp2p.peerId, p.node.libp2p.peerId, 'puller'))
    return (await reader.next()) === undefined
  })().catch(() => true)
}

describe('a stranger who knows the patient\'s peer id', () => {
  it('is refused at its hello, and learns nothing: not the history\'s heads, not whether it is here', async () => {
    const p = await patientWithHistory()
    const stranger = await strangersIdentity()
    const { reader: answers } = await pullerAs(p, stranger)
    const answer = (await answers.next()) as Record<string, unknown>
    expect(answer).toEqual({ t: 'error', reason: 'refused' })
    // …and then the holder's end is closed: that one message is all it got.
    expect(await answers.next()).toBeUndefined()
    // The same answer for a history that is not here at all.
    const elsewhere = await pullerAs({ ...p, address: '/orbitdb/zdpuNotHere' }, stranger)
    expect(await elsewhere.reader.next()).toEqual({ t: 'error', reason: 'refused' })
    await patientGoesOn(p, 'stranger pulling')
  })

  it('cannot grow the patient\'s storage by connecting again and again under new peer ids: no record of a peer is kept', async () => {
    const datastore = new MemoryDatastore()
    const p = await patientWithHistory(0, { datastore })
    const stored = async (): Promise<string[]> => {
      const keys: string[] = []
      for await (const key of datastore.queryKeys({})) keys.push(key.toString())
      return keys
    }
    const before = await stored()
    // Three: libp2p takes at most five new connections a second from one address, and the honest doctor connects next.
    for (let i = 0; i < 3; i++) {
      const stranger = await memoryNode(cleanups)
      await connect(stranger, p.node)
      // identify has told the patient's node this peer's addresses and protocols: what a peer store would keep.
      await waitFor('the patient to know the stranger\'s protocols', () => p.node.libp2p.peerStore.get(stranger.libp2p.peerId).then((peer) => peer.protocols.length > 0, () => false))
      await stranger.stop()
    }
    const after = await stored()
    expect(after.filter((key) => key.startsWith('/peers/'))).toEqual([])
    expect(after.filter((key) => !before.includes(key))).toEqual([])
    await patientGoesOn(p, 'connecting under new peer ids')
  })

  it('cannot make the patient ask the ledger about wallet after wallet: past 8 refusals a minute it is refused unasked', async () => {
    const p = await patientWithHistory()
    const node = await memoryNode(cleanups)
    await connect(node, p.node)
    const before = p.lookups()
    for (let i = 0; i < 20; i++) {
      const wallet = await strangersIdentity()
      const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
      const reader = new MessageReader(stream)
      await sendMessage(stream, await helloFrom(wallet, p.address, node.libp2p.peerId, p.node.libp2p.peerId, 'puller'))
      expect(await reader.next()).toEqual({ t: 'error', reason: 'refused' })
    }
    expect(p.lookups() - before).toBe(8)
    await patientGoesOn(p, 'wallet after wallet')
  })

  it('cannot pass with a hello signed for another connection, and is cut off and held off', async () => {
    const p = await patientWithHistory()
    // The insider's genuine hello, made for the insider's own connection, replayed from another node.
    const node = await memoryNode(cleanups)
    await connect(node, p.node)
    const insiderNode = await memoryNode(cleanups)
    const replayed = await helloFrom(insider.identity, p.address, insiderNode.libp2p.peerId, p.node.libp2p.peerId, 'puller')
    const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
    const reader = new MessageReader(stream)
    await sendMessage(stream, replayed)
    // No hello back: the stream is cut off.
    expect(await reader.next().catch(() => undefined)).toBeUndefined()
    expect(await heldOff(p, node)).toBe(true)
    await patientGoesOn(p, 'replayed hello')
  })

  it('is cut off and held off when its first message is not a map', async () => {
    const p = await patientWithHistory()
    const node = await memoryNode(cleanups)
    await connect(node, p.node)
    const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, SYNC_PROTOCOL)
    const reader = new MessageReader(stream)
    // dag-cbor null.
    stream.send(rawFrame([0xf6]))
    expect(await reader.next().catch(() => undefined)).toBeUndefined()
    expect(await heldOff(p, node)).toBe(true)
    await patientGoesOn(p, 'null message')
  })

  it('cannot make the patient pull from it: the patient refuses a holder whose wallet may not sync', async () => {
    const p = await patientWithHistory()
    const stranger = await strangersIdentity()
    const node = await memoryNode(cleanups)
    let pulled = false
    await node.libp2p.handle(SYNC_PROTOCOL, async (stream, connection) => {
      const reader = new MessageReader(stream)
      await reader.next()
      await sendMessage(stream, await helloFrom(stranger, p.address, node.libp2p.peerId, connection.remotePeer, 'holder'))
      pulled = (await reader.next().catch(() => undefined)) !== undefined
    })
    await connect(p.node, node)
    await expect(p.log.syncWith(node.libp2p.peerId)).rejects.toMatchObject({ code: 'SYNC_REFUSED' })
    expect(pulled).toBe(false)
    await patientGoesOn(p, 'stranger holding')
  })
})

describe('an insider holder that breaks the rules of a pull', () => {
  it('is cut off when it sends more new writers than a history has, and their identities are not stored', async () => {
    const p = await patientWithHistory()
    const strangers = await Promise.all(Array.from({ length: 65 }, strangersIdentity))
    const holder = await insiderHolder(p.address, async (stream) => {
      await sendMessage(stream, { t: 'blocks', identities: strangers.map((s) => s.bytes), entries: [] })
      await sendMessage(stream, { t: 'end', heads: [] })
      await stream.close()
    })
    await connect(p.node, holder)
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /more than 64 new writers/))
    for (const stranger of strangers.slice(0, 5)) {
      const cid = parseHash(stranger.hash)
      expect(cid === undefined ? undefined : await readBlock(p.node.blockstore, cid, { offline: true })).toBeUndefined()
    }
    expect(await heldOff(p, holder)).toBe(true)
    await patientGoesOn(p, 'new-writer flood')
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
    const entries = variants.map((variant) => encodeBlock({ ...entry, identity: variant.hash }))
    const holder = await insiderHolder(p.address, async (stream) => {
      await sendMessage(stream, { t: 'blocks', identities: variants.map((v) => v.bytes), entries: entries.map((e) => e.bytes) })
      await sendMessage(stream, { t: 'end', heads: entries.map((e) => e.hash) })
      await stream.close()
    })
    await connect(p.node, holder)
    // An honest holder sends no unsound identity block (checking one that fails tries every key
    // version): after a few the holder is cut off, and nothing it sent is kept.
    await waitFor('the holder to be cut off', () => misbehaved(p, /more than 4 identity blocks that are not sound wallet identities/))
    expect(await heldOff(p, holder)).toBe(true)
    expect(p.entries()).toBe(before)
    expect(p.heads()).toEqual([latest.hash])
    await patientGoesOn(p, 'identity variants', entries.map((e) => e.hash))
  })

  it('is cut off once it sends a few identity blocks that fail only after every key version was tried', async () => {
    const p = await patientWithHistory()
    const before = p.entries()
    // Blocks naming the patient's wallet, each with a key of its own that signs the id and the
    // patient's real binding (of another key): sound in form, so each fails only after every key version was tried.
    const bogus = Array.from({ length: 200 }, () => {
      const signer = secp256k1Signer(hexToBytes(generatePrivateKey().slice(2)))
      return encodeBlock({
        id: patient.address,
        publicKey: bytesToHex(signer.publicKey),
        signatures: { id: bytesToHex(signer.sign(utf8ToBytes(patient.address))), publicKey: patient.binding.slice(2) },
        type: 'anamnesis-wallet'
      }).bytes
    })
    const holder = await insiderHolder(p.address, async (stream) => {
      await sendMessage(stream, { t: 'blocks', identities: bogus, entries: [] })
      await sendMessage(stream, { t: 'end', heads: [] })
      await stream.close()
    })
    await connect(p.node, holder)
    await waitFor('the holder to be cut off', () => misbehaved(p, /more than 4 identity blocks that are not sound wallet identities/))
    expect(await heldOff(p, holder)).toBe(true)
    expect(p.entries()).toBe(before)
    await patientGoesOn(p, 'identity blocks that try every key version')
  })

  it('is cut off when it sends more entries than the window lets it have unacknowledged, and nothing it sent is kept', async () => {
    const p = await patientWithHistory()
    const before = p.entries()
    const flood = await insiderHolder(p.address, async (stream, _reader, pull) => {
      // Ten times the window in one frame, no ack awaited.
      const window = typeof pull.window === 'number' ? pull.window : 1024
      const entries = Array.from({ length: window * 10 }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 1, 2]))
      await sendMessage(stream, { t: 'blocks', identities: [], entries })
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    })
    await connect(p.node, flood)
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /over the window/))
    expect(p.entries()).toBe(before)
    expect(await heldOff(p, flood)).toBe(true)
    await patientGoesOn(p, 'window flood')
  })

  it('is cut off when it sends more entries than it said the pull would bring, and nothing it sent is kept', async () => {
    const p = await patientWithHistory()
    const before = p.entries()
    const sent = await orphans(p.address, 3)
    const holder = await insiderHolder(p.address, async (stream, reader) => {
      // "One entry comes": a patient's views would wait for the end to draw, while the frames go on.
      await sendMessage(stream, { t: 'blocks', identities: [insider.identity.bytes], entries: sent.slice(0, 1), total: 1 })
      await reader.next()
      await sendMessage(stream, { t: 'blocks', identities: [], entries: sent.slice(1) })
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    })
    await connect(p.node, holder)
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /sent 3 entries after saying it would send 1/))
    expect(p.entries()).toBe(before)
    expect(await heldOff(p, holder)).toBe(true)
    await patientGoesOn(p, 'more entries than announced', sent.map(hashOfBytes))
  })

  it('is cut off when its count of entries to come is not a whole number, is below its own frame or above any history, or comes again', async () => {
    const counts: { first: Record<string, unknown>; second?: Record<string, unknown>; refusal: RegExp }[] = [
      { first: { total: 1.5 }, refusal: /not a whole number from its own frame's/ },
      { first: { total: 2 ** 33 }, refusal: /not a whole number from its own frame's/ },
      { first: { total: 'all' }, refusal: /not a whole number from its own frame's/ },
      { first: { total: 0 }, refusal: /not a whole number from its own frame's/ },
      { first: { total: 10 }, second: { total: 10 }, refusal: /after the first frame/ }
    ]
    for (const { first, second, refusal } of counts) {
      // A patient each: the patient's device holds each holder off, and a new one comes from elsewhere.
      const p = await patientWithHistory()
      const sent = await orphans(p.address, 2)
      const holder = await insiderHolder(p.address, async (stream, reader) => {
        await sendMessage(stream, { t: 'blocks', identities: [insider.identity.bytes], entries: sent.slice(0, 1), ...first })
        if (second !== undefined) {
          await reader.next()
          await sendMessage(stream, { t: 'blocks', identities: [], entries: sent.slice(1), ...second })
        }
        await new Promise((resolve) => setTimeout(resolve, 5_000))
      })
      await connect(p.node, holder)
      await waitFor(`the patient to refuse ${JSON.stringify({ ...first, ...second })}`, () => misbehaved(p, refusal))
      expect(await heldOff(p, holder)).toBe(true)
      await patientGoesOn(p, `count of entries to come ${JSON.stringify({ ...first, ...second })}`, sent.map(hashOfBytes))
    }
  })

  it('is cut off when it announces a frame over the message limit, before any of it is read into memory', async () => {
    const p = await patientWithHistory()
    const holder = await insiderHolder(p.address, async (stream) => {
      // A length prefix of 1 GiB, and the first bytes of it: an honest peer never sends over 8 MiB.
      const frame = new Uint8Array(4 + 64 * 1024)
      new DataView(frame.buffer).setUint32(0, 1024 * 1024 * 1024, false)
      stream.send(frame)
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    })
    await connect(p.node, holder)
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /over the limit/))
    expect(await heldOff(p, holder)).toBe(true)
    await patientGoesOn(p, 'oversized frame')
  })

  it('is cut off when it sends endless frames that are not dag-cbor', async () => {
    const p = await patientWithHistory()
    const holder = await insiderHolder(p.address, async (stream) => {
      const junk = new Uint8Array(4 + 1024).fill(0xff)
      new DataView(junk.buffer).setUint32(0, 1024, false)
      for (let i = 0; i < 10_000; i++) if (!stream.send(junk)) await stream.onDrain()
    })
    await connect(p.node, holder)
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /not dag-cbor/))
    expect(await heldOff(p, holder)).toBe(true)
    await patientGoesOn(p, 'junk frames')
  })

  it('is cut off when it sends "bytes" that are a map whose __proto__ is a byte string (they pass instanceof and throw when read)', async () => {
    const p = await patientWithHistory()
    const holder = await insiderHolder(p.address, async (stream) => {
      // { t: 'blocks', entries: [{ "__proto__": h'0102' }], identities: [] }, keys in dag-cbor's order.
      stream.send(rawFrame([0xa3, ...text('t'), ...text('blocks'), ...text('entries'), 0x81, 0xa1, ...text('__proto__'), 0x42, 1, 2, ...text('identities'), 0x80]))
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    })
    await connect(p.node, holder)
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /not part of the sync protocol/))
    expect(await heldOff(p, holder)).toBe(true)
    await patientGoesOn(p, 'fake bytes')
  })

  it('is cut off when it sends more entries that wait for missing parents than a pull may hold', async () => {
    const p = await patientWithHistory()
    // Past the limit of 4,096 waiting entries: the attack of 100,000 stops here.
    const entries = await orphans(p.address, 4_200)
    const holder = await insiderHolder(p.address, async (stream, reader, pull) => {
      const window = typeof pull.window === 'number' ? pull.window : 1024
      let sent = 0
      let acknowledged = 0
      while (sent < entries.length) {
        while (sent - acknowledged >= window) acknowledged += ((await reader.next()) as { n: number }).n
        const frame = entries.slice(sent, sent + 128)
        await sendMessage(stream, { t: 'blocks', identities: sent === 0 ? [insider.identity.bytes] : [], entries: frame })
        sent += frame.length
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    })
    await connect(p.node, holder)
    // Signing and checking 4,200 entries takes a while on a busy machine: the wait is generous, the assertion is not about time.
    await waitFor('the patient to be told the peer misbehaved', () => misbehaved(p, /build on entries it never sent/), 180_000)
    expect(await heldOff(p, holder)).toBe(true)
    await patientGoesOn(p, 'pending flood', entries.slice(0, 10).map((bytes) => encodeBlock(decodeCanonical(bytes)).hash))
  }, 300_000)

  it('cannot add an entry that links more parents than readers accept, or one whose clock jumps ahead', async () => {
    const p = await patientWithHistory()
    const { latest, time } = afterLatest(p)
    const fillers = await orphans(p.address, 64)
    const tooMany = await createLogEntry({ identity: insider.identity, logId: p.address, payload: new Uint8Array([1]), next: [latest.hash, ...fillers.map((bytes) => encodeBlock(decodeCanonical(bytes)).hash)], time })
    const farAhead = await createLogEntry({ identity: insider.identity, logId: p.address, payload: new Uint8Array([2]), next: [latest.hash], time: Number.MAX_SAFE_INTEGER })
    const holder = await insiderHolder(p.address, async (stream) => {
      await sendMessage(stream, { t: 'blocks', identities: [insider.identity.bytes], entries: [tooMany.bytes, farAhead.bytes] })
      await sendMessage(stream, { t: 'end', heads: [tooMany.hash, farAhead.hash] })
      await stream.close()
    })
    await connect(p.node, holder)
    await waitFor('both entries to be refused', () => p.events.some((e) => e.type === 'rejected' && e.entries.length === 2))
    const reasons = p.events.flatMap((e) => (e.type === 'rejected' ? e.entries.map((r) => r.reason) : []))
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/more than 64/), expect.stringMatching(/clock/)]))
    await patientGoesOn(p, 'links and clock', [tooMany.hash, farAhead.hash])
  })

  it('cannot pass off entries as the patient\'s: only a peer that proved the patient\'s own key is taken at its word for them', async () => {
    const p = await patientWithHistory()
    // A device that proved the patient's key sends such entries unchecked: this must not count as one.
    const forged = await forgedAsPatient(p)
    const holder = await insiderHolder(p.address, async (stream) => {
      await sendMessage(stream, { t: 'blocks', identities: [patient.identity.bytes], entries: [forged.bytes] })
      await sendMessage(stream, { t: 'end', heads: [forged.hash] })
      await stream.close()
    })
    await connect(p.node, holder)
    await waitFor('the forged entry to be refused', () => p.events.some((e) => e.type === 'rejected'))
    expect(p.events.flatMap((e) => (e.type === 'rejected' ? e.entries : []))).toEqual([{ hash: forged.hash, reason: 'its signature does not verify' }])
    await patientGoesOn(p, 'entries passed off as the patient\'s', [forged.hash])
  })

  it('cannot be taken at the patient\'s word by a doctor\'s device with the hello the patient sent it', async () => {
    const p = await patientWithHistory()
    const forged = await forgedAsPatient(p)
    // The attacker keeps the hello the patient's device sends as it pulls from it, then shows it to
    // the honest doctor's device as its own, to have the patient's entries it sends go unchecked.
    let patientsHello: Record<string, unknown> | undefined
    const attacker = await memoryNode(cleanups)
    await attacker.libp2p.handle(SYNC_PROTOCOL, async (stream) => {
      const messages = new MessageReader(stream)
      try {
        const hello = (await messages.next()) as Record<string, unknown>
        if (patientsHello === undefined) {
          patientsHello = hello
          stream.abort(new Error('the attacker has what it wanted'))
          return
        }
        await sendMessage(stream, { t: 'hello', identity: patientsHello.identity, signature: patientsHello.signature })
        await messages.next()
        await sendMessage(stream, { t: 'blocks', identities: [patient.identity.bytes], entries: [forged.bytes] })
        await sendMessage(stream, { t: 'end', heads: [forged.hash] })
        await stream.close()
      } catch {
        // The doctor's device cut the stream off: what the attack expects.
      }
    })
    await connect(p.node, attacker)
    await waitFor('the patient\'s device to say hello to the attacker', () => patientsHello !== undefined)

    const doctor = await memoryDevice(reader, cleanups)
    const log = await doctor.orbit.openLog(patient.address)
    const events: LogEvent[] = []
    log.subscribe((event) => events.push(event))
    await connect(doctor.node, attacker)
    await waitFor('the doctor\'s device to cut the attacker off', () => events.some((e) => e.type === 'peer-misbehaved' && /hello proves nothing/.test(e.reason)))
    expect(log.get(forged.hash)).toBeUndefined()
    expect(log.entries()).toEqual([])
    await patientGoesOn(p, 'the patient\'s hello shown again', [forged.hash])
  })
})

describe('an insider puller that breaks the rules', () => {
  it('is cut off when it sends more than a pull and its acks, and the patient serves and writes on', async () => {
    const p = await patientWithHistory()
    const { node, stream, reader, closed } = await pullerAs(p, insider.identity)
    expect(((await reader.next()) as { t?: string }).t).toBe('hello')
    await sendMessage(stream, { t: 'pull', have: [], window: 128 })
    // Acks the holder never asked for, 4 MiB of them, sent without reading anything back.
    const junk = { t: 'ack', n: 1, pad: new Uint8Array(64 * 1024) }
    const flooding = (async () => {
      for (let i = 0; i < 64; i++) await sendMessage(stream, junk)
    })().catch(() => undefined)
    // The holder resets the stream: it closes with an error on this side, not with the holder's 'end'.
    const error = await Promise.race([closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the holder kept the stream open')), 15_000))])
    await flooding
    expect(error).toBeDefined()
    expect(await heldOff(p, node)).toBe(true)
    await patientGoesOn(p, 'ack flood')
  })

  it('is cut off when it acknowledges entries it was never sent', async () => {
    // More entries than the smallest window, so the holder waits for acks.
    const p = await patientWithHistory(200)
    const { node, stream, reader } = await pullerAs(p, insider.identity)
    expect(((await reader.next()) as { t?: string }).t).toBe('hello')
    await sendMessage(stream, { t: 'pull', have: [], window: 128 })
    const first = (await reader.next()) as { t?: string; entries?: unknown[] }
    expect(first.t).toBe('blocks')
    // Acknowledging a million entries would let the holder send without waiting, for ever.
    await sendMessage(stream, { t: 'ack', n: 1_000_000 })
    // The holder stops there: no more entries, no end.
    const after: unknown[] = []
    await (async () => {
      for (let message = await reader.next(); message !== undefined; message = await reader.next()) after.push(message)
    })().catch(() => undefined)
    expect(after.filter((m) => (m as { t?: string }).t === 'end')).toEqual([])
    expect([first, ...after].flatMap((m) => (m as { entries?: unknown[] }).entries ?? []).length).toBeLessThan(p.entries())
    expect(await heldOff(p, node)).toBe(true)
    await patientGoesOn(p, 'bogus acks')
  })
})
