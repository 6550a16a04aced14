// The encrypted history between devices in Node: the patient's browser, a doctor's, a
// stranger's and a plain stock OrbitDB node, over loopback WebSockets (npm test runs this
// suite inside its private network namespace; nothing here needs more than loopback).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import * as dagCbor from '@ipld/dag-cbor'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createOrbitDB, useAccessController } from '@orbitdb/core'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { Key } from 'interface-datastore'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createKeyDrop, currentKey, firstEpochKeyring, newEpochKey, wrapDataKey, type EpochKeyring } from '../../src/crypto/index.ts'
import { openPatientHistory, readerKeyring, type PatientHistory } from '../../src/history/index.ts'
import { bloodPressureSeries, fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { type CanSync, type CanWrite, type HistoryOrbit, type LogEvent, type P2PNode, type PatientLog } from '../../src/p2p/index.ts'
import { hashOfBytes, parseHash, readBlock } from '../../src/p2p/blocks.ts'
import { createLogEntry } from '../../src/p2p/logEntry.ts'
import { connect, findPlaintext, memoryDevice, person, stringsAndKeys, waitFor, webSocketAddress, type Person } from './historyFixtures.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'

let patient: Person
let doctor: Person
let stranger: Person
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  ;[patient, doctor, stranger] = await Promise.all([person('Patient'), person('Doctor'), person('Second doctor')])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

interface Device {
  node: P2PNode
  orbit: HistoryOrbit
  open(keyring: EpochKeyring, reader?: Person): Promise<{ log: PatientLog; history: PatientHistory }>
}

async function device(who: Person, policy: { canWrite?: CanWrite; canSync?: CanSync; cacheMs?: number; pullOnConnect?: boolean } = {}, stores: { blockstore?: Blockstore; datastore?: Datastore } = {}, pullWindow?: number): Promise<Device> {
  const { node, orbit } = await memoryDevice(who, cleanups, { ...policy, ...(pullWindow === undefined ? {} : { pullWindow }) }, stores)
  return {
    node,
    orbit,
    open: async (keyring, reader) => {
      const log = await orbit.openLog(patient.address)
      return { log, history: openPatientHistory({ log, keyring, ...(reader === undefined ? {} : { reader: reader.keys.encryption }) }) }
    }
  }
}

/** The patient's keyring as a device starts it: epoch 0's key, derived from their wallet keys as the app does. */
function patientKeyring(): EpochKeyring {
  return firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
}

function sharedWith(reader: Person, keyring: EpochKeyring): EpochKeyring {
  const { epoch, key } = currentKey(keyring)
  return readerKeyring([wrapDataKey(key, reader.keys.encryption.publicKey, epoch)], reader.keys.encryption.secretKey)
}

const noKeys: EpochKeyring = { current: 0, keys: new Map() }
/** Field names OrbitDB itself keeps in the clear (manifests, identities, entries): not the records'. */
const orbitFields = new Set(['type'])
const never = (): never => {
  throw new Error('unreachable')
}

async function allBlocks(blockstore: Blockstore | { getAll(): AsyncIterable<{ bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array> }> }): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const { bytes } of blockstore.getAll()) {
    const chunks: Uint8Array[] = []
    for await (const chunk of bytes) chunks.push(chunk)
    out.push(Uint8Array.from(chunks.flatMap((chunk) => [...chunk])))
  }
  return out
}

/**
 * What must never be found in the clear: every string and JSON key of the records and of
 * the entries around them. Left out, because they occur by chance: needles under 4 bytes
 * (in any ciphertext), and all-hex needles under 10 characters (in the hex keys and
 * signatures OrbitDB writes, e.g. "1998" in a signature).
 */
function secretsOf(records: unknown, except: ReadonlySet<string> = new Set()): string[] {
  const { strings, keys } = stringsAndKeys(records)
  return [...strings, ...keys, 'resourceType', 'writtenAt', 'writer', 'record', 'amends'].filter(
    (s) => new TextEncoder().encode(s).length >= 4 && !(/^[0-9a-f]+$/i.test(s) && s.length < 10) && !except.has(s)
  )
}

