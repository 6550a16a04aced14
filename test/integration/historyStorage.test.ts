// The history in the browser's storage, with an in-memory IndexedDB standing in for the
// browser's: a reload keeps the history and the identity, no key of the identity is ever
// stored, and two tabs of the same user share one log without overwriting each other.
import * as fakeIndexedDb from 'fake-indexeddb'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { firstEpochKeyring, type EpochKeyring } from '../../src/crypto/index.ts'
import { openPatientHistory, type PatientHistory } from '../../src/history/index.ts'
import { bloodPressureSeries, fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { startHistoryOrbit, type HistoryOrbit, type P2PNode, type PatientLog, type TabCoordinationOptions } from '../../src/p2p/index.ts'
import { loopbackNode, person, waitFor, type Person } from './historyFixtures.ts'
import type { LockManagerLike } from '../../src/p2p/writerLock.ts'

const IDB_GLOBALS = ['indexedDB', 'IDBCursor', 'IDBCursorWithValue', 'IDBDatabase', 'IDBFactory', 'IDBIndex', 'IDBKeyRange', 'IDBObjectStore', 'IDBOpenDBRequest', 'IDBRequest', 'IDBTransaction', 'IDBVersionChangeEvent'] as const

let patient: Person
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  const source = fakeIndexedDb as unknown as Record<string, unknown>
  for (const name of IDB_GLOBALS) Object.defineProperty(globalThis, name, { value: source[name], configurable: true, writable: true })
  patient = await person('Patient')
})

