import { describe, expect, it } from 'vitest'
import { buildDiagnosticChains, buildRecord, createEntry, draftDiagnosis, draftSymptom, HistoryError, RECORD_KINDS, type HistoryRecord } from '../../history/index.ts'
import { DOCTOR, NOW, PATIENT } from '../../../test/fixtures/recordFixtures.ts'
import {
  addedMessage,
  BODY_SITE_OPTIONS,
  chainTargetsOf,
  checkValues,
  draftFromValues,
  fieldOfError,
  FORM_FIELDS,
  icd10Picked,
  icd10Typed,
  initialValues,
  KIND_TEXT,
  messageForField,
  nextActive,
  targetsFor,
  type ChainTarget
} from './recordFormModel.ts'

const context = { patient: PATIENT, now: NOW }

function refusal(build: () => unknown): HistoryError {
  try {
    build()
  } catch (error) {
    if (error instanceof HistoryError) return error
    throw error
  }
  throw new Error('expected a HistoryError')
}

describe('the form of each kind', () => {
  it('has fields with unique names, labels, and a submit name that says what is added', () => {
    for (const kind of RECORD_KINDS) {
      const names = FORM_FIELDS[kind].map((f) => f.name)
      expect(new Set(names).size, kind).toBe(names.length)
      for (const field of FORM_FIELDS[kind]) expect(field.label.length, `${kind}.${field.name}`).toBeGreaterThan(1)
      expect(KIND_TEXT[kind].submit).toMatch(/^Add /)
    }
    expect(KIND_TEXT.diagnosis.submit).toBe('Add diagnosis')
  })

  it('starts with the initial values, and an empty ICD-10 box for a diagnosis', () => {
    expect(initialValues('procedure')).toMatchObject({ what: '', status: 'completed', performed: '' })
    expect(initialValues('diagnosis')).toMatchObject({ icd10: '', icd10Text: '', verification: 'confirmed' })
  })

  it('builds a valid record of each kind from filled-in values', () => {
    const filled: Record<(typeof RECORD_KINDS)[number], Record<string, string>> = {
      request: { what: 'Blood count', bodySite: '72696002', laterality: 'left' },
      diagnosis: { ...icd10Picked('J45.9', 'Asthma, unspecified'), onset: '2024-05-01' },
      prescription: { medicine: 'Salbutamol', dose: 'Two puffs when needed', linksTo: 'Condition/asthma' },
      procedure: { what: 'Spirometry', performed: '2024-05-02' },
      followUp: { date: '2024-06-01', linksTo: 'Condition/asthma' },
      outcome: { result: 'improved', problem: 'Condition/asthma', linksTo: 'MedicationRequest/salbutamol' },
      symptom: { text: 'Night cough', onset: '2024-04-01' },
      medication: { medicine: 'Vitamin D', since: '2023-01-01' },
      allergy: { substance: 'Cats', category: 'environment', criticality: 'low' }
    }
    for (const kind of RECORD_KINDS) {
      const values = { ...initialValues(kind), ...filled[kind] }
      expect(checkValues(kind, values), kind).toEqual({})
      const record = buildRecord(draftFromValues(kind, values), context)
      expect(addedMessage(kind, record)).toMatch(new RegExp(`^${KIND_TEXT[kind].added}: .+\\.$`))
    }
    const request = buildRecord(draftFromValues('request', { ...initialValues('request'), ...filled.request }), context)
    expect(request.resourceType === 'ServiceRequest' && request.bodySite?.[0]?.coding?.[0]).toEqual({ system: 'http://snomed.info/sct', code: '72696002', display: 'Knee region structure' })
  })
})

describe('checkValues', () => {
  it('names each empty required field', () => {
    expect(checkValues('prescription', initialValues('prescription'))).toEqual({ medicine: 'Medicine is required.', dose: 'Dose is required.' })
    expect(Object.keys(checkValues('outcome', initialValues('outcome'))).sort()).toEqual(['problem', 'result'])
  })

  it('asks for a diagnosis by code or words, and refuses a code it cannot read', () => {
    expect(checkValues('diagnosis', initialValues('diagnosis')).icd10).toMatch(/code or write the diagnosis/)
    expect(checkValues('diagnosis', { ...initialValues('diagnosis'), ...icd10Typed('knee pain') }).icd10).toMatch(/is not an ICD-10 code/)
    expect(checkValues('diagnosis', { ...initialValues('diagnosis'), ...icd10Typed('m17.1') })).toEqual({})
    expect(checkValues('diagnosis', { ...initialValues('diagnosis'), text: 'Knee pain' })).toEqual({})
  })

  it('wants a body site for a side', () => {
    expect(checkValues('symptom', { ...initialValues('symptom'), text: 'Pain', laterality: 'left' })).toEqual({ laterality: 'Choose a body site for the side.' })
  })
})

