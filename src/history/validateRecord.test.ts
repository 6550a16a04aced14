import { describe, expect, it } from 'vitest'
import { bodySiteConcept, LATERALITY_EXTENSION } from './bodySite.ts'
import { SNOMED_CT } from './codeSystems.ts'
import { HistoryError, type HistoryErrorCode } from './HistoryError.ts'
import { NOW, oneOfEachType, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import { RECORD_TYPES, type RecordType } from './recordTypes.ts'
import { validateRecord } from './validateRecord.ts'

/** A deep copy of `record` with the value at a dotted path (numbers index lists) replaced; undefined deletes it. */
function changed(record: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(record) as Record<string, unknown>
  const keys = path.split('.')
  let at: Record<string, unknown> = copy
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {}
    at = at[key] as Record<string, unknown>
  }
  const last = keys[keys.length - 1] ?? ''
  if (value === undefined) Reflect.deleteProperty(at, last)
  else at[last] = value
  return copy
}

function refusal(record: unknown, options = { now: NOW, patient: PATIENT }): HistoryError {
  try {
    validateRecord(record, options)
  } catch (error) {
    if (error instanceof HistoryError) return error
    throw error
  }
  throw new Error('the record was accepted')
}

const records = oneOfEachType()
const record = (type: RecordType): unknown => records[type]

describe('validateRecord accepts', () => {
  it.each(RECORD_TYPES)('a valid %s', (type) => {
    expect(validateRecord(record(type), { now: NOW, patient: PATIENT })).toBe(record(type))
  })

  it('primitive extensions, narrative, meta and contained resources', () => {
    const condition = {
      ...(record('Condition') as object),
      _recordedDate: { extension: [{ url: 'http://example.org/fhir/precision', valueCode: 'day' }] },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Knee OA</div>' },
      meta: { lastUpdated: '2024-03-11T10:00:00Z', tag: [{ system: 'http://example.org/tags', code: 'demo' }] },
      contained: [{ resourceType: 'Practitioner', id: 'gp' }],
      asserter: { reference: '#gp' }
    }
    expect(() => validateRecord(condition, { now: NOW })).not.toThrow()
  })

  it('a complex extension whose parts are named by simple names, as FHIR complex extensions name theirs', () => {
    const condition = { ...(record('Condition') as object), extension: [{ url: 'http://example.org/fhir/origin', extension: [{ url: 'file', valueString: 'portal.json' }] }] }
    expect(() => validateRecord(condition, { now: NOW })).not.toThrow()
  })

  it('a period that says in an extension why it has no start or end (data-absent-reason)', () => {
    const absent = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'not-applicable' }] }
    expect(() => validateRecord({ ...(record('MedicationStatement') as object), effectivePeriod: absent }, { now: NOW })).not.toThrow()
    expect(() => validateRecord({ ...(record('MedicationStatement') as object), effectivePeriod: {} }, { now: NOW })).toThrow(/a period needs a start or an end/)
  })

  it.each(['__proto__', 'constructor', 'toString', '_constructor'])('refuses a field named %s as unknown, as JSON.parse makes it', (key) => {
    const condition: unknown = JSON.parse(JSON.stringify(record('Condition')).replace('{', `{"${key}": false,`))
    expect(() => validateRecord(condition, { now: NOW })).toThrow(new RegExp(`Condition.${key} is not a field of a FHIR R4 Condition`))
  })

  it('any patient when no patient is given', () => {
    expect(() => validateRecord(changed(record('Condition'), 'subject', { reference: 'Patient/someone-else' }), { now: NOW })).not.toThrow()
  })
})

type Case = [description: string, type: RecordType, path: string, value: unknown, code: HistoryErrorCode, field: string]

const leftKnee = bodySiteConcept({ code: '72696002', laterality: 'left' })

