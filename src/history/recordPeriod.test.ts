import { describe, expect, it } from 'vitest'
import { CONDITION_CLINICAL } from './codeSystems.ts'
import { recordPeriod } from './recordPeriod.ts'
import { fixtureRecords } from '../../test/fixtures/recordFixtures.ts'

const r = fixtureRecords()

describe('recordPeriod', () => {
  it('an active condition lasts from its onset until now and on', () => {
    expect(recordPeriod(r.hypertension)).toEqual({ start: Date.UTC(2019, 4, 1), end: Infinity })
  })

  it('an abated condition ends at its abatement', () => {
    const resolved = { ...r.hypertension, clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'resolved' }] }, abatementDateTime: '2021-01-01' }
    expect(recordPeriod(resolved)).toEqual({ start: Date.UTC(2019, 4, 1), end: Date.UTC(2021, 0, 2) })
  })

  it('a prescription lasts for its validity period; a procedure is a moment', () => {
    expect(recordPeriod(r.ibuprofen)).toEqual({ start: Date.UTC(2024, 2, 12), end: Date.UTC(2024, 5, 13) })
    expect(recordPeriod(r.arthroscopy)).toEqual({ start: Date.UTC(2024, 5, 1, 6), end: Date.UTC(2024, 5, 1, 6) + 1 })
  })

  it('a record without dates has no period of its own', () => {
    expect(recordPeriod(r.father)).toBeUndefined()
  })
})
