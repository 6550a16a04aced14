// The backup file between real devices (Node peers on OrbitDB, memory stores): what a device
// exports opens on a new device of the same wallet whose log OrbitDB made from the wallet alone,
// the restored entries outlive a restart, and a device synced with the new one receives them.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { encodeBackupFile, readBackupFile, type LogEvent } from '../../src/p2p/index.ts'
import { connect, memoryDevice, person, waitFor, type Cleanups, type Person } from './historyFixtures.ts'

let patient: Person
let other: Person
const cleanups: Cleanups = []

beforeAll(async () => {
  patient = await person('Patient')
  other = await person('Second patient')
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

const payloads = (n: number, label: string): Uint8Array[] => Array.from({ length: n }, (_, i) => new TextEncoder().encode(`${label} ${i}`))

describe('a backup between devices', () => {
  it('restores on a new device of the wallet, stays there after a restart, and reaches the wallet\'s other devices', async () => {
    const laptop = await memoryDevice(patient, cleanups)
    const laptopLog = await laptop.orbit.openLog(patient.address)
    await laptopLog.append(payloads(30, 'entry'))
    const file = await encodeBackupFile(await laptopLog.exportBlocks())

    const stores = { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
    const phone = await memoryDevice(patient, cleanups, {}, stores)
    const phoneLog = await phone.orbit.openLog(patient.address)
    expect(phoneLog.address).toBe(laptopLog.address)
    // A desktop of the patient's, connected to the phone before the restore: it hears of the new heads.
    const desktop = await memoryDevice(patient, cleanups)
    const desktopLog = await desktop.orbit.openLog(patient.address)
    await connect(desktop.node, phone.node)
    // Each has pulled the other's (empty) log once: they are each other's peers for this history.
    const peersOf = (log: unknown): ReadonlyMap<string, string> => (log as { peers: ReadonlyMap<string, string> }).peers
    await waitFor('the phone and the desktop to sync once', () => peersOf(phoneLog).size > 0 && peersOf(desktopLog).size > 0)
    const events: LogEvent[] = []
    phoneLog.subscribe((event) => events.push(event))

    expect(await phoneLog.importBlocks(await readBackupFile(file, phoneLog))).toEqual({ added: 30, held: 0 })
    expect(phoneLog.entries().map((entry) => entry.hash)).toEqual(laptopLog.entries().map((entry) => entry.hash))
    expect(phoneLog.heads()).toEqual(laptopLog.heads())
    expect(events.flatMap((event) => (event.type === 'added' ? [[event.origin, event.entries.length]] : []))).toEqual([['backup', 30]])
    await waitFor('the desktop to receive the restored history', () => desktopLog.entries().length === 30)

    // A restart of the phone: its stores hold every entry, and every one checks out.
    await phone.orbit.stop()
    const again = await memoryDevice(patient, cleanups, {}, stores)
    const reopened = await again.orbit.openLog(patient.address)
    expect(reopened.entries().map((entry) => entry.hash)).toEqual(laptopLog.entries().map((entry) => entry.hash))
    expect((await reopened.checkBlocks()).filter((check) => check.problem !== undefined)).toEqual([])
  })

  it('refuses another wallet\'s backup on a real log, and the log stays empty', async () => {
    const theirs = await memoryDevice(other, cleanups)
    const theirLog = await theirs.orbit.openLog(other.address)
    await theirLog.append(payloads(3, 'their entry'))
    const file = await encodeBackupFile(await theirLog.exportBlocks())
    const phone = await memoryDevice(patient, cleanups)
    const phoneLog = await phone.orbit.openLog(patient.address)
    await expect(readBackupFile(file, phoneLog)).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining("another wallet's history") as unknown })
    expect(phoneLog.entries()).toEqual([])
  })
})