const cases: Case[] = [
  // Condition
  ['no subject', 'Condition', 'subject', undefined, 'MISSING_FIELD', 'Condition.subject'],
  ['no code', 'Condition', 'code', undefined, 'MISSING_FIELD', 'Condition.code'],
  ['a coding without a system', 'Condition', 'code.coding.0.system', undefined, 'MISSING_FIELD', 'Condition.code.coding[0].system'],
  ['a coding without a code', 'Condition', 'code.coding.1.code', undefined, 'MISSING_FIELD', 'Condition.code.coding[1].code'],
  ['a SNOMED code with a wrong check digit', 'Condition', 'code.coding.0.code', '239873008', 'INVALID_FIELD', 'Condition.code.coding[0].code'],
  ['a malformed ICD-10 code', 'Condition', 'code.coding.1.code', 'm17', 'INVALID_FIELD', 'Condition.code.coding[1].code'],
  ['a relative system URI', 'Condition', 'code.coding.0.system', 'snomed', 'INVALID_FIELD', 'Condition.code.coding[0].system'],
  ['an impossible date', 'Condition', 'onsetDateTime', '2024-02-30', 'INVALID_FIELD', 'Condition.onsetDateTime'],
  ['an onset in the future', 'Condition', 'onsetDateTime', '2031-01-01', 'INVALID_FIELD', 'Condition.onsetDateTime'],
  ['a time without a zone', 'Condition', 'recordedDate', '2024-03-11T10:00:00', 'INVALID_FIELD', 'Condition.recordedDate'],
  ['two onset choices', 'Condition', 'onsetString', 'spring', 'INVALID_FIELD', 'Condition.onsetString'],
  ['an active condition with an abatement', 'Condition', 'abatementDateTime', '2024-05-01', 'INVALID_FIELD', 'Condition.clinicalStatus'],
  ['a clinical status outside the required codes', 'Condition', 'clinicalStatus.coding.0.code', 'cured', 'INVALID_FIELD', 'Condition.clinicalStatus.coding[0].code'],
  ['a clinical status from another system', 'Condition', 'clinicalStatus.coding.0.system', 'http://example.org', 'MISSING_FIELD', 'Condition.clinicalStatus.coding'],
  ['a body site without SNOMED CT', 'Condition', 'bodySite.0', { text: 'left knee' }, 'MISSING_FIELD', 'Condition.bodySite[0].coding'],
  ['a laterality that is not left, right or both', 'Condition', 'bodySite.0.extension.0.valueCodeableConcept.coding.0.code', '399488007', 'INVALID_FIELD', 'Condition.bodySite[0].extension'],
  ['an unknown field', 'Condition', 'diagnosis', 'knee', 'UNKNOWN_FIELD', 'Condition.diagnosis'],
  ['a modifier extension', 'Condition', 'modifierExtension', [{ url: 'http://example.org/negated', valueBoolean: true }], 'UNKNOWN_FIELD', 'Condition.modifierExtension'],
  ['a subject that is another patient', 'Condition', 'subject.reference', 'Patient/0x9999999999999999999999999999999999999999', 'WRONG_PATIENT', 'Condition.subject.reference'],
  ['a subject that is a group', 'Condition', 'subject.reference', 'Group/ward-7', 'INVALID_FIELD', 'Condition.subject.reference'],
  ['a malformed reference', 'Condition', 'evidence.0.detail.0.reference', 'DiagnosticReport/', 'INVALID_FIELD', 'Condition.evidence[0].detail[0].reference'],
  ['an id with spaces', 'Condition', 'id', 'knee oa', 'INVALID_FIELD', 'Condition.id'],
  ['no id', 'Condition', 'id', undefined, 'MISSING_FIELD', 'Condition.id'],
  ['a null field', 'Condition', 'severity', null, 'INVALID_FIELD', 'Condition.severity'],
  ['an empty list', 'Condition', 'note', [], 'INVALID_FIELD', 'Condition.note'],
  ['a note of spaces', 'Condition', 'note', [{ text: '   ' }], 'INVALID_FIELD', 'Condition.note[0].text'],
  ['a non-R4 meta field', 'Condition', 'meta', { project: 'x' }, 'UNKNOWN_FIELD', 'Condition.meta.project'],
  ['an extension without a url', 'Condition', 'extension', [{ valueString: 'x' }], 'MISSING_FIELD', 'Condition.extension[0].url'],
  ['an extension named by a simple name', 'Condition', 'extension', [{ url: 'source', valueString: 'x' }], 'MISSING_FIELD', 'Condition.extension[0].url'],
  ['a part of an extension named by a relative path', 'Condition', 'extension', [{ url: 'http://example.org/x', extension: [{ url: 'a/b', valueString: 'x' }] }], 'MISSING_FIELD', 'Condition.extension[0].extension[0].url'],
  ['a narrative that is not a div', 'Condition', 'text', { status: 'generated', div: '<p>x</p>' }, 'INVALID_FIELD', 'Condition.text.div'],
  ['a reference to a contained resource that is not there', 'Condition', 'asserter', { reference: '#nobody' }, 'INVALID_FIELD', 'Condition.asserter.reference'],
  // Observation
  ['no status', 'Observation', 'status', undefined, 'MISSING_FIELD', 'Observation.status'],
  ['a status FHIR does not define', 'Observation', 'status', 'done', 'INVALID_FIELD', 'Observation.status'],
  ['two values', 'Observation', 'valueString', 'thin', 'INVALID_FIELD', 'Observation.valueString'],
  ['a reason for absence beside a value', 'Observation', 'dataAbsentReason', { text: 'not measured' }, 'INVALID_FIELD', 'Observation.dataAbsentReason'],
  ['a coded unit without a system', 'Observation', 'valueQuantity.system', undefined, 'MISSING_FIELD', 'Observation.valueQuantity.system'],
  ['a value that is not a number', 'Observation', 'valueQuantity.value', '1.2', 'INVALID_FIELD', 'Observation.valueQuantity.value'],
  ['a LOINC code with a wrong check digit', 'Observation', 'code', { coding: [{ system: 'http://loinc.org', code: '8480-7' }] }, 'INVALID_FIELD', 'Observation.code.coding[0].code'],
  ['a reference range upside down', 'Observation', 'referenceRange.0.low.value', 9, 'INVALID_FIELD', 'Observation.referenceRange[0].low'],
  ['a body site list where one site is allowed', 'Observation', 'bodySite', [leftKnee], 'INVALID_FIELD', 'Observation.bodySite'],
  // MedicationStatement
  ['no medication', 'MedicationStatement', 'medicationCodeableConcept', undefined, 'MISSING_FIELD', 'MedicationStatement.medication[x]'],
  ['two medications', 'MedicationStatement', 'medicationReference', { reference: 'Medication/x' }, 'INVALID_FIELD', 'MedicationStatement.medicationReference'],
  ['a period that ends before it starts', 'MedicationStatement', 'effectivePeriod.end', '2019-01-01', 'INVALID_FIELD', 'MedicationStatement.effectivePeriod.end'],
  ['a dosage site without SNOMED CT', 'MedicationStatement', 'dosage.0.site', { text: 'arm' }, 'MISSING_FIELD', 'MedicationStatement.dosage[0].site.coding'],
  // MedicationRequest
  ['no intent', 'MedicationRequest', 'intent', undefined, 'MISSING_FIELD', 'MedicationRequest.intent'],
  ['a reason that FHIR does not allow', 'MedicationRequest', 'reasonReference.0.reference', 'Procedure/arthroscopy', 'INVALID_FIELD', 'MedicationRequest.reasonReference[0].reference'],
  ['a reference whose type disagrees', 'MedicationRequest', 'reasonReference.0.type', 'Observation', 'INVALID_FIELD', 'MedicationRequest.reasonReference[0].type'],
  // AllergyIntolerance
  ['no clinical status', 'AllergyIntolerance', 'clinicalStatus', undefined, 'MISSING_FIELD', 'AllergyIntolerance.clinicalStatus'],
  ['entered in error with a clinical status', 'AllergyIntolerance', 'verificationStatus.coding.0.code', 'entered-in-error', 'INVALID_FIELD', 'AllergyIntolerance.clinicalStatus'],
  ['a category FHIR does not define', 'AllergyIntolerance', 'category', ['drug'], 'INVALID_FIELD', 'AllergyIntolerance.category[0]'],
  ['a reaction without a manifestation', 'AllergyIntolerance', 'reaction.0.manifestation', undefined, 'MISSING_FIELD', 'AllergyIntolerance.reaction[0].manifestation'],
  ['no patient', 'AllergyIntolerance', 'patient', undefined, 'MISSING_FIELD', 'AllergyIntolerance.patient'],
  // Procedure
  ['no code', 'Procedure', 'code', undefined, 'MISSING_FIELD', 'Procedure.code'],
  ['a performer without an actor', 'Procedure', 'performer.0.actor', undefined, 'MISSING_FIELD', 'Procedure.performer[0].actor'],
  ['a performance in the future', 'Procedure', 'performedDateTime', '2027-01-01T08:00:00Z', 'INVALID_FIELD', 'Procedure.performedDateTime'],
  // Immunization
  ['no occurrence', 'Immunization', 'occurrenceDateTime', undefined, 'MISSING_FIELD', 'Immunization.occurrence[x]'],
  ['two laterality qualifiers', 'Immunization', 'site.extension', [
    { url: LATERALITY_EXTENSION, valueCodeableConcept: { coding: [{ system: SNOMED_CT, code: '7771000' }] } },
    { url: LATERALITY_EXTENSION, valueCodeableConcept: { coding: [{ system: SNOMED_CT, code: '24028007' }] } }
  ], 'INVALID_FIELD', 'Immunization.site.extension'],
  ['a status FHIR does not define', 'Immunization', 'status', 'given', 'INVALID_FIELD', 'Immunization.status'],
  // FamilyMemberHistory
  ['no relationship', 'FamilyMemberHistory', 'relationship', undefined, 'MISSING_FIELD', 'FamilyMemberHistory.relationship'],
  ['a birth before 1800', 'FamilyMemberHistory', 'bornDate', '1750', 'INVALID_FIELD', 'FamilyMemberHistory.bornDate'],
  ['an age and a birth date', 'FamilyMemberHistory', 'ageString', 'about 80', 'INVALID_FIELD', 'FamilyMemberHistory.age[x]'],
  ['a family condition without a code', 'FamilyMemberHistory', 'condition.0.code', undefined, 'MISSING_FIELD', 'FamilyMemberHistory.condition[0].code'],
  // DiagnosticReport
  ['an attachment that is not base64', 'DiagnosticReport', 'presentedForm.0.data', 'not base64!', 'INVALID_FIELD', 'DiagnosticReport.presentedForm[0].data'],
  ['attached data without a MIME type', 'DiagnosticReport', 'presentedForm.0.contentType', undefined, 'MISSING_FIELD', 'DiagnosticReport.presentedForm[0].contentType'],
  ['a result that is not an observation', 'DiagnosticReport', 'result.0.reference', 'Condition/knee-oa', 'INVALID_FIELD', 'DiagnosticReport.result[0].reference'],
  ['an instant without a time', 'DiagnosticReport', 'issued', '2024-03-11', 'INVALID_FIELD', 'DiagnosticReport.issued'],
  // Encounter
  ['no class', 'Encounter', 'class', undefined, 'MISSING_FIELD', 'Encounter.class'],
  ['a class without a system', 'Encounter', 'class.system', undefined, 'MISSING_FIELD', 'Encounter.class.system'],
  ['a finished encounter in the future', 'Encounter', 'period', { start: '2030-01-01T10:00:00Z' }, 'INVALID_FIELD', 'Encounter.period.start'],
  ['a diagnosis without its condition', 'Encounter', 'diagnosis.0.condition', undefined, 'MISSING_FIELD', 'Encounter.diagnosis[0].condition'],
  // ServiceRequest
  ['no code', 'ServiceRequest', 'code', undefined, 'MISSING_FIELD', 'ServiceRequest.code'],
  ['an intent FHIR does not define', 'ServiceRequest', 'intent', 'request', 'INVALID_FIELD', 'ServiceRequest.intent'],
  // ClinicalImpression
  ['no status', 'ClinicalImpression', 'status', undefined, 'MISSING_FIELD', 'ClinicalImpression.status'],
  ['a previous impression that is a condition', 'ClinicalImpression', 'previous', { reference: 'Condition/knee-oa' }, 'INVALID_FIELD', 'ClinicalImpression.previous.reference'],
  ['a finding without an item', 'ClinicalImpression', 'finding.0', { basis: 'exam' }, 'MISSING_FIELD', 'ClinicalImpression.finding[0].itemCodeableConcept'],
  // DocumentReference and Media: the file must be a sealed one, within the limits
  ['no content', 'DocumentReference', 'content', undefined, 'MISSING_FIELD', 'DocumentReference.content'],
  ['a file linked elsewhere', 'DocumentReference', 'content.0.attachment.url', 'https://example.org/report.pdf', 'INVALID_FIELD', 'DocumentReference.content[0].attachment.url'],
  ['a file with no size', 'DocumentReference', 'content.0.attachment.size', undefined, 'MISSING_FIELD', 'DocumentReference.content[0].attachment.size'],
  ['a file over 25 MB', 'DocumentReference', 'content.0.attachment.size', 26_000_000, 'INVALID_FIELD', 'DocumentReference.content[0].attachment.size'],
  ['a file type not accepted', 'DocumentReference', 'content.0.attachment.contentType', 'text/html', 'INVALID_FIELD', 'DocumentReference.content[0].attachment.contentType'],
  ['a file with no file id', 'DocumentReference', 'content.0.attachment.extension.0.extension.0.valueBase64Binary', 'AAEC', 'INVALID_FIELD', 'DocumentReference.content[0].attachment.extension.fileId'],
  ['an image not said how it was sealed', 'Media', 'content.extension', undefined, 'MISSING_FIELD', 'Media.content.extension'],
  ['an image with a short hash', 'Media', 'content.extension.0.extension.1.valueBase64Binary', 'AAECAwQFBgcICQoLDA0ODw==', 'INVALID_FIELD', 'Media.content.extension.sha256'],
  ['an image with no key epoch', 'Media', 'content.extension.0.extension.2.valueUnsignedInt', -1, 'INVALID_FIELD', 'Media.content.extension.epoch'],
  ['no status', 'Media', 'status', undefined, 'MISSING_FIELD', 'Media.status'],
  // Basic (the emergency profile)
  ['no code', 'Basic', 'code', undefined, 'MISSING_FIELD', 'Basic.code'],
  ['no subject', 'Basic', 'subject', undefined, 'MISSING_FIELD', 'Basic.subject'],
  ['a creation in the future', 'Basic', 'created', '2030-01-01', 'INVALID_FIELD', 'Basic.created'],
  ['an extension with no value', 'Basic', 'extension.0', { url: 'https://anamnesis.health/fhir/StructureDefinition/emergency-profile' }, 'INVALID_FIELD', 'Basic.extension[0]']
]

