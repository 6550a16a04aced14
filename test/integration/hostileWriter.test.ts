// A doctor with write access who abuses it, against the patient's real history: entries signed
// with the doctor's real identity, sealed with the key the patient shared, stored on the doctor's
// device behind the app's back and pulled by the patient's devices over the real sync. The
// history must hide nothing of the patient's, and every entry the patient writes afterwards must
// be one that every peer accepts.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { currentKey, encodeEnvelope, firstEpochKeyring, wrapDataKey, type EpochKeyring } from '../../src/crypto/index.ts'
import { createEntry, entryKey, openPatientHistory, prepareAddMany, readerKeyring, recordVersions, sealEntry, type HistoryEntry, type HistoryRecord, type PatientHistory } from '../../src/history/index.ts'
import { type HistoryOrbit, type LogEvent, type P2PNode, type PatientLog } from '../../src/p2p/index.ts'
import { createLogEntry, type LogEntry } from '../../src/p2p/logEntry.ts'
import { ALLERGY_VERIFICATION } from '../../src/history/codeSystems.ts'
import { bloodPressureSeries, fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { connect, memoryDevice, person, storeInLog, waitFor, type Person } from './historyFixtures.ts'

let patient: Person
let doctor: Person
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  ;[patient, doctor] = await Promise.all([person('Patient'), person('Doctor')])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

interface Opened {
  log: PatientLog
  history: PatientHistory
  rejected: LogEvent[]
}

interface Device {
  node: P2PNode
  orbit: HistoryOrbit
  open(keyring: EpochKeyring): Promise<Opened>
}

/** A device of `who`, with its own memory stores; the patient's devices admit the doctor's entries, as with a live write grant. */
async function device(who: Person): Promise<Device> {
  const { node, orbit } = await memoryDevice(who, cleanups, { canWrite: (writer) => Promise.resolve(writer === doctor.address), canSync: (wallet) => Promise.resolve(wallet === doctor.address) })
  return {
    node,
    orbit,
    open: async (keyring) => {
      const log = await orbit.openLog(patient.address)
      const rejected: LogEvent[] = []
      log.subscribe((event) => {
        if (event.type === 'rejected') rejected.push(event)
      })
      return { log, history: openPatientHistory({ log, keyring }), rejected }
    }
  }
}

const patientKeyring = (): EpochKeyring => firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
function doctorKeyring(): EpochKeyring {
  const { epoch, key } = currentKey(patientKeyring())
  return readerKeyring([wrapDataKey(key, doctor.keys.encryption.publicKey, epoch)], doctor.keys.encryption.secretKey)
}

/** A log entry the doctor signs over `entry` sealed with the doctor's key, following `next` at `time`. */
async function doctorsBlock(log: PatientLog, entry: HistoryEntry, next: string[], time: number): Promise<LogEntry> {
  return await createLogEntry({ identity: doctor.identity, logId: log.address, payload: encodeEnvelope(sealEntry(entry, doctorKeyring())), next, time })
}

/**
 * Stores entries in a device's log as one batch, behind the app's back (the doctor's own device
 * does what its owner likes), then opens the log again so it serves them.
 */
async function storeBehindTheApp(d: Device, opened: Opened, entries: readonly LogEntry[]): Promise<Opened> {
  await storeInLog(d.node, opened.log.address, entries)
  await opened.history.close()
  return await d.open(doctorKeyring())
}

/** Pulls from `peer` until `opened` holds `count` entries: a log opened again serves once its writer role is settled. */
async function pullUntil(what: string, opened: Opened, peer: P2PNode, count: number): Promise<void> {
  await waitFor(what, async () => {
    await opened.log.syncWith(peer.libp2p.peerId).catch(() => undefined)
    return opened.log.entries().length >= count
  })
}

/** What the views show: each record with its writer, its latest version, whether it is a conflicting copy, and the corrections ignored. */
function shown(history: PatientHistory) {
  return recordVersions(history.entries(), { patient: history.patient })
    .map((v) => ({ writer: v.root.writer, record: v.latest.record.id, latest: entryKey(v.latest), copyOf: v.copyOf, refused: v.refused.map((r) => entryKey(r.entry)) }))
    .sort((a, b) => (a.latest < b.latest ? -1 : 1))
}

describe('a doctor who writes an entry with the id of the patient\'s record', () => {
  it('hides nothing of the patient\'s on any replica, whatever reaches it first, and the doctor\'s correction of the patient\'s record is ignored', async () => {
    const records = fixtureRecordsFor(patient.address)
    const [p, d, early, late] = await Promise.all([device(patient), device(doctor), device(patient), device(patient)])
    const mine = await p.open(patientKeyring())
    await mine.history.addMany([records.hypertension, records.penicillin])
    let theirs = await d.open(doctorKeyring())
    await connect(d.node, p.node)
    await waitFor('the doctor to read the history', () => theirs.history.entries().length === 2)
    // A new device of the patient that has the patient's records before the doctor's.
    const first = await early.open(patientKeyring())
    await connect(early.node, p.node)
    await waitFor('the new device to read the patient\'s records', () => first.history.entries().length === 2)

    const allergy = theirs.history.entries().find((entry) => entry.record.id === 'penicillin')
    const diagnosis = theirs.history.entries().find((entry) => entry.record.id === 'hypertension')
    if (allergy === undefined || diagnosis === undefined) throw new Error('no fixture entries')
    // "No known allergy", under the id of the patient's allergy entry (ids are readable in the
    // envelope), following nothing at clock 1: it sorts before everything in the log.
    const refuted: HistoryRecord = { ...records.penicillin, id: 'refuted', verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'refuted' }] } }
    const shadow: HistoryEntry = { ...createEntry({ record: refuted, writer: doctor.address, patient: patient.address }), id: allergy.id }
    theirs = await storeBehindTheApp(d, theirs, [await doctorsBlock(theirs.log, shadow, [], 1)])
    // And a "correction" of the patient's diagnosis, appended through the log as any entry is.
    const resolved = createEntry({ record: { ...records.hypertension, note: [{ text: 'never had it' }] }, writer: doctor.address, patient: patient.address, amends: diagnosis.id })
    await theirs.log.append([encodeEnvelope(sealEntry(resolved, doctorKeyring()))])

    await pullUntil('the patient to hold the doctor\'s entries', mine, d.node, 4)
    expect(mine.rejected).toEqual([])
    const expected = [
      { writer: patient.address, record: 'hypertension', latest: entryKey(diagnosis), copyOf: undefined, refused: [entryKey(resolved)] },
      { writer: patient.address, record: 'penicillin', latest: entryKey(allergy), copyOf: undefined, refused: [] },
      { writer: doctor.address, record: 'refuted', latest: entryKey(shadow), copyOf: patient.address, refused: [] }
    ].sort((a, b) => (a.latest < b.latest ? -1 : 1))
    expect(shown(mine.history)).toEqual(expected)

    // The device that had the patient's records first, then the doctor's; and one that gets everything from the doctor.
    await pullUntil('the first new device to hold the doctor\'s entries', first, d.node, 4)
    const second = await late.open(patientKeyring())
    await connect(late.node, d.node)
    await waitFor('the second new device to read everything from the doctor', () => second.history.entries().length === 4)
    expect(shown(first.history)).toEqual(expected)
    expect(shown(second.history)).toEqual(expected)
    expect(shown(theirs.history)).toEqual(expected)
  })
})

