// The categories' names as the records pages show them.
import type { Category } from '../../history/index.ts'

export const CATEGORY_NAMES: Readonly<Record<Category, string>> = {
  conditions: 'Conditions',
  medications: 'Medicines',
  allergies: 'Allergies',
  procedures: 'Procedures',
  immunizations: 'Immunizations',
  results: 'Results',
  reports: 'Reports',
  familyHistory: 'Family history',
  notes: 'Visits, requests and outcomes'
}
