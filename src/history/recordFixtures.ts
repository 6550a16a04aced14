// Hand-made records of every type for tests (no real person's data): a patient with
// a left-knee problem worked up and treated through a whole diagnostic chain, a
// treated hypertension, a penicillin allergy, a flu shot and a family history.
import type {
  AllergyIntolerance,
  ClinicalImpression,
  Condition,
  DiagnosticReport,
  Encounter,
  FamilyMemberHistory,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
  ServiceRequest
} from '@medplum/fhirtypes'
import { bodySiteConcept } from './bodySite.ts'
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, CONDITION_CLINICAL, CONDITION_VERIFICATION, CVX, ICD_10, LOINC, RXNORM, SNOMED_CT, UCUM, V3_ACT_CODE, V3_ROLE_CODE } from './codeSystems.ts'
import type { HistoryRecord, RecordType } from './recordTypes.ts'

export const PATIENT = '0x1111111111111111111111111111111111111111'
export const DOCTOR = '0x2222222222222222222222222222222222222222'
export const OTHER_DOCTOR = '0x3333333333333333333333333333333333333333'
/** A fixed "now" after every fixture date. */
export const NOW = Date.UTC(2026, 10, 3, 12, 0, 0)

const subject = { reference: `Patient/${PATIENT}` }
const leftKnee = bodySiteConcept({ code: '72696002', display: 'Knee region structure', laterality: 'left' })
const status = (system: string, code: string) => ({ coding: [{ system, code }] })

export function fixtureRecords() {
  const kneeMri: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: 'knee-mri',
    status: 'completed',
    intent: 'order',
    code: { coding: [{ system: SNOMED_CT, code: '113091000', display: 'Magnetic resonance imaging' }], text: 'MRI of the left knee' },
    subject,
    authoredOn: '2024-03-01',
    bodySite: [leftKnee],
    reasonCode: [{ text: 'Knee pain on stairs for three months' }]
  }
  const cartilage: Observation = {
    resourceType: 'Observation',
    id: 'cartilage',
    status: 'final',
    code: { text: 'Medial cartilage thickness' },
    subject,
    basedOn: [{ reference: 'ServiceRequest/knee-mri' }],
    effectiveDateTime: '2024-03-10T09:30:00+01:00',
    valueQuantity: { value: 1.2, unit: 'mm', system: UCUM, code: 'mm' },
    referenceRange: [{ low: { value: 2, unit: 'mm', system: UCUM, code: 'mm' }, high: { value: 3, unit: 'mm', system: UCUM, code: 'mm' } }],
    bodySite: leftKnee
  }
  const mriReport: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: 'knee-mri-report',
    status: 'final',
    code: { text: 'MRI left knee' },
    subject,
    basedOn: [{ reference: 'ServiceRequest/knee-mri' }],
    effectiveDateTime: '2024-03-10T09:30:00+01:00',
    issued: '2024-03-11T14:00:00Z',
    result: [{ reference: 'Observation/cartilage' }],
    conclusion: 'Medial compartment cartilage loss.',
    presentedForm: [{ contentType: 'application/pdf', data: 'JVBERi0xLjQK', title: 'MRI report' }]
  }
  const osteoarthritis: Condition = {
    resourceType: 'Condition',
    id: 'knee-oa',
    clinicalStatus: status(CONDITION_CLINICAL, 'active'),
    verificationStatus: status(CONDITION_VERIFICATION, 'confirmed'),
    code: {
      coding: [
        { system: SNOMED_CT, code: '239873007', display: 'Osteoarthritis of knee' },
        { system: ICD_10, code: 'M17.1' }
      ]
    },
    bodySite: [leftKnee],
    subject,
    onsetDateTime: '2024-03-11',
    recordedDate: '2024-03-11',
    evidence: [{ detail: [{ reference: 'DiagnosticReport/knee-mri-report' }] }]
  }
  const ibuprofen: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: 'ibuprofen',
    status: 'completed',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '5640', display: 'Ibuprofen' }] },
    subject,
    authoredOn: '2024-03-12',
    reasonReference: [{ reference: 'Condition/knee-oa' }],
    dosageInstruction: [{ text: '400 mg up to three times a day with food' }],
    dispenseRequest: { validityPeriod: { start: '2024-03-12', end: '2024-06-12' } }
  }
  const arthroscopy: Procedure = {
    resourceType: 'Procedure',
    id: 'arthroscopy',
    status: 'completed',
    code: { text: 'Arthroscopic debridement of the left knee' },
    subject,
    performedDateTime: '2024-06-01T08:00:00+02:00',
    reasonReference: [{ reference: 'Condition/knee-oa' }],
    bodySite: [leftKnee],
    performer: [{ actor: { display: 'Dr. Example Surgeon' } }]
  }
  const followUp: Encounter = {
    resourceType: 'Encounter',
    id: 'follow-up',
    status: 'finished',
    class: { system: V3_ACT_CODE, code: 'AMB', display: 'ambulatory' },
    subject,
    period: { start: '2024-07-01T10:00:00+02:00', end: '2024-07-01T10:20:00+02:00' },
    reasonReference: [{ reference: 'Condition/knee-oa' }],
    diagnosis: [{ condition: { reference: 'Procedure/arthroscopy' } }]
  }
  const pain: Observation = {
    resourceType: 'Observation',
    id: 'pain-score',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '72514-3', display: 'Pain severity - 0-10 verbal numeric rating' }] },
    subject,
    basedOn: [{ reference: 'MedicationRequest/ibuprofen' }],
    encounter: { reference: 'Encounter/follow-up' },
    effectiveDateTime: '2024-07-01T10:05:00+02:00',
    valueInteger: 3
  }
  const outcome: ClinicalImpression = {
    resourceType: 'ClinicalImpression',
    id: 'knee-outcome',
    status: 'completed',
    subject,
    encounter: { reference: 'Encounter/follow-up' },
    date: '2024-07-01T10:15:00+02:00',
    problem: [{ reference: 'Condition/knee-oa' }],
    summary: 'Pain down from 7 to 3 after debridement; walking without a stick.',
    finding: [{ itemReference: { reference: 'Observation/pain-score' } }]
  }
  const hypertension: Condition = {
    resourceType: 'Condition',
    id: 'hypertension',
    clinicalStatus: status(CONDITION_CLINICAL, 'active'),
    code: { coding: [{ system: SNOMED_CT, code: '38341003', display: 'Hypertensive disorder' }] },
    subject,
    onsetDateTime: '2019-05'
  }
  const amlodipine: MedicationStatement = {
    resourceType: 'MedicationStatement',
    id: 'amlodipine',
    status: 'active',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '197361', display: 'amlodipine 5 MG Oral Tablet' }] },
    subject,
    effectivePeriod: { start: '2019-06-01' },
    reasonReference: [{ reference: 'Condition/hypertension' }],
    dosage: [{ text: 'One tablet every morning' }]
  }
  const bloodPressure: Observation = {
    resourceType: 'Observation',
    id: 'systolic',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] },
    subject,
    focus: [{ reference: 'Condition/hypertension' }],
    effectiveDateTime: '2025-02-14T08:00:00Z',
    valueQuantity: { value: 128, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' }
  }
  const penicillin: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: 'penicillin',
    clinicalStatus: status(ALLERGY_CLINICAL, 'active'),
    verificationStatus: status(ALLERGY_VERIFICATION, 'confirmed'),
    type: 'allergy',
    category: ['medication'],
    criticality: 'high',
    code: { coding: [{ system: SNOMED_CT, code: '91936005', display: 'Allergy to penicillin' }] },
    patient: subject,
    onsetDateTime: '1998',
    reaction: [{ manifestation: [{ coding: [{ system: SNOMED_CT, code: '126485001', display: 'Urticaria' }] }], severity: 'moderate' }]
  }
  const flu: Immunization = {
    resourceType: 'Immunization',
    id: 'flu-2023',
    status: 'completed',
    vaccineCode: { coding: [{ system: CVX, code: '140', display: 'Influenza, seasonal, injectable, preservative free' }] },
    patient: subject,
    occurrenceDateTime: '2023-10-15',
    site: bodySiteConcept({ code: '368208006', display: 'Left upper arm structure' }),
    lotNumber: 'AB1234'
  }
  const father: FamilyMemberHistory = {
    resourceType: 'FamilyMemberHistory',
    id: 'father',
    status: 'completed',
    patient: subject,
    relationship: { coding: [{ system: V3_ROLE_CODE, code: 'FTH', display: 'father' }] },
    bornDate: '1941',
    deceasedBoolean: true,
    condition: [
      {
        code: { coding: [{ system: SNOMED_CT, code: '22298006', display: 'Myocardial infarction' }] },
        contributedToDeath: true,
        onsetAge: { value: 55, unit: 'years', system: UCUM, code: 'a' }
      }
    ]
  }
  return { kneeMri, cartilage, mriReport, osteoarthritis, ibuprofen, arthroscopy, followUp, pain, outcome, hypertension, amlodipine, bloodPressure, penicillin, flu, father }
}

