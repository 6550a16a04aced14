// How the views name a record and its state, in the words a patient or doctor uses.
import type { CodeableConcept } from '@medplum/fhirtypes'
import type { HistoryRecord } from '../history/index.ts'

const conceptText = (concept: CodeableConcept | undefined): string | undefined =>
  concept?.text ?? concept?.coding?.find((c) => c.display !== undefined)?.display ?? concept?.coding?.[0]?.code

const TYPE_NAMES: Record<HistoryRecord['resourceType'], string> = {
  Condition: 'condition',
  Observation: 'result',
  MedicationStatement: 'medicine',
  MedicationRequest: 'prescription',
  AllergyIntolerance: 'allergy',
  Procedure: 'procedure',
  Immunization: 'immunization',
  FamilyMemberHistory: 'family history',
  DiagnosticReport: 'report',
  Encounter: 'visit',
  ServiceRequest: 'request',
  ClinicalImpression: 'outcome',
  DocumentReference: 'document',
  Media: 'image',
  Basic: 'profile'
}

/** "condition", "prescription", "result": what kind of record this is. */
export function recordTypeName(record: HistoryRecord): string {
  return TYPE_NAMES[record.resourceType]
}

function valueText(record: HistoryRecord & { resourceType: 'Observation' }): string | undefined {
  if (record.valueQuantity?.value !== undefined) return `${record.valueQuantity.value} ${record.valueQuantity.unit ?? ''}`.trim()
  if (record.valueInteger !== undefined) return String(record.valueInteger)
  if (record.valueString !== undefined) return record.valueString
  return conceptText(record.valueCodeableConcept)
}

/** A short name for a record: "Osteoarthritis of knee", "Ibuprofen", "Systolic blood pressure 128 mmHg". */
export function recordLabel(record: HistoryRecord): string {
  switch (record.resourceType) {
    case 'Condition':
    case 'AllergyIntolerance':
    case 'Procedure':
    case 'DiagnosticReport':
    case 'ServiceRequest':
      return conceptText(record.code) ?? TYPE_NAMES[record.resourceType]
    case 'Observation': {
      const value = valueText(record)
      return `${conceptText(record.code) ?? 'Result'}${value === undefined ? '' : `: ${value}`}`
    }
    case 'MedicationStatement':
    case 'MedicationRequest':
      return conceptText(record.medicationCodeableConcept) ?? record.medicationReference?.display ?? 'Medicine'
    case 'Immunization':
      return conceptText(record.vaccineCode) ?? 'Immunization'
    case 'FamilyMemberHistory':
      return `${conceptText(record.relationship) ?? 'Relative'}: ${record.condition?.map((c) => conceptText(c.code)).join(', ') ?? 'history'}`
    case 'Encounter':
      return `Visit${record.class.display === undefined ? '' : ` (${record.class.display})`}`
    case 'ClinicalImpression':
      return record.summary ?? 'Outcome'
    case 'Basic':
      return conceptText(record.code) ?? 'Profile'
    case 'DocumentReference':
      return record.description ?? record.content[0]?.attachment.title ?? conceptText(record.type) ?? 'Document'
    case 'Media':
      return record.content.title ?? conceptText(record.type) ?? 'Image'
  }
}

export type RecordState = 'active' | 'resolved' | 'event'

const codes = (concept: CodeableConcept | undefined): string[] => (concept?.coding ?? []).map((c) => c.code ?? '')

/** Whether a record is still going on (an active condition, allergy or medicine), over, or a single event. */
export function recordState(record: HistoryRecord): RecordState {
  switch (record.resourceType) {
    case 'Condition':
      return codes(record.clinicalStatus).some((c) => c === 'active' || c === 'recurrence' || c === 'relapse') ? 'active' : 'resolved'
    case 'AllergyIntolerance':
      return codes(record.clinicalStatus).includes('active') ? 'active' : 'resolved'
    case 'MedicationStatement':
    case 'MedicationRequest':
      return record.status === 'active' ? 'active' : 'resolved'
    default:
      return 'event'
  }
}
