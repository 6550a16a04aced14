// A patient's history over a log another writer may abuse: entries sealed with real keys and
// opened as the history opens them, in a small log whose blocks say who signed them (the real
// log checks those signatures; test/integration/hostileWriter.test.ts runs the same attacks
// over real signed entries and a real sync).
import { describe, expect, it, vi } from 'vitest'
import { encodeEnvelope, firstEpochKeyring } from '../crypto/index.ts'
import { entryKey, recordVersions } from './amendments.ts'
import { ALLERGY_VERIFICATION } from './codeSystems.ts'
import { sealEntry } from './entryEnvelope.ts'
import { createEntry, type Address, type HistoryEntry } from './historyEntry.ts'
import type { HistoryLog, HistoryLogEvent, LoggedBlock } from './historyLogPort.ts'
import { openPatientHistory } from './patientHistory.ts'
import type { HistoryRecord } from './recordTypes.ts'
import { DOCTOR, fixtureRecords, NOW, OTHER_DOCTOR, PATIENT } from '../../test/fixtures/recordFixtures.ts'

// Envelope decodes are counted: a reader opens records by the thousand.
const decodes = vi.hoisted(() => ({ count: 0 }))
vi.mock('../crypto/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../crypto/index.ts')>()
  return {
    ...original,
    decodeEnvelope: (bytes: Uint8Array) => {
      decodes.count += 1
      return original.decodeEnvelope(bytes)
    }
  }
})

const patient = PATIENT as Address
// The patient's data key; the doctor holds it too, as after a grant.
const keyring = firstEpochKeyring(new Uint8Array(32).fill(7), PATIENT)
const { penicillin, hypertension } = fixtureRecords()

let minute = 0
function write(record: HistoryRecord, writer: string, amends?: HistoryEntry): HistoryEntry {
  minute += 1
  return createEntry({ record, writer, now: NOW + minute * 60_000, patient: PATIENT, ...(amends === undefined ? {} : { amends: amends.id }) })
}

let blockCount = 0
/** A block of the log carrying `entry` sealed, signed (as the log would verify) by `signer`. */
function block(entry: HistoryEntry, time: number, options: { next?: string[]; hash?: string; signer?: string } = {}): LoggedBlock {
  blockCount += 1
  return {
    hash: options.hash ?? `bafy-${String(blockCount).padStart(6, '0')}`,
    payload: encodeEnvelope(sealEntry(entry, keyring)),
    writer: (options.signer ?? entry.writer) as Address,
    next: options.next ?? [],
    clock: { time }
  }
}

/** A log holding `initial` now, to which `deliver` adds blocks as a sync would. */
function memoryLog(initial: readonly LoggedBlock[], me: string = PATIENT): { log: HistoryLog; deliver(blocks: readonly LoggedBlock[]): void } {
  const blocks = [...initial]
  const listeners = new Set<(event: HistoryLogEvent) => void>()
  const deliver = (more: readonly LoggedBlock[]): void => {
    blocks.push(...more)
    for (const listener of listeners) listener({ type: 'added', entries: more })
  }
  const log: HistoryLog = {
    address: '/orbitdb/zdpuTestHistory',
    patient: PATIENT,
    identity: { address: me },
    entries: () => blocks,
    append: (payloads) => {
      const time = Math.max(0, ...blocks.map((b) => b.clock.time)) + 1
      deliver(payloads.map((payload, i) => ({ hash: `bafy-local-${blockCount++}`, payload, writer: me as Address, next: [], clock: { time: time + i } })))
      return Promise.resolve()
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    checkBlocks: () => Promise.resolve([]),
    anchor: () => ({ root: '0x00', entryCount: blocks.length }),
    anchored: () => undefined,
    close: () => Promise.resolve()
  }
  return { log, deliver }
}

/** What the views show of a history: each record with its writer, its latest version, whether it is a copy, and who was refused. */
function shown(entries: readonly HistoryEntry[]) {
  return recordVersions(entries, { patient })
    .map((v) => ({ writer: v.root.writer, record: v.latest.record.id, latest: entryKey(v.latest), copyOf: v.copyOf, refused: v.refused.map((r) => entryKey(r.entry)) }))
    .sort((a, b) => (a.latest < b.latest ? -1 : 1))
}

/** The same blocks opened twice: all at once in one order, and arriving one by one in the reverse order. */
function bothOrders(blocks: readonly LoggedBlock[]): [ReturnType<typeof shown>, ReturnType<typeof shown>] {
  const atOnce = openPatientHistory({ log: memoryLog(blocks).log, keyring, now: () => NOW + 86_400_000 })
  const arriving = memoryLog([])
  const oneByOne = openPatientHistory({ log: arriving.log, keyring, now: () => NOW + 86_400_000 })
  for (const b of [...blocks].reverse()) arriving.deliver([b])
  return [shown(atOnce.entries()), shown(oneByOne.entries())]
}

const allergy = write(penicillin, PATIENT)
const allergyBlocks = [block(write(hypertension, PATIENT), 1), block(allergy, 2)]
/** The doctor's parentless entry at clock 1 carrying the id of the patient's allergy entry: "no known allergy". */
const refuted: HistoryRecord = {
  ...penicillin,
  id: 'refuted',
  verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'refuted' }] },
  note: [{ text: 'No known allergy' }]
}
const shadow: HistoryEntry = { ...write(refuted, DOCTOR), id: allergy.id }

