// The categories a patient grants access by. The consent contract keeps a grant's
// scope as a bitmask over this list: bit i is CATEGORIES[i]. The order is part of the
// on-chain format: never reorder or remove; add new categories at the end only.
import type { RecordType } from './recordTypes.ts'

/**
 * The record categories a patient grants access by, in the order of their bits in a grant's
 * scope on-chain: never reorder or remove, add at the end only.
 */
export const CATEGORIES = [
  'conditions',
  'medications',
  'allergies',
  'procedures',
  'immunizations',
  'results',
  'reports',
  'familyHistory',
  'notes'
] as const

/** A record category a patient grants access by: `conditions`, `medications`, …. */
export type Category = (typeof CATEGORIES)[number]

/** Each category as a patient or doctor reads it, in grants and in refusals. */
export const CATEGORY_WORDS: Readonly<Record<Category, string>> = {
  conditions: 'conditions',
  medications: 'medications',
  allergies: 'allergies',
  procedures: 'procedures',
  immunizations: 'immunizations',
  results: 'results',
  reports: 'reports',
  familyHistory: 'family history',
  notes: 'notes (requests, visits, outcomes and your emergency profile)'
}

/** Which category each record type belongs to; by type alone, so a grant means the same for every record of a type. */
export const CATEGORY_OF_TYPE: Readonly<Record<RecordType, Category>> = {
  Condition: 'conditions',
  MedicationStatement: 'medications',
  MedicationRequest: 'medications',
  AllergyIntolerance: 'allergies',
  Procedure: 'procedures',
  Immunization: 'immunizations',
  Observation: 'results',
  DiagnosticReport: 'reports',
  // Files attached to the history (a report's PDF, an image): read by whoever may read reports.
  DocumentReference: 'reports',
  Media: 'reports',
  FamilyMemberHistory: 'familyHistory',
  // The visit's own notes: the encounter, requests for more information, and the outcome.
  Encounter: 'notes',
  ServiceRequest: 'notes',
  ClinicalImpression: 'notes',
  // The patient's emergency profile (blood group, contacts, directive): read by whoever may read their notes.
  Basic: 'notes'
}

/** The category a record belongs to, by its resource type alone. */
export function categoryOf(record: { resourceType: RecordType }): Category {
  return CATEGORY_OF_TYPE[record.resourceType]
}
