// The import flow as the page drives it, over a history kept in memory whose add validates each
// record as the real one does: preview, batches with progress, the patient's choice on refusals,
// a second import that adds nothing, and a file refused whole before it is read.
import { describe, expect, it } from 'vitest'
import { importFixture } from '../../test/fixtures/importFixtures.ts'
import { createEntry, MAX_IMPORT_BYTES, type HistoryEntry, type HistoryRecord } from '../history/index.ts'
import type { Cell } from './cell.ts'
import { createImportFlow, FIRST_BATCH, type ImportStep, type ImportTarget } from './importRecords.ts'

const PATIENT = '0x1111111111111111111111111111111111111111'
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0)

function memoryTarget(failAfter = Infinity): ImportTarget & { entries: HistoryEntry[]; batches: number[] } {
  const entries: HistoryEntry[] = []
  const batches: number[] = []
  return {
    entries,
    batches,
    history: { patient: PATIENT, entries: () => entries },
    add(records: readonly HistoryRecord[]) {
      if (entries.length + records.length > failAfter) return Promise.reject(new Error('The browser has no room left for this site.'))
      for (const record of records) entries.push(createEntry({ record, writer: PATIENT, patient: PATIENT, now: NOW }))
      batches.push(records.length)
      return Promise.resolve(records.length)
    }
  }
}
const source = (name: string, bytes: Uint8Array) => ({ name, size: bytes.length, bytes: () => Promise.resolve(bytes) })
const steps = (cell: Cell<ImportStep>): ImportStep[] => {
  const seen: ImportStep[] = []
  cell.subscribe((step) => seen.push(step))
  return seen
}
const flowOver = (target: ImportTarget, batch = 10) => createImportFlow({ target: () => target, clock: { now: () => NOW }, batch, yieldToPage: () => Promise.resolve() })