afterAll(() => {
  for (const name of IDB_GLOBALS) Reflect.deleteProperty(globalThis, name)
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

interface Tab {
  node: P2PNode
  orbit: HistoryOrbit
  log: PatientLog
  history: PatientHistory
  close(): Promise<void>
}

/** A tab of the app: its own node and OrbitDB, on the browser's (here: the fake) IndexedDB under `storageName`. */
async function openTab(who: Person, storageName: string, keyring: EpochKeyring, coordination?: TabCoordinationOptions): Promise<Tab> {
  const node = await loopbackNode({ storageName })
  const orbit = await startHistoryOrbit({ node, identity: who.identity, ...(coordination === undefined ? {} : { coordination }) })
  const log = await orbit.openLog(patient.address)
  const history = openPatientHistory({ log, keyring })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await history.close()
    await orbit.stop()
    await node.stop()
  }
  cleanups.push(close)
  return { node, orbit, log, history, close }
}

/** Web Locks as a browser grants them to the tabs of one origin. */
function webLocks(): LockManagerLike {
  const held = new Set<string>()
  const queues = new Map<string, (() => void)[]>()
  return {
    async request(name, options, callback) {
      if (held.has(name)) {
        if (options.ifAvailable === true) return await callback(null)
        await new Promise<void>((resolve, reject) => {
          const queue = queues.get(name) ?? []
          queues.set(name, queue)
          const wake = (): void => resolve()
          queue.push(wake)
          options.signal?.addEventListener('abort', () => {
            queue.splice(queue.indexOf(wake), 1)
            reject(new DOMException('The request was aborted', 'AbortError'))
          })
        })
      }
      held.add(name)
      try {
        return await callback({ name })
      } finally {
        held.delete(name)
        queues.get(name)?.shift()?.()
      }
    }
  }
}

async function storedBytes(node: P2PNode): Promise<string> {
  let text = ''
  for await (const { bytes } of node.blockstore.getAll()) for await (const chunk of bytes) text += bytesToHex(chunk)
  for await (const { value } of node.datastore.query({})) text += bytesToHex(value)
  return text
}

describe('the history in the browser\'s storage', () => {
  it('keeps the history and the identity across a reload, and stores no identity key', async () => {
    const keyring = firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
    const first = await openTab(patient, 'reload', keyring)
    const records = bloodPressureSeries(patient.address, 50)
    await first.history.addMany(records)
    const before = { entries: first.history.entries(), anchor: first.history.anchor(), identity: first.log.identity.hash, peer: first.node.libp2p.peerId.toString() }
    expect(await storedBytes(first.node)).not.toContain(bytesToHex(patient.keys.identity.secretKey))
    await first.close()

    // The same wallet signs again after the reload (or on another device): the same identity.
    const again = await person('Patient')
    expect(again.identity.hash).toBe(before.identity)
    const second = await openTab(again, 'reload', keyring)
    expect(second.node.libp2p.peerId.toString()).toBe(before.peer)
    expect(second.log.identity.hash).toBe(before.identity)
    expect(second.history.entries()).toEqual(before.entries)
    expect(second.history.anchor()).toEqual(before.anchor)
    // …and it can still write to its own history.
    await second.history.add(fixtureRecordsFor(patient.address).penicillin)
    expect(second.history.anchor().entryCount).toBe(51)
    expect((await second.history.verify({ anchor: before.anchor })).verdicts.filter((v) => v.verdict === 'verified')).toHaveLength(50)
    expect(await storedBytes(second.node)).not.toContain(bytesToHex(again.keys.identity.secretKey))
  })

  it('stores appends in the order they were signed, one signing while the one before is stored, and none that links one the storage refused', async () => {
    const keyring = firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
    const tab = await openTab(patient, 'in-order', keyring)
    const payload = (n: number): Uint8Array => Uint8Array.of(n, n, n)
    // Two appends at once: the second links the first's last entry, as if it had waited for it.
    const [first, second] = await Promise.all([tab.log.append([payload(1), payload(2)]), tab.log.append([payload(3)])])
    expect(second[0]?.next).toEqual([first[1]?.hash])
    expect(tab.log.heads()).toEqual([second[0]?.hash])

    // The storage refuses the next append, once the one made meanwhile (which links it) is signed.
    const blockstore = tab.node.blockstore
    const putMany = blockstore.putMany.bind(blockstore)
    let signatures = 0
    const signBytes = patient.identity.signBytes
    patient.identity.signBytes = (data) => ((signatures += 1), signBytes(data))
    let refuse = true
    blockstore.putMany = (source, options) => {
      if (!refuse) return putMany(source, options)
      refuse = false
      return (async function* () {
        await waitFor('the following append to be signed', () => signatures === 2)
        yield* []
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      })()
    }
    try {
      const outcomes = await Promise.allSettled([tab.log.append([payload(4)]), tab.log.append([payload(5)])])
      expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'stored'))).toEqual(['STORAGE_FULL', 'STORAGE_FULL'])
    } finally {
      patient.identity.signBytes = signBytes
      blockstore.putMany = putMany
    }
    expect(tab.log.entries()).toHaveLength(3)
    expect(tab.log.heads()).toEqual([second[0]?.hash])
    // The next append goes on from what is stored.
    const [again] = await tab.log.append([payload(6)])
    expect(again?.next).toEqual([second[0]?.hash])
    expect(tab.log.entries()).toHaveLength(4)
  })

  it('lets two tabs of the same user share one log: one writes, the other hands its writes over and takes over when the first closes', async () => {
    const keyring = firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
    const coordination: TabCoordinationOptions = { locks: webLocks() }
    const a = await openTab(patient, 'tabs', keyring, coordination)
    const b = await openTab(patient, 'tabs', keyring, coordination)
    expect([a.log.writer, b.log.writer]).toEqual([true, false])
    const records = fixtureRecordsFor(patient.address)

    await a.history.add(records.hypertension)
    await waitFor('the second tab to see the first tab\'s record', () => b.history.entries().length === 1)
    const fromB = await b.history.add(records.penicillin)
    expect(fromB.record.id).toBe('penicillin')
    await waitFor('the first tab to see the second tab\'s record', () => a.history.entries().length === 2)
    await Promise.all([a.history.add(records.flu), b.history.add(records.amlodipine)])
    await waitFor('both tabs to agree', () => a.history.entries().length === 4 && b.history.entries().length === 4)
    expect(b.log.heads()).toEqual(a.log.heads())
    expect(a.log.heads()).toHaveLength(1)

    await a.close()
    await waitFor('the second tab to take over', () => b.log.writer)
    await b.history.add(records.father)
    expect(b.history.entries()).toHaveLength(5)

    const later = await openTab(patient, 'tabs', keyring, coordination)
    expect(later.log.writer).toBe(false)
    const ids = later.history.entries().map((entry) => entry.record.id)
    expect(ids).toHaveLength(5)
    expect(new Set(ids)).toEqual(new Set(['hypertension', 'penicillin', 'flu-2023', 'amlodipine', 'father']))
    expect(later.log.heads()).toHaveLength(1)
    expect((await later.history.verify()).verdicts.every((v) => v.verdict === 'unanchored')).toBe(true)
  })
})