/** One valid record of each type. */
export function oneOfEachType(): Record<RecordType, HistoryRecord> {
  const r = fixtureRecords()
  return {
    Condition: r.osteoarthritis,
    Observation: r.cartilage,
    MedicationStatement: r.amlodipine,
    MedicationRequest: r.ibuprofen,
    AllergyIntolerance: r.penicillin,
    Procedure: r.arthroscopy,
    Immunization: r.flu,
    FamilyMemberHistory: r.father,
    DiagnosticReport: r.mriReport,
    Encounter: r.followUp,
    ServiceRequest: r.kneeMri,
    ClinicalImpression: r.outcome
  }
}

/** The fixtures as records of another patient's history (their subject and patient references rewritten). */
export function fixtureRecordsFor(patient: string): ReturnType<typeof fixtureRecords> {
  return JSON.parse(JSON.stringify(fixtureRecords()).replaceAll(`Patient/${PATIENT}`, `Patient/${patient.toLowerCase()}`)) as ReturnType<typeof fixtureRecords>
}

/** `count` distinct blood-pressure readings of a patient, one a day from 2020: bulk data for sync tests and benchmarks. */
export function bloodPressureSeries(patient: string, count: number): Observation[] {
  const start = Date.UTC(2020, 0, 1, 8, 30)
  return Array.from({ length: count }, (_, i) => {
    const systolic = 110 + (i % 40)
    const diastolic = 70 + (i % 20)
    return {
      resourceType: 'Observation',
      id: `bp-${i}`,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
      subject: { reference: `Patient/${patient.toLowerCase()}` },
      effectiveDateTime: new Date(start + i * 86_400_000).toISOString(),
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: { value: systolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: { value: diastolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } }
      ]
    }
  })
}
