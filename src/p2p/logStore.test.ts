// A history log's store on a full disk: a commit the stores refuse for want of space rejects with
// STORAGE_FULL and leaves the log as it was, in memory and in storage; once there is room, the
// same entries commit.
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { quotaExceeded } from '../../test/fixtures/fullIndexedDb.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { parseHash } from './blocks.ts'
import { createLogEntry } from './logEntry.ts'
import { openLogStore, type LogStore } from './logStore.ts'
import { P2PError } from './p2pError.ts'
import type { StoredEntry } from './patientLogApi.ts'
import { useIdentityDomain, type WalletIdentity } from './walletIdentity.ts'
import { Key, type Batch } from 'interface-datastore'

// anvil's development account 0: a public test key.
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'

let patient: WalletIdentity

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  ;({ identity: patient } = await walletIdentityOf(account))
})

/** A blockstore and a datastore that refuse writes, as a full disk does, while told to. */
function diskStores(): { blockstore: MemoryBlockstore; datastore: MemoryDatastore; disk: { blocksFull: boolean; dataFull: boolean } } {
  const disk = { blocksFull: false, dataFull: false }
  const blockstore = new MemoryBlockstore()
  const putMany = blockstore.putMany.bind(blockstore)
  blockstore.putMany = (source, options) => {
    if (disk.blocksFull) throw quotaExceeded()
    return putMany(source, options)
  }
  const datastore = new MemoryDatastore()
  const batch = datastore.batch.bind(datastore)
  datastore.batch = (): Batch => {
    const inner = batch()
    return {
      put: (key, value) => inner.put(key, value),
      delete: (key) => inner.delete(key),
      commit: async (options) => {
        if (disk.dataFull) throw quotaExceeded()
        await inner.commit(options)
      }
    }
  }
  return { blockstore, datastore, disk }
}

async function entry(store: LogStore, text: string): Promise<StoredEntry> {
  const next = store.heads().sort()
  const time = Math.max(0, ...next.map((hash) => store.get(hash)?.clock.time ?? 0)) + 1
  const created = await createLogEntry({ identity: patient, logId: LOG, payload: new TextEncoder().encode(text), next, time })
  return { ...created, writer: patient.verified.address, writerKeyVersion: patient.verified.keyVersion }
}

/** What a fresh open of the same stores finds: the hashes it lists, in order. */
async function storedHashes(stores: ReturnType<typeof diskStores>): Promise<string[]> {
  const again = openLogStore(stores, LOG, patient)
  await again.reload(false)
  return again.entries().map((e) => e.hash)
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error
  )
}

describe('a commit on a full disk', () => {
  it('rejects with STORAGE_FULL when the blocks do not fit, and the log stays as it was', async () => {
    const stores = diskStores()
    const store = openLogStore(stores, LOG, patient)
    const first = await entry(store, 'first')
    await store.commit([first])

    stores.disk.blocksFull = true
    const second = await entry(store, 'second')
    const error = await failure(store.commit([second]))
    expect(error).toBeInstanceOf(P2PError)
    expect(error).toMatchObject({ code: 'STORAGE_FULL', cause: { name: 'QuotaExceededError' } })
    expect((error as Error).message).toMatch(/^Your browser has no room left to store this record: nothing was written and your history is as it was\./)
    expect(store.entries().map((e) => e.hash)).toEqual([first.hash])
    expect(store.heads()).toEqual([first.hash])
    expect(store.count()).toBe(1)
    expect(await storedHashes(stores)).toEqual([first.hash])

    stores.disk.blocksFull = false
    await store.commit([second])
    expect(store.heads()).toEqual([second.hash])
    expect(await storedHashes(stores)).toEqual([first.hash, second.hash])
  })

  it('rejects with STORAGE_FULL when the heads do not fit after the blocks did, and lists nothing new', async () => {
    const stores = diskStores()
    const store = openLogStore(stores, LOG, patient)
    const first = await entry(store, 'first')
    await store.commit([first])

    stores.disk.dataFull = true
    const second = await entry(store, 'second')
    await expect(store.commit([second])).rejects.toMatchObject({ code: 'STORAGE_FULL' })
    expect(store.heads()).toEqual([first.hash])
    expect(store.has(second.hash)).toBe(false)
    // Its block alone was stored: a block no batch names is not part of the log.
    const block = parseHash(second.hash)
    expect(block !== undefined && (await stores.blockstore.has(block))).toBe(true)
    expect(await storedHashes(stores)).toEqual([first.hash])

    stores.disk.dataFull = false
    await store.commit([second])
    expect(await storedHashes(stores)).toEqual([first.hash, second.hash])
  })

  it('passes other failures on as they are', async () => {
    const stores = diskStores()
    const store = openLogStore(stores, LOG, patient)
    const broken = new Error('The storage is gone')
    stores.blockstore.putMany = () => {
      throw broken
    }
    expect(await failure(store.commit([await entry(store, 'first')]))).toBe(broken)
  })
})

