// A keeper opens a patient's history when a peer asks for it, and closes it once nobody uses it: its
// start, memory and per-connection work follow the patients active now, not every history it
// holds. In process, with stores the test keeps across a restart, so it can see which logs are
// open; the keeper's code is the one `npm run keeper` runs.
import { generatePrivateKey } from 'viem/accounts'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { keeperIdentity } from '../../scripts/keeper/keeperIdentity.ts'
import { firstEpochKeyring } from '../../src/crypto/index.ts'
import { openPatientHistory, type PatientHistory } from '../../src/history/index.ts'
import { enrolKeeper, keeperStatus, startKeeper, type Keeper } from '../../src/keeper/index.ts'
import { historyLogAddress, type P2PNode, type PatientLog, type WalletIdentity } from '../../src/p2p/index.ts'
import { fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { loopbackNode, memoryDevice, memoryNode, waitFor, webSocketAddress, type Cleanups, type Person } from './historyFixtures.ts'
import { connectTo, keeperAdmitted, personOn, startChain, type TestChain } from './keeperFixtures.ts'

let chain: TestChain
let patient: Person
let secondPatient: Person
let identity: WalletIdentity
const cleanups: Cleanups = []
const IDLE_MS = 300

beforeAll(async () => {
  chain = await startChain()
  patient = await personOn(chain, 'Patient')
  secondPatient = await personOn(chain, 'Second patient')
  identity = await keeperIdentity(generatePrivateKey(), chain.domain)
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(async () => {
  await chain.stop()
})

/** A keeper on `stores` (kept across its restarts), with a short idle time; stopped on its own or with the test. */
async function keeper(stores: { blockstore: MemoryBlockstore; datastore: MemoryDatastore }, { maxOpenLogs = 64, idleMs = IDLE_MS } = {}): Promise<{ keeper: Keeper; address: string; stop(): Promise<void> }> {
  const node = await loopbackNode(stores)
  const started = await startKeeper({
    node,
    identity,
    accept: { kind: 'anyone' },
    ledger: { isGrantLive: () => Promise.resolve(false), mayWrite: () => Promise.resolve(false), isGuardian: () => Promise.resolve(false) },
    idleMs,
    maxOpenLogs
  })
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await started.stop()
    await node.stop()
  }
  cleanups.push(stop)
  return { keeper: started, address: webSocketAddress(node), stop }
}

/** A device of `who` with their history open and dialled to the keeper; stopped on its own or with the test. */
async function device(who: Person, keeperAt: { keeper: Keeper; address: string }): Promise<{ log: PatientLog; history: PatientHistory; stop(): Promise<void> }> {
  const own: Cleanups = []
  const { node, orbit } = await memoryDevice(who, own, { canSync: keeperAdmitted(keeperAt.keeper) })
  const log = await orbit.openLog(who.address)
  const history = openPatientHistory({ log, keyring: firstEpochKeyring(who.keys.encryption.secretKey, who.address) })
  const stop = async (): Promise<void> => {
    for (const cleanup of own.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
  cleanups.push(stop)
  await connectTo(node, { multiaddr: keeperAt.address })
  return { log, history, stop }
}

/** One node of the test's own asks the keeper for statuses and enrols: a node per request would trip its limit on new connections from one host. */
let probe: P2PNode | undefined
async function probeNode(): Promise<P2PNode> {
  if (probe === undefined) {
    const node = await memoryNode(cleanups)
    probe = node
    cleanups.push(() => {
      probe = undefined
      return Promise.resolve()
    })
  }
  return probe
}

const held = async (who: Person, keeperAt: { address: string }): Promise<number> =>
  (await keeperStatus(await probeNode(), keeperAt.address, { identity: who.identity, patient: who.address })).held.entries
const enrol = async (who: Person, keeperAt: { address: string }): Promise<void> => {
  await enrolKeeper(await probeNode(), keeperAt.address, { identity: who.identity, patient: who.address, quota: 1 << 24 })
}

describe('a keeper opens the histories it holds when they are asked for', () => {
  it('knows which patient a peer asks for from the log\'s address alone: the address OrbitDB gives the log when it opens it', async () => {
    const { orbit } = await memoryDevice(patient, cleanups)
    for (const who of [patient, secondPatient]) {
      expect(historyLogAddress(who.address.toUpperCase().replace('0X', '0x'))).toBe(await orbit.addressOf(who.address))
    }
  })

  it('opens none at its start; opens one as the patient\'s device pulls it, keeps it open while that device is connected, closes it once nobody uses it, and serves and follows it in full when it is asked for again', async () => {
    const stores = { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
    const first = await keeper(stores)
    const mine = await device(patient, first)
    const records = Object.values(fixtureRecordsFor(patient.address))
    await mine.history.addMany(records.slice(0, 5))
    await enrol(patient, first)
    // The device pulls from the keeper (its next sync), which takes what the device holds.
    await mine.log.syncWith(first.keeper.peerId)
    await waitFor('the keeper to hold the 5 entries', async () => (await held(patient, first)) === 5)
    expect(first.keeper.openLogs()).toEqual([patient.address])

    // Past the idle time, the log stays open while the device that synced it is connected: it may announce new entries.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 4))
    expect(first.keeper.openLogs()).toEqual([patient.address])
    await mine.history.addMany(records.slice(5, 6))
    await waitFor('the keeper to follow the new entry', async () => (await held(patient, first)) === 6)

    // The device goes away: the log closes once idle.
    await mine.stop()
    await waitFor('the keeper to close the log nobody uses', () => first.keeper.openLogs().length === 0)

    // Started again on the same stores: it knows the patient and opens nothing until asked.
    await first.stop()
    const again = await keeper(stores)
    expect(again.keeper.patients()).toEqual([patient.address])
    expect(again.keeper.openLogs()).toEqual([])

    // A new device of the patient pulls the whole history from it, and the keeper follows what it writes.
    const fresh = await device(patient, again)
    await waitFor('the new device to pull every entry', () => fresh.log.entries().length === 6)
    expect(again.keeper.openLogs()).toEqual([patient.address])
    await fresh.history.addMany(records.slice(6, 7))
    await waitFor('the keeper to follow the new device', async () => (await held(patient, again)) === 7)
  })

  it('beyond its bound of open logs, closes the least recently used that no connected peer synced, and still serves it when it is asked for', async () => {
    // Idle for a minute would not close it here: only the bound does.
    const keeperAt = await keeper({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }, { maxOpenLogs: 1, idleMs: 60_000 })
    const mine = await device(patient, keeperAt)
    await mine.history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 3))
    await enrol(patient, keeperAt)
    await mine.log.syncWith(keeperAt.keeper.peerId)
    await waitFor('the keeper to hold the patient\'s 3 entries', async () => (await held(patient, keeperAt)) === 3)
    await mine.stop()

    // A second patient enrols: two logs open, over the bound of one; the first patient's, which no connected peer synced, is closed.
    const theirs = await device(secondPatient, keeperAt)
    await theirs.history.addMany(Object.values(fixtureRecordsFor(secondPatient.address)).slice(0, 2))
    await enrol(secondPatient, keeperAt)
    await theirs.log.syncWith(keeperAt.keeper.peerId)
    await waitFor('the keeper to hold the second patient\'s 2 entries', async () => (await held(secondPatient, keeperAt)) === 2)
    await waitFor('the keeper to close the least recently used log', () => keeperAt.keeper.openLogs().join() === secondPatient.address)

    // The first patient's new device still gets every entry: the keeper opens the log again.
    const fresh = await device(patient, keeperAt)
    await waitFor('the first patient\'s new device to pull every entry', () => fresh.log.entries().length === 3)
  })
})