describe('a doctor\'s entry carrying the id of the patient\'s record', () => {
  it('never hides the patient\'s allergy: the doctor\'s shows beside it as a conflicting copy, in either order of arrival', () => {
    const [first, second] = bothOrders([block(shadow, 1), ...allergyBlocks])
    expect(first).toEqual(second)
    const mine = first.find((r) => r.latest === entryKey(allergy))
    expect(mine).toEqual({ writer: PATIENT, record: 'penicillin', latest: entryKey(allergy), copyOf: undefined, refused: [] })
    expect(first.find((r) => r.writer === DOCTOR)).toEqual({ writer: DOCTOR, record: 'refuted', latest: entryKey(shadow), copyOf: PATIENT, refused: [] })
  })

  it('is no duplicate in the log\'s blocks: both are drawn, each with its writer', () => {
    const history = openPatientHistory({ log: memoryLog([block(shadow, 1), ...allergyBlocks]).log, keyring, now: () => NOW + 86_400_000 })
    const blocks = history.blocks().filter((b) => b.entry?.id === allergy.id)
    expect(blocks.map((b) => [b.writer, b.entry?.writer, b.duplicate ?? false])).toEqual([
      [DOCTOR, DOCTOR, false],
      [PATIENT, PATIENT, false]
    ])
    expect(history.query({ types: ['AllergyIntolerance'] }).map((e) => e.writer).sort()).toEqual([PATIENT, DOCTOR])
  })

  it('cannot say the patient wrote it: a block the doctor signed, naming the patient as writer, is not read', () => {
    const forged: HistoryEntry = { ...write(refuted, PATIENT), id: allergy.id }
    const history = openPatientHistory({ log: memoryLog([block(forged, 1, { signer: DOCTOR }), ...allergyBlocks]).log, keyring, now: () => NOW + 86_400_000 })
    expect(history.entries().filter((e) => e.id === allergy.id)).toEqual([allergy])
    expect(history.unreadable()).toHaveLength(1)
  })
})

describe('corrections follow the record\'s first author, proven by the signed block', () => {
  const correction = (record: HistoryRecord, writer: string, of: HistoryEntry): HistoryEntry => write(record, writer, of)
  const crossedOut: HistoryRecord = { ...penicillin, verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'refuted' }] }, note: [{ text: 'Not allergic after all' }] }

  it('a doctor\'s correction of the patient\'s allergy is ignored and reported, in either order of arrival', () => {
    const byDoctor = correction(crossedOut, DOCTOR, allergy)
    const [first, second] = bothOrders([...allergyBlocks, block(byDoctor, 3, { next: [allergyBlocks[1]?.hash ?? ''] })])
    expect(first).toEqual(second)
    expect(first.find((r) => r.record === 'penicillin')).toEqual({ writer: PATIENT, record: 'penicillin', latest: entryKey(allergy), copyOf: undefined, refused: [entryKey(byDoctor)] })
  })

  it('with a copy of the id first, the doctor\'s correction changes only the doctor\'s copy', () => {
    const byDoctor = correction({ ...crossedOut, id: 'refuted' }, DOCTOR, shadow)
    const [first, second] = bothOrders([block(shadow, 1), block(byDoctor, 2), ...allergyBlocks])
    expect(first).toEqual(second)
    expect(first.find((r) => r.record === 'penicillin')?.latest).toBe(entryKey(allergy))
    expect(first.find((r) => r.writer === DOCTOR)).toMatchObject({ latest: entryKey(byDoctor), copyOf: PATIENT })
  })

  it('the author\'s correction is applied, and so is the patient\'s; another doctor\'s is ignored', () => {
    const diagnosis = write(hypertension, DOCTOR)
    const resolved = { ...hypertension, note: [{ text: 'resolved with weight loss' }] }
    const byAuthor = correction(resolved, DOCTOR, diagnosis)
    const byPatient = correction({ ...resolved, note: [{ text: 'resolved, my doctor agrees' }] }, PATIENT, byAuthor)
    const byOther = correction({ ...resolved, note: [{ text: 'never had it' }] }, OTHER_DOCTOR, byPatient)
    const [first, second] = bothOrders([block(diagnosis, 1), block(byAuthor, 2), block(byPatient, 3), block(byOther, 4)])
    expect(first).toEqual(second)
    expect(first).toEqual([{ writer: DOCTOR, record: 'hypertension', latest: entryKey(byPatient), copyOf: undefined, refused: [entryKey(byOther)] }])
  })

  it('the history refuses to write a correction its writer may not make', async () => {
    const { log } = memoryLog(allergyBlocks, DOCTOR)
    const doctorsView = openPatientHistory({ log, keyring, now: () => NOW + 86_400_000 })
    await expect(doctorsView.amend(allergy.id, crossedOut)).rejects.toThrow(`only ${PATIENT}, who first wrote the record, or the patient may correct it`)
    expect(log.entries()).toHaveLength(2)
  })
})