describe('errors from the builders', () => {
  it('land on the field whose FHIR path covers them, in the field\'s words', () => {
    const future = refusal(() => draftSymptom({ text: 'Itch', onset: '2099-01-01' }, context))
    const field = fieldOfError('symptom', future)
    expect(field?.name).toBe('onset')
    if (field === undefined) return
    expect(messageForField(field, future)).toBe('Since is in the future ("2099-01-01"), but it records something that has happened.')

    const badLink = refusal(() => draftDiagnosis({ text: 'Gout', linksTo: 'MedicationRequest/m' }, context))
    expect(fieldOfError('diagnosis', badLink)?.name).toBe('linksTo')
    const badCode = refusal(() => draftDiagnosis({ icd10: 'knee' }, context))
    expect(fieldOfError('diagnosis', badCode)?.name).toBe('icd10')
  })

  it('have no field when no field covers them', () => {
    expect(fieldOfError('allergy', new HistoryError('INVALID_FIELD', 'x', { field: 'AllergyIntolerance.id' }))).toBeUndefined()
    expect(fieldOfError('allergy', new HistoryError('INVALID_FIELD', 'x'))).toBeUndefined()
  })
})

describe('link targets', () => {
  const targets: ChainTarget[] = [
    { id: 'oa', type: 'Condition', label: 'Condition: Knee OA' },
    { id: 'mri', type: 'ServiceRequest', label: 'Request: MRI' },
    { id: 'ibu', type: 'MedicationRequest', label: 'Prescription: Ibuprofen' },
    { id: 'visit', type: 'Encounter', label: 'Visit' }
  ]

  it('offer each kind only the types it may link to', () => {
    expect(targetsFor('diagnosis', 'link', targets).map((t) => t.id)).toEqual(['mri'])
    expect(targetsFor('prescription', 'link', targets).map((t) => t.id)).toEqual(['oa'])
    expect(targetsFor('outcome', 'link', targets).map((t) => t.id)).toEqual(['ibu', 'visit'])
    expect(targetsFor('outcome', 'problem', targets).map((t) => t.id)).toEqual(['oa'])
    expect(targetsFor('allergy', 'link', targets)).toEqual([])
  })

  it('come from a history\'s latest records, labelled, and link the chain when used', () => {
    let minute = 0
    const write = (record: HistoryRecord) => createEntry({ record, writer: DOCTOR, now: NOW + ++minute * 60_000, patient: PATIENT })
    const diagnosis = write(buildRecord(draftFromValues('diagnosis', { ...initialValues('diagnosis'), ...icd10Picked('I10', 'Essential (primary) hypertension') }), { ...context, id: 'htn' }))
    const found = chainTargetsOf([diagnosis], PATIENT)
    expect(found).toEqual([{ id: 'htn', type: 'Condition', label: 'Condition: Essential (primary) hypertension' }])
    const [target] = targetsFor('prescription', 'link', found)
    if (target === undefined) throw new Error('no target')
    const values = { ...initialValues('prescription'), medicine: 'Amlodipine 5 mg', dose: 'Once a day', linksTo: `${target.type}/${target.id}` }
    const prescription = write(buildRecord(draftFromValues('prescription', values), context))
    expect(buildDiagnosticChains([diagnosis, prescription])[0]?.stages.therapy.map((e) => e.id)).toEqual([prescription.id])
  })
})

describe('the pickers', () => {
  it('list body sites without a side of their own, by readable name', () => {
    expect(BODY_SITE_OPTIONS).toContainEqual({ value: '72696002', label: 'Knee' })
    expect(BODY_SITE_OPTIONS.some((o) => /left|right/i.test(o.label))).toBe(false)
  })

  it('move through a listbox with wrap-around', () => {
    expect(nextActive(-1, 'ArrowDown', 3)).toBe(0)
    expect(nextActive(2, 'ArrowDown', 3)).toBe(0)
    expect(nextActive(0, 'ArrowUp', 3)).toBe(2)
    expect(nextActive(-1, 'ArrowUp', 3)).toBe(2)
    expect(nextActive(1, 'End', 3)).toBe(2)
    expect(nextActive(1, 'Home', 3)).toBe(0)
    expect(nextActive(0, 'ArrowDown', 0)).toBe(-1)
  })
})
