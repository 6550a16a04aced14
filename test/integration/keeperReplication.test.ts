// A keeper process following a patient's history, serving it to doctors while the patient is
// offline, and holding nothing it could read: against a real local chain (grants, revocations),
// with nodes that reach the keeper over WebSockets as a browser does.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { currentKey, firstEpochKeyring, wrapDataKey, type EpochKeyring } from '../../src/crypto/index.ts'
import { demoRecordsFor, openPatientHistory, readerKeyring, type PatientHistory } from '../../src/history/index.ts'
import { enrolKeeper, keeperStatus, type KeeperStatus } from '../../src/keeper/index.ts'
import { SyncRefusedError, SYNC_PROTOCOL } from '../../src/p2p/syncProtocol.ts'
import { bloodPressureSeries, fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { findPlaintext, memoryDevice, memoryNode, stringsAndKeys, waitFor, type Cleanups, type Person } from './historyFixtures.ts'
import { connectTo, grantAccess, keeperAdmitted, personOn, revokeAccess, spawnKeeper, startChain, type KeeperProcess, type TestChain } from './keeperFixtures.ts'
import type { P2PNode, PatientLog } from '../../src/p2p/index.ts'

let chain: TestChain
let patient: Person
let doctor: Person
let revoked: Person
let stranger: Person
const cleanups: Cleanups = []
const QUOTA = 64 * 1024 * 1024

beforeAll(async () => {
  chain = await startChain()
  patient = await personOn(chain, 'Patient')
  doctor = await personOn(chain, 'Doctor')
  revoked = await personOn(chain, 'Second doctor')
  stranger = await personOn(chain, 'Third doctor')
  await grantAccess(chain, patient, doctor, { mayWrite: true })
  await grantAccess(chain, patient, revoked)
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(async () => {
  await chain.stop()
})

const patientKeyring = (): EpochKeyring => firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
function keyringOf(reader: Person): EpochKeyring {
  const { epoch, key } = currentKey(patientKeyring())
  return readerKeyring([wrapDataKey(key, reader.keys.encryption.publicKey, epoch)], reader.keys.encryption.secretKey)
}

interface Device {
  node: P2PNode
  stores: { blockstore: MemoryBlockstore; datastore: MemoryDatastore }
  log: PatientLog
  history: PatientHistory
  stop(): Promise<void>
}

/**
 * A device of `who` with the patient's history open and dialled to the keeper: it syncs with the
 * keeper, as the app's canSync does for the patient's enrolled keepers, and admits the doctor's
 * entries as the ledger would.
 */
async function device(who: Person, keeper: KeeperProcess, stores = { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }): Promise<Device> {
  const own: Cleanups = []
  const { node, orbit } = await memoryDevice(who, own, { canSync: keeperAdmitted(keeper), canWrite: keeperAdmitted(doctor) }, stores)
  const log = await orbit.openLog(patient.address)
  const history = openPatientHistory({ log, keyring: who === patient ? patientKeyring() : keyringOf(who) })
  const stop = async (): Promise<void> => {
    for (const cleanup of own.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
  cleanups.push(stop)
  await connectTo(node, keeper)
  return { node, stores, log, history, stop }
}

let probe: P2PNode | undefined
/** The patient's status at the keeper, asked from a node of the test's own (the patient's devices may be offline). */
async function statusAt(keeper: KeeperProcess): Promise<KeeperStatus> {
  if (probe === undefined) {
    const node = await memoryNode(cleanups)
    probe = node
    cleanups.push(() => {
      probe = undefined
      return Promise.resolve()
    })
  }
  return await keeperStatus(probe, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
}

describe('a keeper follows the patient, and serves the doctors the ledger allows', () => {
  it('follows every entry the patient writes while connected; serves a doctor with a live grant while the patient is offline; takes the doctor\'s follow-up, which reaches the patient\'s device when it reconnects', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    const records = [...Object.values(fixtureRecordsFor(patient.address)), ...demoRecordsFor(patient.address, 50)]
    await mine.history.addMany(records.slice(0, 10))

    // Enrolled: the keeper pulls what is there, then every entry as it is written.
    const enrolment = await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    expect(enrolment.keeper).toBe(keeper.address)
    for (const record of records.slice(10)) await mine.history.add(record)
    await waitFor('the keeper to hold every entry', async () => (await statusAt(keeper)).held.entries === mine.log.entries().length)
    expect((await statusAt(keeper)).lastSyncedAt).toBeTypeOf('number')
    await keeper.waitForLine(new RegExp(`synced \\d+ entries of ${patient.address}`))
    const written = mine.log.heads().sort()

    // Every device of the patient goes offline.
    await mine.stop()

    // The doctor reads the whole history from the keeper alone, and writes a follow-up.
    const theirs = await device(doctor, keeper)
    await waitFor('the doctor to read every record from the keeper', () => theirs.history.entries().length === records.length)
    expect(theirs.log.heads().sort()).toEqual(written)
    const [followUp] = bloodPressureSeries(patient.address, 1)
    if (followUp === undefined) throw new Error('no fixture record')
    await theirs.history.addMany([followUp])
    const [followUpHash = ''] = theirs.log.heads()
    expect(theirs.log.get(followUpHash)?.writer).toBe(doctor.address)
    await waitFor('the keeper to take the doctor\'s follow-up', async () => (await statusAt(keeper)).held.entries === records.length + 1)
    await theirs.stop()

    // The patient's device comes back (same storage) and receives the follow-up from the keeper.
    const again = await device(patient, keeper, mine.stores)
    await waitFor('the patient\'s device to receive the doctor\'s follow-up', () => again.log.get(followUpHash) !== undefined)
    await waitFor('the patient to read the follow-up', () => again.history.entries().length === records.length + 1)
  })

  it('refuses a doctor whose grant was revoked, and a stranger: they get nothing from the keeper', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    await mine.history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 6))
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    await waitFor('the keeper to hold the history', async () => (await statusAt(keeper)).held.entries === 6)
    await mine.stop()

    // While the grant is live, the second doctor reads from the keeper.
    const before = await device(revoked, keeper)
    await waitFor('the second doctor to read the history from the keeper', () => before.log.entries().length === 6)
    await before.stop()

    await revokeAccess(chain, patient, revoked)
    // The keeper reuses a ledger answer for 2 s at most: a device that asks at once may still be served.
    const early = await device(revoked, keeper)
    await waitFor('the keeper to refuse the revoked doctor', async () => (await early.log.syncWith(keeper.peerId).then(() => undefined, (error: unknown) => error)) instanceof SyncRefusedError)
    await early.stop()
    const after = await device(revoked, keeper)
    await expect(after.log.syncWith(keeper.peerId)).rejects.toBeInstanceOf(SyncRefusedError)
    expect(after.log.entries()).toHaveLength(0)

    const theirs = await device(stranger, keeper)
    await expect(theirs.log.syncWith(keeper.peerId)).rejects.toBeInstanceOf(SyncRefusedError)
    expect(theirs.log.entries()).toHaveLength(0)
  })

  it('two keepers each hold the whole history; with one stopped, the doctor reads everything from the other', async () => {
    const [first, second] = [await spawnKeeper(cleanups, { chain }), await spawnKeeper(cleanups, { chain })]
    const own: Cleanups = []
    const { node, orbit } = await memoryDevice(patient, own, { canSync: keeperAdmitted(first, second) })
    cleanups.push(async () => {
      for (const cleanup of own.splice(0).reverse()) await cleanup().catch(() => undefined)
    })
    const log = await orbit.openLog(patient.address)
    const history = openPatientHistory({ log, keyring: patientKeyring() })
    const records = Object.values(fixtureRecordsFor(patient.address))
    await history.addMany(records)
    for (const keeper of [first, second]) {
      await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
      await connectTo(node, keeper)
    }
    for (const keeper of [first, second]) await waitFor('each keeper to hold the whole history', async () => (await statusAt(keeper)).held.entries === records.length)
    for (const cleanup of own.splice(0).reverse()) await cleanup()

    expect(await first.stop()).toBe(0)
    const theirs = await device(doctor, second)
    await waitFor('the doctor to read every record from the keeper still running', () => theirs.history.entries().length === records.length)
  })
})

describe('a keeper on its own', () => {
  it('holding several patients\' histories, starts no pull when a peer connects: the cost of a connection does not grow with the patients it keeps', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    await mine.history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 3))
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: stranger.identity, patient: stranger.address, quota: QUOTA })
    await waitFor('the keeper to hold the patient\'s history', async () => (await statusAt(keeper)).held.entries === 3)
    await mine.stop()

    // A peer that speaks the sync protocol connects and talks to the keeper: the keeper opens no sync stream to it.
    const peer = await memoryNode(cleanups)
    let syncStreams = 0
    await peer.libp2p.handle(SYNC_PROTOCOL, (stream) => {
      syncStreams += 1
      stream.abort(new Error('this peer serves no history'))
    })
    await connectTo(peer, keeper)
    const status = await keeperStatus(peer, keeper.multiaddr, { identity: stranger.identity, patient: stranger.address })
    expect(status.held.entries).toBe(0)
    expect(syncStreams).toBe(0)

    // The patient's device still catches up from the keeper when it comes back, and the keeper still follows it.
    const again = await device(patient, keeper)
    await waitFor('the patient\'s new device to pull the history from the keeper', () => again.log.entries().length === 3)
    await again.history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(3, 4))
    await waitFor('the keeper to take the new entry', async () => (await statusAt(keeper)).held.entries === 4)
  })

  it('killed (SIGKILL) while it replicates 1,000 records and started again on the same data folder: the same keeper, nothing lost or damaged, replication completes', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    await mine.history.addMany(bloodPressureSeries(patient.address, 1000))
    expect(mine.log.entries()).toHaveLength(1000)
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    await keeper.waitForLine(new RegExp(`synced \\d+ entries of ${patient.address}`))
    await keeper.kill()
    // What it had confirmed stored when it was killed: part of the history, not all of it.
    const confirmed = Math.max(...keeper.lines.map((line) => Number(/synced \d+ entries of \S+ \(holding (\d+) entries/.exec(line)?.[1] ?? 0)))
    expect(confirmed).toBeGreaterThan(0)
    expect(confirmed).toBeLessThan(1000)

    const restarted = await spawnKeeper(cleanups, { chain, dataDir: keeper.dataDir, port: keeper.port })
    expect({ peerId: restarted.peerId, address: restarted.address }).toEqual({ peerId: keeper.peerId, address: keeper.address })
    await connectTo(mine.node, restarted)
    await waitFor('the restarted keeper to hold all 1,000 entries', async () => (await statusAt(restarted)).held.entries === 1000, 60_000)
    await mine.stop()

    // A new device of the patient reads every record from the keeper alone: none lost, none damaged.
    const fresh = await device(patient, restarted)
    await waitFor('a new device of the patient to read all 1,000 records from the keeper', () => fresh.history.entries().length === 1000, 60_000)
    expect(fresh.log.damaged()).toEqual([])
    expect((await fresh.log.checkBlocks()).filter((check) => check.problem !== undefined)).toEqual([])
  })

  it('holds nothing it could read: after a demo history replicated, no file of its data folder, and no block or record of its stores, holds record text, FHIR field names or the patient\'s keys', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    const records = [...Object.values(fixtureRecordsFor(patient.address)), ...demoRecordsFor(patient.address, 200)]
    await mine.history.addMany(records)
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    await waitFor('the keeper to hold the whole history', async () => (await statusAt(keeper)).held.entries === mine.log.entries().length)
    expect(await keeper.stop()).toBe(0)

    const { strings, keys } = stringsAndKeys(records)
    // The patient's address is no secret to a keeper they enrolled; the records' other text is.
    const text = [...strings].filter((value) => value.length >= 8 && !value.toLowerCase().includes(patient.address))
    const fieldNames = ['resourceType', 'valueQuantity', 'code', 'display', 'subject', ...[...keys].filter((key) => key.length >= 8)]
    const { key: dataKey } = currentKey(patientKeyring())
    const secrets = [patient.keys.encryption.secretKey, patient.keys.identity.secretKey, dataKey]
    const latin1 = (bytes: Uint8Array): string => new TextDecoder('latin1').decode(bytes)
    const needles = [...text, ...fieldNames, ...secrets.map(latin1), ...secrets.map((secret) => bytesToHex(secret))]
    expect(text.length).toBeGreaterThan(100)

    // Every file as it lies on disk…
    const files = (await readdir(keeper.dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    expect(files.length).toBeGreaterThan(0)
    const contents = await Promise.all(files.map((entry) => readFile(path.join(entry.parentPath, entry.name))))
    expect(findPlaintext(contents, needles)).toEqual([])

    // …and every block and record as the stores give them back (LevelDB compresses what it writes).
    const blockstore = new LevelBlockstore(path.join(keeper.dataDir, 'blocks'))
    const datastore = new LevelDatastore(path.join(keeper.dataDir, 'data'))
    await blockstore.open()
    await datastore.open()
    const values: Uint8Array[] = []
    try {
      for await (const { bytes } of blockstore.getAll()) for await (const chunk of bytes) values.push(chunk)
      for await (const { key, value } of datastore.query({})) values.push(new TextEncoder().encode(key.toString()), value)
    } finally {
      await blockstore.close()
      await datastore.close()
    }
    expect(values.length).toBeGreaterThan(records.length)
    expect(findPlaintext(values, needles)).toEqual([])
  })
})
