// The record categories a treating doctor needs when the patient cannot speak for themself:
// what a guardian's emergency grant opens, and the only categories whose keys a guardian and
// an emergency grantee ever receive. Named once here, so the grant's scope, the key drops and
// the guardian's screens cannot disagree.
import { CATEGORIES, type Category } from './categories.ts'

/**
 * The emergency categories: active problems (conditions), current medicines, allergies and
 * intolerances, procedures (implants and devices among them), immunizations and key results.
 * Reports, family history and visit notes stay closed to a guardian and to an emergency grantee.
 */
export const EMERGENCY_CATEGORIES: readonly Category[] = ['conditions', 'medications', 'allergies', 'procedures', 'immunizations', 'results']

/** Whether `category` is one of the {@link EMERGENCY_CATEGORIES}. */
export function isEmergencyCategory(category: Category): boolean {
  return EMERGENCY_CATEGORIES.includes(category)
}

/** The emergency categories' indexes in {@link CATEGORIES} (their bits in a grant's scope and their key slots). */
export const EMERGENCY_CATEGORY_INDEXES: readonly number[] = EMERGENCY_CATEGORIES.map((category) => CATEGORIES.indexOf(category))
