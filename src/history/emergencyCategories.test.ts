import { describe, expect, it } from 'vitest'
import { CATEGORIES } from './categories.ts'
import { EMERGENCY_CATEGORIES, EMERGENCY_CATEGORY_INDEXES, isEmergencyCategory } from './emergencyCategories.ts'

describe('emergency categories', () => {
  it('open problems, medicines, allergies, procedures, immunizations and results, and nothing else', () => {
    expect([...EMERGENCY_CATEGORIES].sort()).toEqual(['allergies', 'conditions', 'immunizations', 'medications', 'procedures', 'results'])
    expect(CATEGORIES.filter((category) => !isEmergencyCategory(category))).toEqual(['reports', 'familyHistory', 'notes'])
  })

  it('are indexed by their bit in a grant scope', () => {
    expect(EMERGENCY_CATEGORY_INDEXES).toEqual([0, 1, 2, 3, 4, 5])
  })
})