describe('importing a file into the own history', () => {
  it('previews, then writes in batches with progress, and a second import adds nothing', async () => {
    const target = memoryTarget()
    const flow = flowOver(target)
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    const preview = flow.step.get()
    if (preview.step !== 'preview') throw new Error(`expected a preview, got ${preview.step}`)
    const total = preview.plan.records.length
    expect(target.entries).toEqual([])
    const seen = steps(flow.step)
    await flow.write('nothing-if-refused')
    expect(target.entries).toHaveLength(total)
    expect(target.batches.every((n) => n <= 10)).toBe(true)
    const progress = seen.flatMap((s) => (s.step === 'writing' ? [s.written] : []))
    expect(progress[0]).toBe(0)
    expect(progress.at(-1)).toBe(total)
    expect(flow.step.get()).toMatchObject({ step: 'done', written: total, duplicates: 0, refused: 0 })

    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await flow.write('nothing-if-refused')
    expect(flow.step.get()).toMatchObject({ step: 'done', written: 0, duplicates: total })
    expect(target.entries).toHaveLength(total)
  })

  it('writes nothing when anything is refused and the patient chose so, and every valid record when they chose that', async () => {
    const lines = new TextDecoder().decode(importFixture('bulk-export.ndjson')).trim().split('\n')
    const broken = new TextEncoder().encode([...lines, '{"resourceType": "Condition", "broken'].join('\n'))
    const target = memoryTarget()
    const flow = flowOver(target)
    await flow.choose(source('bulk.ndjson', broken))
    await flow.write('nothing-if-refused')
    expect(flow.step.get()).toEqual({ step: 'refused', name: 'bulk.ndjson', error: expect.stringMatching(/1 part of bulk.ndjson could not be imported .* Nothing was written\./) as unknown })
    expect(target.entries).toEqual([])

    await flow.choose(source('bulk.ndjson', broken))
    await flow.write('every-valid-record')
    expect(flow.step.get()).toMatchObject({ step: 'done', written: 5, refused: 1, skipped: 1 })
  })

  it('refuses a file above the limit before reading a byte of it, and a file that is not FHIR with a clear message', async () => {
    const target = memoryTarget()
    const flow = flowOver(target)
    let read = false
    await flow.choose({ name: 'huge.json', size: MAX_IMPORT_BYTES * 10, bytes: () => ((read = true), Promise.resolve(new Uint8Array())) })
    expect(read).toBe(false)
    expect(flow.step.get()).toEqual({ step: 'refused', name: 'huge.json', error: 'huge.json is 500.0 MB; the import reads files of at most 50 MB. Nothing was read or written.' })
    await flow.choose(source('notes.txt', new TextEncoder().encode('Blood pressure 130/85 on 2 March')))
    expect(flow.step.get()).toEqual({ step: 'refused', name: 'notes.txt', error: expect.stringMatching(/^notes.txt is not JSON: .* Nothing was written\.$/) as unknown })
    expect(target.entries).toEqual([])
  })

  it('says how many records were written when writing stops part-way, and importing again adds the rest', async () => {
    const target = memoryTarget(20)
    const flow = flowOver(target)
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await flow.write('nothing-if-refused')
    expect(flow.step.get()).toMatchObject({ step: 'failed', written: 20, error: 'The browser has no room left for this site.' })
    const first = [...target.entries]

    const rest = memoryTarget()
    rest.entries.push(...first)
    const again = flowOver(rest)
    await again.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await again.write('nothing-if-refused')
    expect(again.step.get()).toMatchObject({ step: 'done', duplicates: 20 })
    // What was there is untouched.
    expect(rest.entries.slice(0, 20)).toEqual(first)
  })

  it('matches the file again against the history as it is when writing: what arrived after the preview is not added twice', async () => {
    const target = memoryTarget()
    const first = flowOver(target)
    const second = flowOver(target)
    await first.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await second.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await second.write('nothing-if-refused')
    const written = target.entries.length
    expect(written).toBeGreaterThan(0)
    await first.write('nothing-if-refused')
    expect(first.step.get()).toMatchObject({ step: 'done', written: 0, duplicates: written })
    expect(target.entries).toHaveLength(written)
  })

  it('writes every batch inside one bulk write, so the history verifies once, after the last', async () => {
    const target = memoryTarget()
    const during: number[] = []
    let open = false
    const bulkTarget: ImportTarget = {
      history: target.history,
      add: (records) => {
        if (open) during.push(records.length)
        return target.add(records)
      },
      async bulk(work) {
        open = true
        try {
          return await work()
        } finally {
          open = false
        }
      }
    }
    const flow = flowOver(bulkTarget)
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await flow.write('nothing-if-refused')
    expect(during).toEqual(target.batches)
    expect(during.length).toBeGreaterThan(1)
  })

  it('tells the history\'s log, when the preview shows records to write, that writes will follow (and not for a file with nothing to add)', async () => {
    const target = memoryTarget()
    let told = 0
    const log = {
      prepareToWrite: () => {
        told += 1
      }
    }
    const flow = flowOver({ ...target, log })
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    expect(flow.step.get().step).toBe('preview')
    expect(told).toBe(1)
    await flow.write('nothing-if-refused')
    const written = target.entries.length
    expect(written).toBeGreaterThan(0)
    // The same file again: everything is in the history already, so nothing is to be written.
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    expect(flow.step.get()).toMatchObject({ step: 'preview', plan: { records: [] } })
    expect(told).toBe(1)
  })

  it('writes a small first batch, so signing starts early, then full batches', async () => {
    const target = memoryTarget()
    const flow = createImportFlow({ target: () => target, clock: { now: () => NOW }, batch: 40, yieldToPage: () => Promise.resolve() })
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    await flow.write('nothing-if-refused')
    expect(target.batches[0]).toBe(Math.min(FIRST_BATCH, 40))
    expect(target.batches.slice(1, -1).every((n) => n === 40)).toBe(true)
    expect(target.batches.reduce((sum, n) => sum + n, 0)).toBe(target.entries.length)
  })

  it('imports the records of the person in the file the patient says is them', async () => {
    const target = memoryTarget()
    const flow = flowOver(target)
    await flow.choose(source('synthea.json', importFixture('synthea-transaction.json')))
    const preview = flow.step.get()
    if (preview.step !== 'preview') throw new Error('expected a preview')
    const last = preview.plan.people.at(-1)
    flow.pick(last?.key ?? '')
    await flow.write('nothing-if-refused')
    expect(target.entries).toHaveLength(last?.records ?? -1)
  })
})
