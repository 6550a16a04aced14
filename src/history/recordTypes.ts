// The FHIR R4 resource types the history keeps, typed by @medplum/fhirtypes.
import type {
  AllergyIntolerance,
  Basic,
  ClinicalImpression,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  FamilyMemberHistory,
  Immunization,
  Media,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
  ServiceRequest
} from '@medplum/fhirtypes'

/**
 * A record the history keeps: one of the fifteen FHIR R4 resource types it knows. Fourteen are
 * clinical records (DocumentReference and Media carry an attached file, see src/history/attachment.ts);
 * Basic holds what the patient writes about themself that no clinical type
 * does (their emergency profile), and is never drawn as a clinical record.
 */
export type HistoryRecord =
  | Condition
  | Observation
  | MedicationStatement
  | MedicationRequest
  | AllergyIntolerance
  | Procedure
  | Immunization
  | FamilyMemberHistory
  | DiagnosticReport
  | Encounter
  | ServiceRequest
  | ClinicalImpression
  | DocumentReference
  | Media
  | Basic

/** The resourceType of a record the history keeps. */
export type RecordType = HistoryRecord['resourceType']

/** A record of one type: `RecordOf<'Condition'>` is a Condition. */
export type RecordOf<T extends RecordType> = Extract<HistoryRecord, { resourceType: T }>

/** Every record type the history keeps. */
export const RECORD_TYPES = [
  'Condition',
  'Observation',
  'MedicationStatement',
  'MedicationRequest',
  'AllergyIntolerance',
  'Procedure',
  'Immunization',
  'FamilyMemberHistory',
  'DiagnosticReport',
  'Encounter',
  'ServiceRequest',
  'ClinicalImpression',
  'Basic',
  'DocumentReference',
  'Media'
] as const satisfies readonly RecordType[]

/** Fails to compile if a type is added to HistoryRecord but not to RECORD_TYPES. */
export const EVERY_RECORD_TYPE_LISTED: Exclude<RecordType, (typeof RECORD_TYPES)[number]> extends never ? true : false = true

/** Whether a value is the resourceType of a record the history keeps. */
export function isRecordType(value: unknown): value is RecordType {
  return typeof value === 'string' && (RECORD_TYPES as readonly string[]).includes(value)
}

/** How other records refer to this one: "Condition/<id>". Amendments keep the id, so the key names the latest version. */
export function recordKey(record: HistoryRecord): string {
  return `${record.resourceType}/${record.id ?? ''}`
}