describe('a doctor who writes 200 entries that follow nothing', () => {
  it('leaves the patient writing entries that link at most 64 parents, merging the heads in steps, and every peer accepts them', async () => {
    const records = Object.values(fixtureRecordsFor(patient.address))
    const [p, d, fresh] = await Promise.all([device(patient), device(doctor), device(patient)])
    const mine = await p.open(patientKeyring())
    await mine.history.addMany(records.slice(0, 1))
    let theirs = await d.open(doctorKeyring())
    await connect(d.node, p.node)
    await waitFor('the doctor to read the history', () => theirs.history.entries().length === 1)

    const flood = prepareAddMany([], bloodPressureSeries(patient.address, 200), { writer: doctor.address, patient: patient.address })
    theirs = await storeBehindTheApp(d, theirs, await Promise.all(flood.map((entry) => doctorsBlock(theirs.log, entry, [], 1))))
    await pullUntil('the patient to hold the 200 entries', mine, d.node, 201)
    expect(mine.log.heads()).toHaveLength(201)

    // Three records: three entries, each linking as many heads as a reader accepts.
    await mine.history.addMany(records.slice(1, 4))
    const time = (hash: string): number => mine.log.get(hash)?.clock.time ?? Number.NaN
    const written = (): LogEntry[] => mine.log.entries().filter((entry) => entry.writer === patient.address && entry.next.length > 0)
    expect(written().map((entry) => entry.next.length)).toEqual([64, 64, 64])
    expect(mine.log.heads()).toHaveLength(201 - 190 + 1)
    // One more merges the rest.
    await mine.history.addMany(records.slice(4, 5))
    expect(written().map((entry) => entry.next.length)).toEqual([64, 64, 64, 12])
    expect(mine.log.heads()).toHaveLength(1)
    for (const entry of written()) expect(entry.clock.time).toBe(Math.max(...entry.next.map(time)) + 1)

    // The doctor and a new device of the patient accept every one of them.
    await pullUntil('the doctor to hold the patient\'s new entries', theirs, p.node, 205)
    const replica = await fresh.open(patientKeyring())
    await connect(fresh.node, p.node)
    await waitFor('a new device to hold the whole log', () => replica.log.entries().length === 205)
    for (const reader of [theirs, replica]) {
      expect(reader.rejected).toEqual([])
      expect(reader.log.heads()).toEqual(mine.log.heads())
      expect(reader.history.entries()).toHaveLength(205)
    }
    expect((await replica.log.checkBlocks()).filter((check) => check.problem !== undefined)).toEqual([])
  })
})
