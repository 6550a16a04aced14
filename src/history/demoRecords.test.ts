import { describe, expect, it } from 'vitest'
import { DEMO_PATIENT } from './demoPatient.ts'
import { demoRecordsFor, moveToPatient } from './demoRecords.ts'
import { isDemoRecord } from './demoTag.ts'
import { prepareAddMany } from './historyLog.ts'
import type { HistoryRecord } from './recordTypes.ts'

const me = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

describe('the demo patient loaded into a user\'s own history', () => {
  const records = demoRecordsFor(me, 400)

  it('is about the user, never the demo patient, and every record is tagged as demo data', () => {
    expect(records.length).toBeGreaterThan(300)
    expect(JSON.stringify(records)).not.toContain(DEMO_PATIENT.toLowerCase())
    expect(records.every(isDemoRecord)).toBe(true)
  })

  it('joins an empty history as one batch that passes validation, written by the user', () => {
    const entries = prepareAddMany([], records, { writer: me, patient: me, now: Date.UTC(2026, 10, 1) })
    expect(entries).toHaveLength(records.length)
    expect(new Set(entries.map((entry) => entry.record.id)).size).toBe(records.length)
  })

  it('changes only the references to the demo patient, never an address written in a record\'s text', () => {
    const first = records[0]
    if (first === undefined) throw new Error('no demo record')
    const note = `Letter copied to ${DEMO_PATIENT} and to Patient/${DEMO_PATIENT}`
    type WithSubject = HistoryRecord & { subject: { reference: string }; note: { text: string }[] }
    const demo = { ...first, subject: { reference: `Patient/${DEMO_PATIENT}` }, note: [{ text: note }] } as WithSubject
    const moved = moveToPatient(demo, me) as WithSubject
    expect(moved.subject.reference).toBe(`Patient/${me}`)
    expect(moved.note[0]?.text).toBe(note)
    expect(demo.subject).toEqual({ reference: `Patient/${DEMO_PATIENT}` })
  })

  it('tells a demo record from one the user typed', () => {
    const first = records[0]
    if (first === undefined) throw new Error('no demo record')
    expect(isDemoRecord({ ...first, meta: { tag: [{ system: 'http://example.org/tags', code: 'demo' }] } })).toBe(false)
    expect(isDemoRecord({ ...first, meta: {} })).toBe(false)
  })
})