describe('a writer\'s identity learnt in a pull that stored none of its entries', () => {
  it('is stored with the first entry of that writer a later commit stores, so the entry still opens after a reload', async () => {
    const { identity: doctor } = await walletIdentityOf(privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'))
    const stores = diskStores()
    const store = openLogStore(stores, LOG, patient)
    await store.reload(false)
    await store.commit([await entry(store, 'first')])
    // A pull learnt the doctor's identity, then stored none of the doctor's entries (refused, or cut off).
    expect(store.learnIdentity(doctor.bytes)).toBeDefined()
    // A later pull finds the identity known and brings only the entry.
    const created = await createLogEntry({ identity: doctor, logId: LOG, payload: new TextEncoder().encode('follow-up'), next: store.heads(), time: 2 })
    await store.commit([{ ...created, writer: doctor.verified.address, writerKeyVersion: doctor.verified.keyVersion }])

    const again = openLogStore(stores, LOG, patient)
    await again.reload(false)
    expect(again.damaged()).toEqual([])
    expect(again.entries().map((e) => e.hash)).toEqual(store.entries().map((e) => e.hash))
    const cid = parseHash(doctor.hash)
    expect(cid !== undefined && (await stores.blockstore.has(cid))).toBe(true)
  })
})

describe('a lean store (a keeper\'s)', () => {
  it('opens a log from its batch records alone, keeping each entry\'s outline and no block, and serves the blocks from the blockstore', async () => {
    const stores = diskStores()
    const writer = openLogStore(stores, LOG, patient)
    await writer.reload(false)
    const written: StoredEntry[] = []
    for (const text of ['first', 'second', 'third']) {
      const next = await entry(writer, text)
      await writer.commit([next])
      written.push(next)
    }

    // Reading a block would fail: the outlines come from the batch records.
    const lean = openLogStore(stores, LOG, patient, { lean: true })
    const getMany = stores.blockstore.getMany.bind(stores.blockstore)
    stores.blockstore.getMany = () => {
      throw new Error('a lean open reads no block')
    }
    await lean.reload(false)
    stores.blockstore.getMany = getMany
    expect(lean.entries()).toEqual([])
    expect(lean.outlines()).toEqual(written.map((e) => ({ hash: e.hash, time: e.clock.time, parents: [...e.next], identity: patient.hash, size: e.bytes.length })))
    expect(lean.held()).toEqual({ entries: 3, bytes: written.reduce((sum, e) => sum + e.bytes.length, 0) })
    expect(lean.heads()).toEqual(writer.heads())
    expect(written.map((e) => [lean.has(e.hash), lean.timeOf(e.hash)])).toEqual([[true, 1], [true, 2], [true, 3]])
    expect(await lean.entryBlocks([written[2]?.hash ?? '', written[0]?.hash ?? ''])).toEqual([written[2]?.bytes, written[0]?.bytes])

    // What it commits, it outlines too.
    const fourth = await entry(writer, 'fourth')
    await lean.commit([fourth])
    expect(lean.held().entries).toBe(4)
    expect(lean.outlines().at(-1)).toMatchObject({ hash: fourth.hash, time: 4, size: fourth.bytes.length })
  })

  it('outlines the entries of batch records written before they named sizes and identities from their blocks, and lists a missing block as damaged', async () => {
    const stores = diskStores()
    const writer = openLogStore(stores, LOG, patient)
    const first = await entry(writer, 'first')
    await writer.commit([first])
    const second = await entry(writer, 'second')
    await writer.commit([second])
    // The records as they were written before: [hash, time, parents] only.
    const manifest = LOG.split('/').pop() ?? ''
    for (const [seq, e] of [first, second].entries()) {
      await stores.datastore.put(new Key(`/anamnesis/history-log/${manifest}/batch/${String(seq).padStart(12, '0')}`), new TextEncoder().encode(JSON.stringify({ entries: [[e.hash, e.clock.time, [...e.next]]] })))
    }
    await stores.blockstore.delete(parseHash(second.hash) ?? expect.fail('no CID'))

    const lean = openLogStore(stores, LOG, patient, { lean: true })
    await lean.reload(false)
    expect(lean.outlines()).toEqual([{ hash: first.hash, time: 1, parents: [], identity: patient.hash, size: first.bytes.length }])
    expect(lean.damaged()).toEqual([{ hash: second.hash, reason: 'its block is missing from storage' }])
  })
})
