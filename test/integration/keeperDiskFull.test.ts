// A keeper whose disk fills up: its store refuses writes as LevelDB does when the disk is full
// (an I/O error naming ENOSPC). The keeper refuses the patient's new entries with 'disk-full',
// keeps what it held, and takes them once there is room again. In process, so the store can fail
// on cue; the keeper's code is the one `npm run keeper` runs.
import { generatePrivateKey } from 'viem/accounts'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { keeperIdentity } from '../../scripts/keeper/keeperIdentity.ts'
import { firstEpochKeyring } from '../../src/crypto/index.ts'
import { openPatientHistory } from '../../src/history/index.ts'
import { enrolKeeper, keeperStatus, startKeeper, type KeeperEvent } from '../../src/keeper/index.ts'
import { fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { loopbackNode, memoryDevice, waitFor, webSocketAddress, type Cleanups, type Person } from './historyFixtures.ts'
import { connectTo, keeperAdmitted, personOn, startChain, type TestChain } from './keeperFixtures.ts'
import type { CID } from 'multiformats/cid'

/** A blockstore that refuses writes, as LevelDB does on a full disk, while `full` is set. */
class FillingBlockstore extends MemoryBlockstore {
  full = false
  #refuse(): void {
    if (this.full) throw Object.assign(new Error('IO error: /var/lib/keeper/blocks/000012.log: No space left on device'), { code: 'LEVEL_IO_ERROR' })
  }
  override async put(key: CID, value: Parameters<MemoryBlockstore['put']>[1]): Promise<CID> {
    this.#refuse()
    return await super.put(key, value)
  }
  override async *putMany(source: Parameters<MemoryBlockstore['putMany']>[0]): AsyncGenerator<CID> {
    this.#refuse()
    yield* super.putMany(source)
  }
}

let chain: TestChain
let patient: Person
const cleanups: Cleanups = []

beforeAll(async () => {
  chain = await startChain()
  patient = await personOn(chain, 'Patient')
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(async () => {
  await chain.stop()
})

describe('a keeper whose disk is full', () => {
  it('refuses the patient\'s new entries with disk-full, keeps what it held, and takes them once there is room', async () => {
    const blockstore = new FillingBlockstore()
    const node = await loopbackNode({ blockstore, datastore: new MemoryDatastore() })
    cleanups.push(() => node.stop())
    const events: KeeperEvent[] = []
    const identity = await keeperIdentity(generatePrivateKey(), chain.domain)
    const keeper = await startKeeper({
      node,
      identity,
      accept: { kind: 'anyone' },
      ledger: { isGrantLive: () => Promise.resolve(false), mayWrite: () => Promise.resolve(false), isGuardian: () => Promise.resolve(false) },
      onEvent: (event) => events.push(event)
    })
    cleanups.push(() => keeper.stop())
    const address = webSocketAddress(node)

    const mine = await memoryDevice(patient, cleanups, { canSync: keeperAdmitted(keeper) })
    const log = await mine.orbit.openLog(patient.address)
    const history = openPatientHistory({ log, keyring: firstEpochKeyring(patient.keys.encryption.secretKey, patient.address) })
    const records = Object.values(fixtureRecordsFor(patient.address))
    await history.addMany(records.slice(0, 2))
    await enrolKeeper(mine.node, address, { identity: patient.identity, patient: patient.address, quota: 1 << 24 })
    await connectTo(mine.node, { multiaddr: address })
    const status = () => keeperStatus(mine.node, address, { identity: patient.identity, patient: patient.address })
    await waitFor('the keeper to hold the first 2 entries', async () => (await status()).held.entries === 2)

    blockstore.full = true
    await history.addMany(records.slice(2, 4))
    await waitFor('the keeper to report its disk full', async () => (await status()).refusing === 'disk-full')
    expect((await status()).held.entries).toBe(2)
    expect(events.filter((event) => event.type === 'disk-full')).toHaveLength(1)

    blockstore.full = false
    await history.addMany(records.slice(4, 5))
    await waitFor('the keeper to take every entry once there is room', async () => (await status()).held.entries === 5)
    expect((await status()).refusing).toBeUndefined()
  })
})