describe('validateRecord refuses, naming the field', () => {
  it.each(cases)('%s: %s', (_description, type, path, value, code, field) => {
    const error = refusal(changed(record(type), path, value))
    expect({ code: error.code, field: error.field }).toEqual({ code, field })
    expect(error.message.startsWith(field)).toBe(true)
  })

  it('covers every record type', () => {
    expect(new Set(cases.map(([, type]) => type))).toEqual(new Set(RECORD_TYPES))
  })

  it('an outcome that says nothing', () => {
    const empty = changed(changed(record('ClinicalImpression'), 'summary', undefined), 'finding', undefined)
    expect(refusal(empty)).toMatchObject({ code: 'MISSING_FIELD', field: 'ClinicalImpression.summary' })
  })

  it('a resource type the history does not keep', () => {
    const error = refusal({ resourceType: 'Patient', id: 'p' })
    expect(error.code).toBe('UNKNOWN_RECORD_TYPE')
    expect(error.message).toMatch(/record.resourceType must be one of Condition, Observation/)
  })

  it('something that is not a resource', () => {
    expect(refusal('Condition').field).toBe('record')
    expect(refusal([record('Condition')]).field).toBe('record')
  })

  it('with messages a person can act on', () => {
    expect(refusal(changed(record('Condition'), 'onsetDateTime', '2024-02-30')).message).toBe('Condition.onsetDateTime is not a calendar date: "2024-02-30".')
    expect(refusal(changed(record('Observation'), 'status', 'done')).message).toBe(
      'Observation.status must be one of registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown; got "done".'
    )
    expect(refusal(changed(record('Condition'), 'subject', undefined)).message).toBe('Condition.subject is missing; a Condition needs it.')
  })
})