/** A patient's device that syncs with these doctors (their grants are live), and with nobody else. */
const syncsWith = (...doctors: Person[]): CanSync => (wallet) => Promise.resolve(doctors.some((d) => d.address.toLowerCase() === wallet))

/** The `rejected` events `log` emits from now on, as they come. */
function refusalsOf(log: PatientLog): LogEvent[] {
  const rejected: LogEvent[] = []
  log.subscribe((event) => {
    if (event.type === 'rejected') rejected.push(event)
  })
  return rejected
}

describe('the patient\'s encrypted history', () => {
  it('replicates to a doctor with a live grant, who reads it with the wrapped key; a stranger who connects gets nothing', async () => {
    const [p, d, s] = await Promise.all([device(patient, { canSync: syncsWith(doctor) }), device(doctor), device(stranger)])
    const keyring = patientKeyring()
    const mine = await p.open(keyring)
    const records = Object.values(fixtureRecordsFor(patient.address))
    await mine.history.addMany(records)

    const theirs = await d.open(sharedWith(doctor, keyring))
    const nosy = await s.open(noKeys)
    await connect(d.node, p.node)
    await connect(s.node, p.node)
    await waitFor('the doctor to read every record', () => theirs.history.entries().length === records.length)
    expect(theirs.history.entries()).toEqual(mine.history.entries())
    expect(theirs.log.anchor()).toEqual(mine.log.anchor())

    // The stranger knows the patient's peer id and is connected: its pull is refused at the hello, and
    // the patient's device pulls nothing from it either. Not one entry, not one block of the history.
    await expect(nosy.log.syncWith(p.node.libp2p.peerId)).rejects.toMatchObject({ code: 'SYNC_REFUSED' })
    await expect(mine.log.syncWith(s.node.libp2p.peerId)).rejects.toMatchObject({ code: 'SYNC_REFUSED' })
    expect(nosy.log.entries()).toEqual([])
    expect(nosy.log.heads()).toEqual([])
    const held = await allBlocks(s.node.blockstore)
    const historyBlocks = new Set(mine.log.entries().flatMap((entry) => [entry.hash, entry.identity]))
    expect(held.map((bytes) => hashOfBytes(bytes)).filter((hash) => historyBlocks.has(hash))).toEqual([])
    expect(findPlaintext(held, secretsOf(records, orbitFields))).toEqual([])
    // As the views draw it: the same chain of blocks on both sides.
    const drawn = theirs.history.blocks()
    expect(drawn.map((b) => b.hash)).toEqual(mine.history.blocks().map((b) => b.hash))
    expect(drawn.map((b) => b.entry?.id)).toEqual(mine.history.entries().map((e) => e.id))
    expect(drawn.slice(1).every((b, i) => b.previous.includes(drawn[i]?.hash ?? ''))).toBe(true)
  })

  it('is pulled back from a peer that pulls with heads it lacks: a peer admitted after it connected catches up with nothing new written', async () => {
    // As a keeper the patient just enrolled: connected before the patient's devices admit it.
    const admitted = new Set<string>()
    const canSync: CanSync = (wallet) => Promise.resolve(admitted.has(wallet))
    const p = await device(patient, { canSync, cacheMs: 0 })
    const mine = await p.open(patientKeyring())
    await mine.history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 3))
    const k = await device(doctor, { canSync, cacheMs: 0 })
    const kept = await k.open(noKeys)
    await connect(k.node, p.node)
    await expect(kept.log.syncWith(p.node.libp2p.peerId)).rejects.toMatchObject({ code: 'SYNC_REFUSED' })
    expect(kept.log.entries()).toEqual([])

    // Admitted now. The patient's device pulls from it (nothing to get), and that pull, naming heads the
    // other lacks, makes it pull back what the patient holds.
    admitted.add(doctor.address.toLowerCase())
    await mine.log.syncWith(k.node.libp2p.peerId)
    await waitFor('the admitted peer to pull back every entry', () => kept.log.entries().length === mine.log.entries().length)
    expect(kept.log.heads()).toEqual(mine.log.heads())
  })

  it('does not send a peer back what it is receiving from it: a pull from the holder while its own pull runs finds nothing to send', async () => {
    // The doctor's device has some of the patient's entries but not the patient's heads: were they
    // not counted as the patient's own, all it has received so far would look missing to them. The
    // patient's device pulls only when asked here, so that its pull starts while the doctor's runs; the
    // doctor's takes a frame at a time, so that the patient's hello is not queued behind the whole
    // history on the one WebSocket connection (in browsers each stream is a data channel of its own).
    const p = await device(patient, { canSync: syncsWith(doctor), pullOnConnect: false })
    const mine = await p.open(patientKeyring())
    await mine.history.addMany(bloodPressureSeries(patient.address, 1000))
    const d = await device(doctor, { canSync: syncsWith(patient) }, {}, 128)
    const doctorPeer = d.node.libp2p.peerId.toString()
    const sentBack: LogEvent[] = []
    mine.log.subscribe((event) => {
      if (event.type === 'progress' && event.peer === doctorPeer) sentBack.push(event)
    })
    await connect(d.node, p.node)
    const theirs = await d.open(sharedWith(doctor, patientKeyring()))
    let doctorDone = false
    const pulling = theirs.log.syncWith(p.node.libp2p.peerId, { joinRunning: true }).finally(() => (doctorDone = true))
    await waitFor("the doctor's device to store the first entries", () => theirs.log.entries().length > 0)
    expect(theirs.log.entries().length).toBeLessThan(1000)
    expect(doctorDone).toBe(false)
    await mine.log.syncWith(doctorPeer)
    expect(sentBack).toEqual([])
    await pulling
    expect(theirs.history.entries()).toHaveLength(1000)
  })

  it('answers a pull asked once the holder is admitted with a pull of its own, not with the refusal of one begun before', async () => {
    // As a guardian reaching a patient's keeper: the connection's own pull checks the keeper before
    // the app has learnt the keeper's wallet, and the app's pull, asked just after, must not inherit its refusal.
    const p = await device(patient, { canSync: syncsWith(stranger) })
    const mine = await p.open(patientKeyring())
    await mine.history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 3))
    const k = await device(stranger, { canSync: syncsWith(doctor) })
    const kept = await k.open(noKeys)
    await connect(k.node, p.node)
    await kept.log.syncWith(p.node.libp2p.peerId)
    expect(kept.log.heads()).toEqual(mine.log.heads())

    let keeperKnown = false
    let asked = 0
    let release = (): void => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const canSync: CanSync = (wallet) => {
      const now = keeperKnown && wallet === stranger.address.toLowerCase()
      asked += 1
      return gate.then(() => now)
    }
    const d = await device(doctor, { canSync, cacheMs: 0 })
    const theirs = await d.open(noKeys)
    await connect(d.node, k.node)
    await waitFor("the connection's pull to check the holder", () => asked > 0)
    keeperKnown = true
    const pulled = theirs.log.syncWith(k.node.libp2p.peerId)
    release()
    await pulled
    expect(theirs.log.heads()).toEqual(mine.log.heads())
    expect(theirs.log.entries().length).toBe(3)
  })

  it('after a revocation, a key drop gives the new epoch to the doctor who stays; the revoked one cannot read what follows', async () => {
    // The patient's device admits the doctor who stays; both doctors' devices would let them write,
    // and both may sync (the revoked one holds blocks as a copy would), so a refusal can only come
    // from the history's own epoch check.
    const admits = (writer: string): Promise<boolean> => Promise.resolve(writer.toLowerCase() === doctor.address.toLowerCase())
    const [p, stays, revoked] = await Promise.all([
      device(patient, { canWrite: admits, canSync: syncsWith(doctor, stranger) }),
      device(doctor, { canWrite: () => Promise.resolve(true) }),
      device(stranger, { canWrite: () => Promise.resolve(true) })
    ])
    const keyring = patientKeyring()
    // The patient's history opens the key drops addressed to the patient's own key.
    const mine = await p.open(keyring, patient)
    const [before, after] = bloodPressureSeries(patient.address, 2)
    if (before === undefined || after === undefined) throw new Error('no fixture records')
    await mine.history.add(before)

    // The patient revokes the second doctor: a new epoch under a random key, dropped in the log for the
    // patient's own key and the doctor who stays.
    await mine.log.append([
      createKeyDrop({ epoch: 1, key: newEpochKey(), asOf: { block: 1n, time: Date.now() }, owner: patient.keys.encryption.publicKey, readers: [{ publicKey: doctor.keys.encryption.publicKey }] })
    ])
    expect(mine.history.keyring().current).toBe(1)
    await mine.history.add(after)

    const theirs = await stays.open(sharedWith(doctor, keyring), doctor)
    const gone = await revoked.open(sharedWith(stranger, keyring), stranger)
    await connect(stays.node, p.node)
    await connect(revoked.node, p.node)
    await waitFor('the doctor who stays to read both records', () => theirs.history.entries().length === 2)
    await waitFor('the revoked doctor to hold every block', () => gone.log.entries().length === 3)
    expect(gone.history.entries().map((e) => e.record.id)).toEqual([before.id])
    expect(gone.history.unreadable()).toHaveLength(1)
    expect(gone.history.unreadable()[0]?.reason).toMatch(/No data key for epoch 1/)
    // The key drop is a block of the chain, not a record, and verifies like any other.
    expect(theirs.history.blocks().filter((b) => b.keyDrop === true)).toHaveLength(1)
    expect(theirs.history.unreadable()).toEqual([])
    const report = await theirs.history.verify()
    expect(report.verdicts.map((v) => v.verdict)).toEqual(['unanchored', 'unanchored', 'unanchored'])

    // The revoked doctor's app refuses to write under the old key (the patient has moved on), and
    // writes nothing; the doctor who stays writes under the new epoch, which the patient reads.
    const [note] = bloodPressureSeries(patient.address, 3).slice(2)
    if (note === undefined) throw new Error('no fixture record')
    const refusal: unknown = await gone.history.add(note).then(never, (error: unknown) => error)
    expect(refusal).toMatchObject({ code: 'STALE_KEY' })
    expect(String(refusal)).toMatch(/moved to a new key \(epoch 1\).*Nothing was written/)
    expect(gone.log.entries()).toHaveLength(3)
    await theirs.history.add(note)
    await waitFor('the patient to read the record the doctor who stays wrote', () => mine.history.entries().some((e) => e.record.id === note.id))
  })

  it('gives a plain stock OrbitDB node that opens the log nothing: no heads, no entries', async () => {
    const p = await device(patient)
    const keyring = patientKeyring()
    const mine = await p.open(keyring)
    const records = Object.values(fixtureRecordsFor(patient.address))
    await mine.history.addMany(records)

    // A stock node, none of this project's code: Helia, libp2p, OrbitDB as anyone would set them up.
    // It must know the access controller's type to open the log; an attacker registers one that admits
    // anything whose writer identity it can fetch, as OrbitDB's own controllers look identities up.
    const directory = await mkdtemp(join(tmpdir(), 'anamnesis-stock-'))
    const helia = withBitswap(
      withLibp2pLight(createHeliaLight({ codecs: [dagCbor] }), {
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
        transports: [webSockets()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionGater: { denyDialMultiaddr: () => false },
        services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) }
      })
    )
    await helia.start()
    const anything = Object.assign(
      () =>
        ({ address, identities }: { address?: string; identities: { getIdentity(hash: string): Promise<unknown> } }) =>
          Promise.resolve({
            type: 'anamnesis-write',
            address: address ?? '',
            write: ['*'],
            canAppend: async (entry: { identity: string }) => (await identities.getIdentity(entry.identity)) !== undefined
          }),
      { type: 'anamnesis-write' }
    )
    useAccessController(anything)
    const stock = await createOrbitDB({ ipfs: helia, id: 'stock', directory })
    cleanups.push(async () => {
      await stock.stop()
      await helia.stop()
      await rm(directory, { recursive: true, force: true })
    })
    await helia.libp2p.dial(multiaddr(webSocketAddress(p.node)), { signal: AbortSignal.timeout(5_000) })
    // The patient's node speaks no heads exchange, and hands out no block by its CID (no bitswap):
    // the stock node cannot even read the log's manifest, so it cannot open the log.
    await waitFor('the stock node to know the patient\'s protocols', async () => (await helia.libp2p.peerStore.get(p.node.libp2p.peerId)).protocols.length > 0)
    const protocols = (await helia.libp2p.peerStore.get(p.node.libp2p.peerId)).protocols
    expect(protocols.filter((protocol) => protocol.startsWith('/orbitdb/') || protocol.includes('bitswap'))).toEqual([])
    const manifest = parseHash(mine.log.address.split('/').pop() ?? '') ?? expect.fail('the log has no manifest hash')
    await expect(helia.blockstore.get(manifest, { signal: AbortSignal.timeout(3_000) }).next()).rejects.toThrow()
    await mine.history.addMany(bloodPressureSeries(patient.address, 1))
    const blocks = await allBlocks(helia.blockstore)
    expect(blocks.filter((bytes) => dagCbor.decode<{ payload?: unknown }>(bytes).payload instanceof Uint8Array)).toEqual([])
    expect(findPlaintext(blocks, secretsOf(records, orbitFields))).toEqual([])
  })

  it('rejects a doctor\'s entry without a live write grant and accepts it with one', async () => {
    const grants = new Set<string>()
    // The doctor holds a read grant throughout; the write bit comes later.
    const p = await device(patient, { canWrite: (writer) => Promise.resolve(grants.has(writer)), canSync: syncsWith(doctor), cacheMs: 0 })
    // The doctor's device believes it may write (a stale view of the ledger, or a bad actor).
    const d = await device(doctor, { canWrite: () => Promise.resolve(true) })
    const keyring = patientKeyring()
    const mine = await p.open(keyring)
    const records = fixtureRecordsFor(patient.address)
    await mine.history.addMany([records.hypertension, records.penicillin])
    const theirs = await d.open(sharedWith(doctor, keyring))
    await connect(d.node, p.node)
    await waitFor('the doctor to have the history', () => theirs.history.entries().length === 2)

    const rejected = refusalsOf(mine.log)
    const diagnosis = { ...records.osteoarthritis, evidence: undefined }
    await theirs.history.add(diagnosis)
    await waitFor('the patient\'s device to refuse the entry', () => rejected.length > 0)
    expect(rejected[0]).toMatchObject({ type: 'rejected', entries: [{ reason: `${doctor.address} has no live grant to write to this history` }] })
    expect(mine.history.entries()).toHaveLength(2)

    grants.add(doctor.address)
    await theirs.history.add(records.amlodipine)
    await waitFor('the patient\'s device to accept the doctor\'s entries', () => mine.history.entries().length === 4)
    expect(mine.history.entries().slice(2).map((entry) => [entry.writer, entry.record.id])).toEqual([
      [doctor.address, 'knee-oa'],
      [doctor.address, 'amlodipine']
    ])

    // A device that knows it holds no grant refuses to write at all.
    const unsure = await device(stranger, { canWrite: () => Promise.resolve(false) })
    const refused = await unsure.open(sharedWith(stranger, keyring))
    await expect(refused.history.add(records.flu)).rejects.toMatchObject({ code: 'WRITE_NOT_ALLOWED' })
  })

  it('flags an altered block and a forged one, and compares the log with the on-chain anchor', async () => {
    const p = await device(patient)
    const keyring = patientKeyring()
    const mine = await p.open(keyring)
    await mine.history.addMany(bloodPressureSeries(patient.address, 6))
    const anchor = mine.history.anchor()
    expect(anchor.entryCount).toBe(6)
    await mine.history.addMany(bloodPressureSeries(patient.address, 8).slice(6))

    const sound = await mine.history.verify({ anchor })
    expect(sound.anchorFound).toBe(true)
    expect(sound.verdicts.map((v) => v.verdict)).toEqual([...Array<string>(6).fill('verified'), 'unanchored', 'unanchored'])
    expect((await mine.history.verify()).verdicts.every((v) => v.verdict === 'unanchored')).toBe(true)

    // Altered on disk: one byte of the third entry's ciphertext.
    const third = mine.log.entries()[2]
    const cid = third === undefined ? undefined : parseHash(third.hash)
    if (third === undefined || cid === undefined) throw new Error('no third entry')
    const altered = third.bytes.slice()
    altered[altered.length - 120] = (altered[altered.length - 120] ?? 0) ^ 0x01
    await p.node.blockstore.put(cid, altered)

    // Forged: an entry that claims to be the patient's, signed by someone else's key, slipped into storage.
    const last = mine.log.entries().at(-1)
    if (last === undefined) throw new Error('no entries')
    const forged = await createLogEntry({
      identity: { ...patient.identity, sign: stranger.identity.sign },
      logId: mine.log.address,
      payload: last.payload,
      next: [last.hash],
      time: last.clock.time + 1
    })
    await injectIntoStorage(p.node, mine.log, forged.hash, forged.bytes)
    await mine.history.close()
    const reopened = await p.open(keyring)

    const report = await reopened.history.verify({ anchor })
    const verdict = (hash: string) => report.verdicts.find((v) => v.hash === hash)
    expect(verdict(third.hash)).toMatchObject({ verdict: 'broken', reason: 'its content does not match its hash: the block was altered' })
    expect(verdict(forged.hash)).toMatchObject({ verdict: 'broken', reason: `its signature is not ${patient.address}'s: the entry was forged` })
    expect(report.verdicts.filter((v) => v.verdict === 'broken')).toHaveLength(2)
    expect(report.verdicts.filter((v) => v.verdict === 'verified')).toHaveLength(5)
  })

  it('refuses a forged entry a peer offers, storing the sound ones', async () => {
    const d = await device(doctor, { canWrite: () => Promise.resolve(true) })
    const keyring = patientKeyring()
    const theirs = await d.open(sharedWith(doctor, keyring))
    await theirs.history.addMany(bloodPressureSeries(patient.address, 3))
    const last = theirs.log.entries().at(-1)
    if (last === undefined) throw new Error('no entries')
    const forged = await createLogEntry({ identity: { ...patient.identity, sign: doctor.identity.sign }, logId: theirs.log.address, payload: last.payload, next: [last.hash], time: last.clock.time + 1 })
    // The attacker holds the patient's identity block too: it is public.
    await d.node.blockstore.put(parseHash(patient.identity.hash) ?? never(), patient.identity.bytes)
    await injectIntoStorage(d.node, theirs.log, forged.hash, forged.bytes)
    await theirs.history.close()
    await d.open(sharedWith(doctor, keyring))

    const p = await device(patient, { canWrite: () => Promise.resolve(true), canSync: syncsWith(doctor) })
    const mine = await p.open(keyring)
    const rejected = refusalsOf(mine.log)
    await connect(p.node, d.node)
    await waitFor('the patient to store the sound entries and refuse the forged one', () => mine.history.entries().length === 3 && rejected.length > 0)
    expect(rejected[0]).toMatchObject({ entries: [{ hash: forged.hash, reason: 'its signature does not verify' }] })
    expect(mine.log.entries().map((entry) => entry.hash)).not.toContain(forged.hash)
  })

  it('on a doctor\'s device, takes the patient\'s device at its word for the patient\'s entries; verify() still checks them, and the patient\'s other devices do as they pull', async () => {
    // A patient's device that proved the patient's key sends an entry of that key whose signature
    // does not verify (here slipped into its storage): the doctor's device does not check it as it
    // pulls (the device could have signed anything), and verify() shows it as forged.
    const p = await device(patient, { canSync: syncsWith(doctor) })
    const keyring = patientKeyring()
    const mine = await p.open(keyring)
    await mine.history.addMany(bloodPressureSeries(patient.address, 3))
    const last = mine.log.entries().at(-1)
    if (last === undefined) throw new Error('no entries')
    const unsigned = await createLogEntry({ identity: { ...patient.identity, sign: stranger.identity.sign }, logId: mine.log.address, payload: last.payload, next: [last.hash], time: last.clock.time + 1 })
    await injectIntoStorage(p.node, mine.log, unsigned.hash, unsigned.bytes)
    await mine.history.close()
    const reopened = await p.open(keyring)
    expect(reopened.log.heads()).toEqual([unsigned.hash])

    const d = await device(doctor)
    const theirs = await d.open(sharedWith(doctor, keyring))
    await connect(d.node, p.node)
    await waitFor('the doctor to hold all four entries', () => theirs.log.entries().length === 4)
    const report = await theirs.history.verify()
    expect(report.verdicts.filter((v) => v.verdict === 'broken')).toEqual([expect.objectContaining({ hash: unsigned.hash, reason: `its signature is not ${patient.address}'s: the entry was forged` })])

    // Another device of the patient's checks every signature: it does not take the entry on.
    const other = await device(patient)
    const second = await other.open(keyring)
    const rejected = refusalsOf(second.log)
    await connect(other.node, p.node)
    await waitFor('the patient\'s other device to store the three sound entries and refuse the other', () => second.log.entries().length === 3 && rejected.length > 0)
    expect(rejected[0]).toMatchObject({ entries: [{ hash: unsigned.hash, reason: 'its signature does not verify' }] })
  })

  it('resumes a sync cut off by a peer that went away, and ends with every record once', async () => {
    // The patient's stores outlive the node: the same browser, restarted.
    const stores = { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
    const keyring = patientKeyring()
    let p = await device(patient, { canSync: syncsWith(doctor) }, stores)
    const mine = await p.open(keyring)
    await mine.history.addMany(bloodPressureSeries(patient.address, 600))

    const d = await device(doctor, {}, {}, 128)
    const theirs = await d.open(sharedWith(doctor, keyring))
    const arrived: string[] = []
    /** What each progress event said the pull brings in all, in order. */
    const expected: (number | undefined)[] = []
    let cut = false
    theirs.log.subscribe((event) => {
      if (event.type === 'added') arrived.push(...event.entries.map((entry) => entry.hash))
      if (event.type === 'progress') expected.push(event.expected)
      if (event.type === 'progress' && !cut && event.settled > 0) {
        cut = true
        void p.orbit.stop().then(() => p.node.stop())
      }
    })
    await connect(d.node, p.node)
    await waitFor('the patient\'s device to go away mid-sync', () => cut)
    await waitFor('the doctor to notice', () => d.node.libp2p.getConnections().length === 0)
    const before = theirs.log.entries().length
    expect(before).toBeGreaterThan(0)
    expect(before).toBeLessThan(600)
    // The patient's device said at once how many entries the pull would bring: all of them.
    expect(expected[0]).toBe(mine.log.entries().length)
    const progressBefore = expected.length

    p = await device(patient, { canSync: syncsWith(doctor) }, stores)
    await p.open(keyring)
    await connect(d.node, p.node)
    await waitFor('the doctor to have every record', () => theirs.history.entries().length === 600, 30_000)
    expect(new Set(arrived).size).toBe(600)
    expect(arrived).toHaveLength(600)
    // The resumed pull brings only the rest, and says so.
    expect(new Set(expected.slice(progressBefore))).toEqual(new Set([mine.log.entries().length - before]))
    expect(new Set(theirs.history.entries().map((entry) => entry.id)).size).toBe(600)
    expect(theirs.log.heads()).toEqual(mine.log.heads())
    console.info(`cut off after ${before} of 600 entries; resumed with the other ${600 - before}`)
  })
})

/** Puts a block into a device's log as a tampered disk would: block, batch record and heads (see logStore.ts). */
async function injectIntoStorage(node: P2PNode, log: PatientLog, hash: string, bytes: Uint8Array): Promise<void> {
  const cid = parseHash(hash)
  if (cid === undefined) throw new Error('bad hash')
  await node.blockstore.put(cid, bytes)
  const manifest = log.address.split('/').pop() ?? ''
  const headsKey = new Key(`/anamnesis/history-log/${manifest}/heads`)
  const state = JSON.parse(new TextDecoder().decode(await node.datastore.get(headsKey))) as { heads: string[]; seq: number }
  const entry = dagCbor.decode<{ next: string[]; refs: string[]; clock: { time: number } }>(bytes)
  const record = { entries: [[hash, entry.clock.time, [...entry.next, ...entry.refs]]] }
  await node.datastore.put(new Key(`/anamnesis/history-log/${manifest}/batch/${String(state.seq).padStart(12, '0')}`), new TextEncoder().encode(JSON.stringify(record)))
  await node.datastore.put(headsKey, new TextEncoder().encode(JSON.stringify({ heads: [hash], seq: state.seq + 1 })))
  expect(await readBlock(node.blockstore as never, cid)).toEqual(bytes)
}

