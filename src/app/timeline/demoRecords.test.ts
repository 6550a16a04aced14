import { describe, expect, it } from 'vitest'
import { prepareAddMany } from '../../history/index.ts'
import { DEMO_PATIENT } from '../../viz/index.ts'
import { demoRecordsFor } from './demoRecords.ts'
import { isDemoRecord } from './demoTag.ts'

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

  it('tells a demo record from one the user typed', () => {
    const first = records[0]
    if (first === undefined) throw new Error('no demo record')
    expect(isDemoRecord({ ...first, meta: { tag: [{ system: 'http://example.org/tags', code: 'demo' }] } })).toBe(false)
    expect(isDemoRecord({ ...first, meta: {} })).toBe(false)
  })
})