describe('one writer\'s two blocks with one entry id', () => {
  const first = write(penicillin, DOCTOR)
  const second: HistoryEntry = { ...write({ ...penicillin, note: [{ text: 'second version' }] }, DOCTOR), id: first.id }

  it('count once: the earliest by clock, whichever arrives first; the other is a duplicate', () => {
    const early = block(second, 1)
    const late = block(first, 5)
    const [a, b] = bothOrders([late, early])
    expect(a).toEqual(b)
    expect(a).toEqual([{ writer: DOCTOR, record: 'penicillin', latest: entryKey(second), copyOf: undefined, refused: [] }])
    const history = openPatientHistory({ log: memoryLog([late, early]).log, keyring, now: () => NOW + 86_400_000 })
    expect(history.entries()).toEqual([second])
    expect(history.blocks().find((b) => b.hash === late.hash)?.duplicate).toBe(true)
  })

  it('at one clock time, the lower hash counts', () => {
    const high = block(first, 3, { hash: 'bafy-zzz' })
    const low = block(second, 3, { hash: 'bafy-aaa' })
    for (const order of [[high, low], [low, high]]) {
      const arriving = memoryLog([])
      const history = openPatientHistory({ log: arriving.log, keyring, now: () => NOW + 86_400_000 })
      for (const b of order) arriving.deliver([b])
      expect(history.entries()).toEqual([second])
    }
  })
})

describe('records added while others are on their way into the log', () => {
  it('are checked against those too: the same record added twice at once is written once, the second refused', async () => {
    const stored: Uint8Array[][] = []
    let release: () => void = () => undefined
    const memory = memoryLog([])
    const log = memory.log
    // A log that stores the first append only when told, as IndexedDB takes its time.
    const slow: HistoryLog = {
      ...log,
      entries: () => log.entries(),
      subscribe: (listener) => log.subscribe(listener),
      append: async (payloads) => {
        stored.push([...payloads])
        if (stored.length === 1) await new Promise<void>((resolve) => (release = resolve))
        memory.deliver(payloads.map((payload, i) => ({ hash: `bafy-slow-${stored.length}-${i}`, payload, writer: patient, next: [], clock: { time: stored.length * 10 + i } })))
      }
    }
    const history = openPatientHistory({ log: slow, keyring, now: () => NOW + 86_400_000 })
    const first = history.addMany([penicillin])
    expect(() => history.addMany([penicillin])).toThrow(expect.objectContaining({ code: 'DUPLICATE_RECORD' }) as Error)
    release()
    await first
    expect(stored).toHaveLength(1)
    expect(history.entries().map((e) => e.record.id)).toEqual(['penicillin'])
  })
})

describe('opening what arrives', () => {
  it('decodes each record a sync brings once, and none this device wrote', async () => {
    const memory = memoryLog([])
    const history = openPatientHistory({ log: memory.log, keyring, now: () => NOW + 86_400_000 })
    decodes.count = 0
    await history.addMany([penicillin, hypertension])
    expect(history.entries()).toHaveLength(2)
    expect(decodes.count).toBe(0)
    // Written on another of the patient's devices: its epoch is noted and it is opened, from one decode.
    const elsewhere = [block(write(penicillin, PATIENT), 10), block(write(hypertension, PATIENT), 11)]
    memory.deliver(elsewhere)
    expect(history.entries()).toHaveLength(4)
    expect(decodes.count).toBe(2)
  })
})
