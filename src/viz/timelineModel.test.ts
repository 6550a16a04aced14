import { describe, expect, it } from 'vitest'
import { createEntry, entryKey, type HistoryEntry, type HistoryRecord } from '../history/index.ts'
import { DOCTOR, fixtureRecords, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import type { HistoryBlock } from './historyBlock.ts'
import { describeMark } from './timelineRenderer.ts'
import { buildTimelineModel } from './timelineModel.ts'

const { penicillin, hypertension } = fixtureRecords()
let minute = 0
const write = (record: HistoryRecord, writer: string, amends?: HistoryEntry): HistoryEntry =>
  createEntry({ record, writer, now: NOW + ++minute * 60_000, patient: PATIENT, ...(amends === undefined ? {} : { amends: amends.id }) })
const blockOf = (entry: HistoryEntry, i: number): HistoryBlock => ({ entryHash: `bafy-${i}`, previous: [], verdict: 'unanchored', writer: entry.writer, entry })

describe('buildTimelineModel over entries another writer copied or tried to correct', () => {
  const allergy = write(penicillin, PATIENT)
  const diagnosis = write(hypertension, PATIENT)
  // A doctor's entry with the id of the patient's allergy entry, and a doctor's correction of the patient's diagnosis.
  const copy: HistoryEntry = { ...write({ ...penicillin, id: 'no-allergy', note: [{ text: 'No known allergy' }] }, DOCTOR), id: allergy.id }
  const correction = write({ ...hypertension, note: [{ text: 'never had it' }] }, DOCTOR, diagnosis)
  const model = buildTimelineModel([copy, allergy, diagnosis, correction].map(blockOf), { patient: PATIENT, now: NOW + 86_400_000 })

  it('draws the patient\'s allergy and the doctor\'s copy as two records, each known by writer and id', () => {
    const allergies = model.items.filter((item) => item.lane === 'allergies')
    expect(allergies.map((item) => [item.id, item.entry.writer, item.copyOf])).toEqual(
      expect.arrayContaining([
        [entryKey(allergy), PATIENT, undefined],
        [entryKey(copy), DOCTOR, PATIENT]
      ])
    )
    expect(model.byId.size).toBe(model.items.length)
  })

  it('keeps the patient\'s diagnosis as written and lists the doctor\'s correction as ignored', () => {
    const item = model.byId.get(entryKey(diagnosis))
    expect(item?.entry).toBe(diagnosis)
    expect(item?.refused.map((r) => r.entry)).toEqual([correction])
    expect(model.items.some((i) => i.entry === correction)).toBe(false)
  })

  it('tells a screen reader which record is a conflicting copy, and by whom', () => {
    const item = model.byId.get(entryKey(copy))
    if (item === undefined) throw new Error('no copy drawn')
    const mark = { kind: 'item' as const, item, lane: item.lane, row: 0, x0: 0, x1: 1, y0: 0, y1: 1 }
    expect(describeMark(mark, model.now)).toContain(`a conflicting copy written by ${DOCTOR}`)
    const own = model.byId.get(entryKey(allergy))
    if (own === undefined) throw new Error('no allergy drawn')
    expect(describeMark({ ...mark, item: own }, model.now)).not.toContain('conflicting copy')
  })
})
