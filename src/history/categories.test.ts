import { describe, expect, it } from 'vitest'
import { CATEGORIES, CATEGORY_OF_TYPE, categoryOf } from './categories.ts'
import { oneOfEachType } from '../../test/fixtures/recordFixtures.ts'
import { RECORD_TYPES } from './recordTypes.ts'

describe('categories', () => {
  it('keep their on-chain order: bit i is CATEGORIES[i] (pinned; append only)', () => {
    expect(CATEGORIES).toEqual(['conditions', 'medications', 'allergies', 'procedures', 'immunizations', 'results', 'reports', 'familyHistory', 'notes'])
  })

  it('every record type has one, and every category holds a type', () => {
    for (const type of RECORD_TYPES) expect(CATEGORIES).toContain(CATEGORY_OF_TYPE[type])
    expect(new Set(Object.values(CATEGORY_OF_TYPE))).toEqual(new Set(CATEGORIES))
    const records = oneOfEachType()
    expect(categoryOf(records.MedicationRequest)).toBe('medications')
    expect(categoryOf(records.ServiceRequest)).toBe('notes')
  })
})
