import { describe, expect, it } from 'vitest'
import { readBodySite } from './bodySite.ts'
import { CVX, ICD_10, LOINC, RXNORM, SNOMED_CT, UCUM } from './codeSystems.ts'
import { buildDiagnosticChains } from './diagnosticChains.ts'
import { HistoryError, type HistoryErrorCode } from './HistoryError.ts'
import { createEntry, type HistoryEntry } from './historyEntry.ts'
import {
  buildRecord,
  draftAllergy,
  draftDiagnosis,
  draftFollowUp,
  draftMedication,
  draftOutcome,
  draftPrescription,
  draftProcedure,
  draftRequest,
  draftSymptom,
  draftFamilyHistory,
  draftImmunization,
  draftReport,
  draftResult,
  KIND_RECORD_TYPE,
  linkTargets,
  OUTCOME_CODES,
  RECORD_KINDS,
  type RecordDraft
} from './recordDrafts.ts'
import { DOCTOR, NOW, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import { recordKey, type HistoryRecord } from './recordTypes.ts'
import { validateRecord } from './validateRecord.ts'

const context = (id: string) => ({ patient: PATIENT, now: NOW, id })
const DAY = 86_400_000
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

function refusal(build: () => unknown): { code: HistoryErrorCode; field: string | undefined; message: string } {
  try {
    build()
  } catch (error) {
    if (error instanceof HistoryError) return { code: error.code, field: error.field, message: error.message }
    throw error
  }
  throw new Error('expected a HistoryError')
}

describe('doctor drafts', () => {
  it('builds a coded diagnosis with body site and laterality, linked to its evidence', () => {
    const condition = draftDiagnosis(
      { icd10: 'm171', onset: '2024-03-11', bodySite: { code: '72696002', display: 'Knee region structure', laterality: 'left' }, linksTo: 'ServiceRequest/mri' },
      context('knee-oa')
    )
    expect(condition.code).toEqual({ coding: [{ system: ICD_10, code: 'M17.1', display: 'Other primary gonarthrosis' }], text: 'Other primary gonarthrosis' })
    expect(condition.subject).toEqual({ reference: `Patient/${PATIENT}` })
    expect(condition.verificationStatus?.coding?.[0]?.code).toBe('confirmed')
    expect(condition.evidence).toEqual([{ detail: [{ reference: 'ServiceRequest/mri' }] }])
    expect(condition.bodySite?.map((site) => readBodySite(site))).toEqual([{ code: '72696002', display: 'Knee region structure', laterality: 'left' }])
    expect(condition.onsetDateTime).toBe('2024-03-11')
  })

  it('keeps the doctor\'s words beside the code, and takes a diagnosis in words alone', () => {
    expect(draftDiagnosis({ icd10: 'I10', text: 'Hypertension, grade 1' }, context('a')).code?.text).toBe('Hypertension, grade 1')
    const uncoded = draftDiagnosis({ text: 'Suspected meniscus tear', verification: 'provisional' }, context('b'))
    expect(uncoded.code).toEqual({ text: 'Suspected meniscus tear' })
    expect(uncoded.verificationStatus?.coding?.[0]?.code).toBe('provisional')
  })

  it('accepts a well-formed code that is not in the bundled list, without a display', () => {
    expect(draftDiagnosis({ icd10: 'G47.1' }, context('c')).code?.coding).toEqual([{ system: ICD_10, code: 'G47.1' }])
  })

  it('builds a request, a prescription and a procedure with their reasons', () => {
    const request = draftRequest({ what: 'MRI of the left knee', reason: 'Pain on stairs', priority: 'routine', linksTo: 'Condition/knee-oa' }, context('mri'))
    expect(request).toMatchObject({ status: 'active', intent: 'order', code: { text: 'MRI of the left knee' }, reasonCode: [{ text: 'Pain on stairs' }], reasonReference: [{ reference: 'Condition/knee-oa' }] })
    const prescription = draftPrescription({ medicine: 'Ibuprofen 400 mg', dose: 'One tablet three times a day with food', linksTo: 'Condition/knee-oa' }, context('ibu'))
    expect(prescription).toMatchObject({ medicationCodeableConcept: { text: 'Ibuprofen 400 mg' }, dosageInstruction: [{ text: 'One tablet three times a day with food' }], reasonReference: [{ reference: 'Condition/knee-oa' }] })
    const procedure = draftProcedure({ what: 'Arthroscopy', performed: '2024-06-01', linksTo: 'Condition/knee-oa', note: 'No complications' }, context('scope'))
    expect(procedure).toMatchObject({ status: 'completed', performedDateTime: '2024-06-01', reasonReference: [{ reference: 'Condition/knee-oa' }], note: [{ text: 'No complications' }] })
  })

  it('plans a follow-up in the future and finishes one in the past', () => {
    expect(draftFollowUp({ date: isoDay(NOW + 30 * DAY), linksTo: 'Condition/knee-oa' }, context('later')).status).toBe('planned')
    const past = draftFollowUp({ date: '2024-07-01', reason: 'Check after arthroscopy', linksTo: 'Procedure/scope' }, context('done'))
    expect(past).toMatchObject({ status: 'finished', period: { start: '2024-07-01' }, reasonCode: [{ text: 'Check after arthroscopy' }], reasonReference: [{ reference: 'Procedure/scope' }] })
  })

  it('codes an outcome as improved, unchanged or worse in SNOMED CT', () => {
    for (const result of ['improved', 'unchanged', 'worse'] as const) {
      const outcome = draftOutcome({ result, problem: 'Condition/knee-oa', linksTo: 'Procedure/scope' }, context(`o-${result}`))
      expect(outcome.finding?.[0]?.itemCodeableConcept?.coding?.[0]?.code).toBe(OUTCOME_CODES[result].code)
      expect(outcome.summary).toBe(OUTCOME_CODES[result].display)
      expect(outcome.supportingInfo).toEqual([{ reference: 'Procedure/scope' }])
    }
    expect(draftOutcome({ result: 'improved', problem: 'Condition/knee-oa', linksTo: 'Encounter/done', summary: 'Walks without a stick' }, context('o')).encounter).toEqual({
      reference: 'Encounter/done'
    })
  })
})

describe('patient drafts', () => {
  it('records a symptom as an unconfirmed problem the patient asserts', () => {
    const symptom = draftSymptom({ text: 'Headaches in the morning', onset: '2025-01' }, context('headache'))
    expect(symptom).toMatchObject({
      code: { text: 'Headaches in the morning' },
      verificationStatus: { coding: [{ code: 'unconfirmed' }] },
      asserter: { reference: `Patient/${PATIENT}` },
      onsetDateTime: '2025-01'
    })
  })

  it('records a medicine the patient takes and an allergy', () => {
    const medicine = draftMedication({ medicine: 'Amlodipine 5 mg', dose: 'One every morning', since: '2019-06-01', linksTo: 'Condition/hypertension' }, context('amlo'))
    expect(medicine).toMatchObject({ status: 'active', effectivePeriod: { start: '2019-06-01' }, informationSource: { reference: `Patient/${PATIENT}` }, reasonReference: [{ reference: 'Condition/hypertension' }] })
    const allergy = draftAllergy({ substance: 'Penicillin', category: 'medication', reaction: 'Hives', criticality: 'high' }, context('pen'))
    expect(allergy).toMatchObject({ category: ['medication'], criticality: 'high', code: { text: 'Penicillin' }, reaction: [{ manifestation: [{ text: 'Hives' }] }] })
  })
})

describe('every draft', () => {
  const drafts: RecordDraft[] = [
    { kind: 'request', what: 'Blood count' },
    { kind: 'diagnosis', icd10: 'J45.9' },
    { kind: 'prescription', medicine: 'Salbutamol inhaler', dose: 'Two puffs when needed' },
    { kind: 'procedure', what: 'Spirometry', status: 'preparation' },
    { kind: 'followUp', date: '2026-10-01' },
    { kind: 'outcome', result: 'unchanged', problem: 'Condition/asthma' },
    { kind: 'symptom', text: 'Cough at night' },
    { kind: 'medication', medicine: 'Vitamin D' },
    { kind: 'allergy', substance: 'Cats' }
  ]

  it('covers each kind, builds its type with a fresh id, and passes validateRecord', () => {
    expect(drafts.map((d) => d.kind).sort()).toEqual([...RECORD_KINDS].sort())
    for (const draft of drafts) {
      const record = buildRecord(draft, { patient: PATIENT, now: NOW })
      expect(record.resourceType).toBe(KIND_RECORD_TYPE[draft.kind])
      expect(record.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(() => validateRecord(record, { now: NOW, patient: PATIENT.toLowerCase() })).not.toThrow()
    }
  })

  it('treats blank strings as not given', () => {
    const record = draftDiagnosis({ icd10: 'I10', text: '  ', onset: '', note: ' ', linksTo: '' }, context('x'))
    expect(record).not.toHaveProperty('onsetDateTime')
    expect(record).not.toHaveProperty('note')
    expect(record).not.toHaveProperty('evidence')
    expect(record.code?.text).toBe('Essential (primary) hypertension')
  })
})

describe('bad input', () => {
  it.each<[string, () => unknown, HistoryErrorCode, string]>([
    ['a diagnosis without code or words', () => draftDiagnosis({}, context('x')), 'MISSING_FIELD', 'Condition.code'],
    ['a malformed ICD-10 code', () => draftDiagnosis({ icd10: 'knee' }, context('x')), 'INVALID_FIELD', 'Condition.code.coding'],
    ['an onset in the future', () => draftDiagnosis({ text: 'Gout', onset: isoDay(NOW + 10 * DAY) }, context('x')), 'INVALID_FIELD', 'Condition.onsetDateTime'],
    ['a date that is no date', () => draftSymptom({ text: 'Itch', onset: '31/12/2024' }, context('x')), 'INVALID_FIELD', 'Condition.onsetDateTime'],
    ['a request without what', () => draftRequest({ what: ' ' }, context('x')), 'MISSING_FIELD', 'ServiceRequest.code'],
    ['a prescription without dose', () => draftPrescription({ medicine: 'Ibuprofen', dose: '' }, context('x')), 'MISSING_FIELD', 'MedicationRequest.dosageInstruction'],
    ['a prescription linked to a procedure', () => draftPrescription({ medicine: 'A', dose: 'B', linksTo: 'Procedure/p' }, context('x')), 'INVALID_FIELD', 'MedicationRequest.reasonReference'],
    ['a follow-up linked to a prescription', () => draftFollowUp({ date: '2025-01-01', linksTo: 'MedicationRequest/m' }, context('x')), 'INVALID_FIELD', 'Encounter.reasonReference'],
    ['a follow-up without date', () => draftFollowUp({ date: '' }, context('x')), 'MISSING_FIELD', 'Encounter.period.start'],
    ['a link that is no reference', () => draftDiagnosis({ text: 'Gout', linksTo: 'the MRI' }, context('x')), 'INVALID_FIELD', 'Condition.evidence.detail'],
    ['an allergy linked to anything', () => draftAllergy({ substance: 'Nuts', linksTo: 'Condition/c' }, context('x')), 'UNKNOWN_FIELD', 'AllergyIntolerance'],
    ['an outcome without result', () => draftOutcome({ result: '' as never, problem: 'Condition/c' }, context('x')), 'MISSING_FIELD', 'ClinicalImpression.finding'],
    ['an outcome of no diagnosis', () => draftOutcome({ result: 'worse', problem: 'Procedure/p' }, context('x')), 'INVALID_FIELD', 'ClinicalImpression.problem'],
    ['an unknown allergy category', () => draftAllergy({ substance: 'Nuts', category: 'pets' as never }, context('x')), 'INVALID_FIELD', 'AllergyIntolerance.category'],
    ['a completed procedure dated ahead', () => draftProcedure({ what: 'Cast', performed: isoDay(NOW + 5 * DAY) }, context('x')), 'INVALID_FIELD', 'Procedure.performedDateTime'],
    ['a record id that is no FHIR id', () => draftSymptom({ text: 'Itch' }, context('not an id')), 'INVALID_FIELD', 'Condition.id']
  ])('refuses %s, naming the field', (_, build, code, field) => {
    const error = refusal(build)
    expect(error.code).toBe(code)
    expect(error.field).toBe(field)
    expect(error.message.startsWith(field)).toBe(true)
  })

  it('refuses a patient address that is no wallet address', () => {
    expect(refusal(() => draftSymptom({ text: 'Itch' }, { patient: 'alice' })).field).toBe('patient')
  })
})

describe('a chain written with the drafts', () => {
  it('is recognised by buildDiagnosticChains, stage by stage', () => {
    let minute = 0
    const entries: HistoryEntry[] = []
    const write = (record: HistoryRecord): string => {
      entries.push(createEntry({ record, writer: DOCTOR, now: NOW + ++minute * 60_000, patient: PATIENT }))
      return recordKey(record)
    }
    const request = write(draftRequest({ what: 'X-ray of both knees', reason: 'Knee pain' }, context('xray')))
    const diagnosis = write(draftDiagnosis({ icd10: 'M17.0', onset: '2026-10-01', linksTo: request }, context('oa')))
    const prescription = write(draftPrescription({ medicine: 'Paracetamol 1 g', dose: 'Up to four times a day', linksTo: diagnosis }, context('para')))
    const procedure = write(draftProcedure({ what: 'Physiotherapy course', performed: '2026-10-15', linksTo: diagnosis }, context('physio')))
    const followUp = write(draftFollowUp({ date: '2026-11-01', linksTo: procedure }, context('visit')))
    write(draftOutcome({ result: 'improved', problem: diagnosis, linksTo: followUp }, context('better')))
    write(draftOutcome({ result: 'unchanged', problem: diagnosis, linksTo: prescription }, context('same')))
    write(draftSymptom({ text: 'Stiff fingers in the morning' }, context('stiff')))

    const chains = buildDiagnosticChains(entries)
    const chain = chains.find((c) => c.diagnosis.record.id === 'oa')
    const ids = Object.fromEntries(Object.entries(chain?.stages ?? {}).map(([stage, members]) => [stage, members.map((e) => e.record.id)]))
    expect(ids).toEqual({ request: ['xray'], diagnosis: ['oa'], therapy: ['physio', 'para'], followUp: ['visit'], outcome: ['better', 'same'] })
    expect(chain?.links.map((l) => l.field).sort()).toEqual(
      [
        'ClinicalImpression.encounter',
        'ClinicalImpression.problem',
        'ClinicalImpression.problem',
        'ClinicalImpression.supportingInfo',
        'Condition.evidence.detail',
        'Encounter.reasonReference',
        'MedicationRequest.reasonReference',
        'Procedure.reasonReference'
      ].sort()
    )
    // The patient's own symptom is a chain of its own, with nothing linked.
    expect(chains.find((c) => c.diagnosis.record.id === 'stiff')?.links).toEqual([])
  })

  it('offers, for each kind, only link targets whose field the record type accepts', () => {
    for (const kind of RECORD_KINDS) {
      for (const type of linkTargets(kind)) {
        const draft = { linksTo: `${type}/target` }
        const filled: Record<string, RecordDraft> = {
          request: { ...draft, kind: 'request', what: 'Test' },
          diagnosis: { ...draft, kind: 'diagnosis', text: 'Test' },
          prescription: { ...draft, kind: 'prescription', medicine: 'A', dose: 'B' },
          procedure: { ...draft, kind: 'procedure', what: 'Test' },
          followUp: { ...draft, kind: 'followUp', date: '2026-01-01' },
          outcome: { ...draft, kind: 'outcome', result: 'improved', problem: 'Condition/c' },
          symptom: { ...draft, kind: 'symptom', text: 'Test' },
          medication: { ...draft, kind: 'medication', medicine: 'A' },
          allergy: { ...draft, kind: 'allergy', substance: 'A' }
        }
        const complete = filled[kind]
        if (complete === undefined) throw new Error(kind)
        expect(() => buildRecord(complete, { patient: PATIENT, now: NOW }), `${kind} → ${type}`).not.toThrow()
      }
    }
  })
})

describe('coded and dated drafts', () => {
  it('keeps a terminology code beside the words: SNOMED CT diagnoses and requests, RxNorm medicines, coded allergies', () => {
    const oa = { system: SNOMED_CT, code: '239873007', display: 'Osteoarthritis of knee' }
    expect(draftDiagnosis({ icd10: 'M17.1', coding: oa }, context('a')).code).toEqual({
      coding: [{ system: ICD_10, code: 'M17.1', display: 'Other primary gonarthrosis' }, oa],
      text: 'Other primary gonarthrosis'
    })
    expect(draftDiagnosis({ coding: oa }, context('b')).code).toEqual({ coding: [oa], text: 'Osteoarthritis of knee' })
    const mri = { system: SNOMED_CT, code: '113091000', display: 'Magnetic resonance imaging' }
    expect(draftRequest({ what: 'MRI of the left knee', coding: mri, status: 'completed' }, context('c'))).toMatchObject({ status: 'completed', code: { coding: [mri], text: 'MRI of the left knee' } })
    const ibuprofen = { system: RXNORM, code: '5640', display: 'Ibuprofen' }
    expect(draftPrescription({ medicine: 'Ibuprofen', coding: ibuprofen, dose: '400 mg' }, context('d')).medicationCodeableConcept).toEqual({ coding: [ibuprofen], text: 'Ibuprofen' })
    expect(draftMedication({ medicine: 'Ibuprofen', coding: ibuprofen }, context('e')).medicationCodeableConcept).toEqual({ coding: [ibuprofen], text: 'Ibuprofen' })
    const penicillin = { system: SNOMED_CT, code: '91936005', display: 'Allergy to penicillin' }
    expect(draftAllergy({ substance: 'Penicillin', coding: penicillin }, context('f')).code).toEqual({ coding: [penicillin], text: 'Penicillin' })
  })

  it('resolves a diagnosis that went away, and grades its severity', () => {
    const resolved = draftDiagnosis({ text: 'Gout', onset: '2025-03-01', resolved: '2025-03-20', severity: 'moderate' }, context('gout'))
    expect(resolved).toMatchObject({
      clinicalStatus: { coding: [{ code: 'resolved' }] },
      abatementDateTime: '2025-03-20',
      severity: { coding: [{ system: SNOMED_CT, code: '6736007', display: 'Moderate' }], text: 'Moderate' }
    })
    expect(draftDiagnosis({ text: 'Gout' }, context('active')).clinicalStatus?.coding?.[0]?.code).toBe('active')
  })

  it('dates a finished course, a procedure that took weeks and the end of a visit', () => {
    const course = draftPrescription({ medicine: 'Doxycycline', dose: '100 mg a day', status: 'completed', until: '2026-11-10' }, context('doxy'))
    expect(course).toMatchObject({ status: 'completed', dispenseRequest: { validityPeriod: { start: new Date(NOW).toISOString(), end: '2026-11-10' } } })
    const physio = draftProcedure({ what: 'Physiotherapy, six sessions', performed: '2026-08-01', performedUntil: '2026-09-12' }, context('physio'))
    expect(physio).toMatchObject({ performedPeriod: { start: '2026-08-01', end: '2026-09-12' } })
    expect(physio).not.toHaveProperty('performedDateTime')
    const visit = draftFollowUp({ date: '2026-10-01T09:00:00Z', until: '2026-10-01T09:20:00Z' }, context('visit'))
    expect(visit.period).toEqual({ start: '2026-10-01T09:00:00Z', end: '2026-10-01T09:20:00Z' })
  })
})

describe('records no form writes yet', () => {
  const hba1c = { system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }

  it('builds a lab result with its unit and reference range, watching a diagnosis', () => {
    const result = draftResult({ coding: hba1c, value: '7.1', unit: '%', low: 4, high: 5.6, category: 'laboratory', effective: '2026-09-01', linksTo: 'Condition/diabetes' }, context('a1c'))
    expect(result).toEqual({
      resourceType: 'Observation',
      id: 'a1c',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [hba1c], text: hba1c.display },
      subject: { reference: `Patient/${PATIENT}` },
      effectiveDateTime: '2026-09-01',
      valueQuantity: { value: 7.1, unit: '%', system: UCUM, code: '%' },
      referenceRange: [{ low: { value: 4, unit: '%', system: UCUM, code: '%' }, high: { value: 5.6, unit: '%', system: UCUM, code: '%' } }],
      focus: [{ reference: 'Condition/diabetes' }]
    })
  })

  it('prints a vital sign\'s unit as written and codes it in UCUM, with a one-sided range', () => {
    const pressure = draftResult({ what: 'Systolic blood pressure', value: 138, unit: 'mmHg', ucum: 'mm[Hg]', high: 140, category: 'vital-signs' }, context('bp'))
    expect(pressure.valueQuantity).toEqual({ value: 138, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' })
    expect(pressure.referenceRange).toEqual([{ high: { value: 140, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } }])
    expect(pressure.effectiveDateTime).toBe(new Date(NOW).toISOString())
  })

  it('links a score to the visit and to the therapy it checks: basedOn a prescription, partOf a procedure', () => {
    const pain = { what: 'Pain score', score: 3, encounter: 'Encounter/visit' }
    expect(draftResult({ ...pain, linksTo: 'MedicationRequest/ibu' }, context('p1'))).toMatchObject({ valueInteger: 3, encounter: { reference: 'Encounter/visit' }, basedOn: [{ reference: 'MedicationRequest/ibu' }] })
    expect(draftResult({ ...pain, linksTo: 'Procedure/scope' }, context('p2'))).toMatchObject({ partOf: [{ reference: 'Procedure/scope' }] })
    expect(draftResult({ ...pain, linksTo: 'ServiceRequest/lab' }, context('p3'))).toMatchObject({ basedOn: [{ reference: 'ServiceRequest/lab' }] })
  })

  it('builds a report on what a request found', () => {
    const report = draftReport({ what: 'X-ray of the ankle', conclusion: 'No fracture.', effective: '2026-10-02', linksTo: 'ServiceRequest/xray' }, context('xr'))
    expect(report).toMatchObject({ status: 'final', code: { text: 'X-ray of the ankle' }, effectiveDateTime: '2026-10-02', issued: new Date(NOW).toISOString(), conclusion: 'No fracture.', basedOn: [{ reference: 'ServiceRequest/xray' }] })
  })

  it('builds a vaccination with its CVX code and the arm it was given in', () => {
    const flu = { system: CVX, code: '140', display: 'Influenza, seasonal, injectable, preservative free' }
    const shot = draftImmunization({ vaccine: 'Flu shot', coding: flu, date: '2025-10-14', site: { code: '368208006', display: 'Left upper arm structure' } }, context('flu'))
    expect(shot).toMatchObject({ status: 'completed', vaccineCode: { coding: [flu], text: 'Flu shot' }, occurrenceDateTime: '2025-10-14', site: { coding: [{ system: SNOMED_CT, code: '368208006' }] } })
    expect(shot.patient).toEqual({ reference: `Patient/${PATIENT}` })
  })

  it('builds a relative\'s illness with the relationship in HL7 RoleCode', () => {
    const father = draftFamilyHistory({ relative: 'father', condition: 'Myocardial infarction', onsetAge: '61', born: '1928', deceased: true, causeOfDeath: true }, context('dad'))
    expect(father).toMatchObject({
      relationship: { coding: [{ code: 'FTH', display: 'father' }] },
      bornDate: '1928',
      deceasedBoolean: true,
      condition: [{ code: { text: 'Myocardial infarction' }, contributedToDeath: true, onsetAge: { value: 61, unit: 'years', system: UCUM, code: 'a' } }]
    })
  })

  it('passes validateRecord, each of them', () => {
    const records = [
      draftResult({ coding: hba1c, value: 6.9, unit: '%' }, context('r')),
      draftReport({ what: 'Ultrasound', conclusion: 'Normal' }, context('d')),
      draftImmunization({ vaccine: 'Tetanus' }, context('i')),
      draftFamilyHistory({ relative: 'mother', condition: 'Breast cancer' }, context('f'))
    ]
    for (const record of records) expect(() => validateRecord(record, { now: NOW })).not.toThrow()
  })

  it.each<[string, () => unknown, HistoryErrorCode, string]>([
    ['a result without what', () => draftResult({ value: 1, unit: 'mg' }, context('x')), 'MISSING_FIELD', 'Observation.code'],
    ['a result without value or score', () => draftResult({ what: 'HbA1c' }, context('x')), 'MISSING_FIELD', 'Observation.value'],
    ['a value without unit', () => draftResult({ what: 'HbA1c', value: 7 }, context('x')), 'MISSING_FIELD', 'Observation.valueQuantity.unit'],
    ['a value that is no number', () => draftResult({ what: 'HbA1c', value: 'high', unit: '%' }, context('x')), 'INVALID_FIELD', 'Observation.valueQuantity.value'],
    ['a score that is no whole number', () => draftResult({ what: 'Pain', score: 2.5 }, context('x')), 'INVALID_FIELD', 'Observation.valueInteger'],
    ['a result linked to an outcome', () => draftResult({ what: 'Pain', score: 2, linksTo: 'ClinicalImpression/o' }, context('x')), 'INVALID_FIELD', 'Observation.basedOn'],
    ['a result at something that is no visit', () => draftResult({ what: 'Pain', score: 2, encounter: 'Procedure/p' }, context('x')), 'INVALID_FIELD', 'Observation.encounter'],
    ['a report without conclusion', () => draftReport({ what: 'X-ray', conclusion: '' }, context('x')), 'MISSING_FIELD', 'DiagnosticReport.conclusion'],
    ['a vaccination given ahead', () => draftImmunization({ vaccine: 'Flu', date: isoDay(NOW + 5 * DAY) }, context('x')), 'INVALID_FIELD', 'Immunization.occurrenceDateTime'],
    ['an unknown relative', () => draftFamilyHistory({ relative: 'cousin' as never, condition: 'Gout' }, context('x')), 'INVALID_FIELD', 'FamilyMemberHistory.relationship'],
    ['a birth that is no date', () => draftFamilyHistory({ relative: 'mother', condition: 'Gout', born: 'long ago' }, context('x')), 'INVALID_FIELD', 'FamilyMemberHistory.bornDate'],
    ['a course of physiotherapy without its start', () => draftProcedure({ what: 'Physio', performedUntil: '2026-01-01' }, context('x')), 'MISSING_FIELD', 'Procedure.performedPeriod.start'],
    ['an unknown severity', () => draftDiagnosis({ text: 'Gout', severity: 'awful' as never }, context('x')), 'INVALID_FIELD', 'Condition.severity']
  ])('refuses %s, naming the field', (_, build, code, field) => {
    const error = refusal(build)
    expect(error.code).toBe(code)
    expect(error.field).toBe(field)
    expect(error.message.startsWith(field)).toBe(true)
  })
})
