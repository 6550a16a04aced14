// Records from what a person types into a form: a doctor's request, diagnosis,
// prescription, procedure, follow-up and outcome, and a patient's own problems,
// medicines and allergies. Each builder links its record to the previous step of the
// diagnostic chain through the references diagnosticChains.ts follows, and checks the
// result with validateRecord; bad input is a HistoryError naming the FHIR field.
import type {
  AllergyIntolerance,
  Annotation,
  ClinicalImpression,
  CodeableConcept,
  Condition,
  Encounter,
  MedicationRequest,
  MedicationStatement,
  Patient,
  Procedure,
  Reference,
  ServiceRequest
} from '@medplum/fhirtypes'
import { bodySiteConcept, type BodySite } from './bodySite.ts'
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, CONDITION_CLINICAL, CONDITION_VERIFICATION, ICD_10, SNOMED_CT, V3_ACT_CODE } from './codeSystems.ts'
import { parseFhirDate } from './fhirPrimitives.ts'
import { HistoryError } from './HistoryError.ts'
import { patientId, patientReference } from './historyEntry.ts'
import { icd10Title, normalizeIcd10Code } from './icd10.ts'
import { parseReference } from './references.ts'
import type { HistoryRecord, RecordType } from './recordTypes.ts'
import { validateRecord } from './validateRecord.ts'

/** FHIR's Condition category code system (problem-list-item, encounter-diagnosis). */
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category'

/** What a form writes. The first six are the doctor's steps of the diagnostic chain, the last three the patient's own records. */
export const RECORD_KINDS = ['request', 'diagnosis', 'prescription', 'procedure', 'followUp', 'outcome', 'symptom', 'medication', 'allergy'] as const
/** What a form writes: a doctor's step of the diagnostic chain, or a patient's own record. */
export type RecordKind = (typeof RECORD_KINDS)[number]
/** The kinds a doctor writes: the steps of the diagnostic chain. */
export const DOCTOR_KINDS = ['request', 'diagnosis', 'prescription', 'procedure', 'followUp', 'outcome'] as const satisfies readonly RecordKind[]
/** The kinds a patient writes about themselves. */
export const PATIENT_KINDS = ['symptom', 'medication', 'allergy'] as const satisfies readonly RecordKind[]

/** The resource type each kind becomes. */
export const KIND_RECORD_TYPE = {
  request: 'ServiceRequest',
  diagnosis: 'Condition',
  prescription: 'MedicationRequest',
  procedure: 'Procedure',
  followUp: 'Encounter',
  outcome: 'ClinicalImpression',
  symptom: 'Condition',
  medication: 'MedicationStatement',
  allergy: 'AllergyIntolerance'
} as const satisfies Record<RecordKind, RecordType>

/**
 * The previous step a record of each kind may link to ("links to"), by the type of the
 * record linked to, and the field that holds the reference: the joins buildDiagnosticChains follows.
 */
export const LINK_FIELDS: Readonly<Record<RecordKind, Partial<Record<RecordType, string>>>> = {
  // A request investigates a diagnosis (or a result), or follows up a therapy.
  request: { Condition: 'reasonReference', Observation: 'reasonReference', DiagnosticReport: 'reasonReference', MedicationRequest: 'basedOn', ServiceRequest: 'basedOn' },
  // A diagnosis rests on the request, report or result that led to it.
  diagnosis: { ServiceRequest: 'evidence.detail', DiagnosticReport: 'evidence.detail', Observation: 'evidence.detail' },
  prescription: { Condition: 'reasonReference', Observation: 'reasonReference' },
  procedure: { Condition: 'reasonReference', Procedure: 'reasonReference', Observation: 'reasonReference', DiagnosticReport: 'reasonReference' },
  // Encounter.reasonReference cannot point at a MedicationRequest: a follow-up of a prescription names its diagnosis.
  followUp: { Condition: 'reasonReference', Procedure: 'reasonReference', ServiceRequest: 'basedOn' },
  outcome: { MedicationRequest: 'supportingInfo', MedicationStatement: 'supportingInfo', Procedure: 'supportingInfo', Encounter: 'encounter', ClinicalImpression: 'previous' },
  symptom: {},
  medication: { Condition: 'reasonReference' },
  allergy: {}
}

/** The record types a kind may link to. */
export function linkTargets(kind: RecordKind): RecordType[] {
  return Object.keys(LINK_FIELDS[kind]) as RecordType[]
}

/** How a problem may have gone after its therapy. */
export const OUTCOME_RESULTS = ['improved', 'unchanged', 'worse'] as const
/** How a problem went after its therapy: `improved`, `unchanged` or `worse`. */
export type OutcomeResult = (typeof OUTCOME_RESULTS)[number]

/** SNOMED CT qualifier values for how a problem went after a therapy. */
export const OUTCOME_CODES: Readonly<Record<OutcomeResult, { code: string; display: string }>> = {
  improved: { code: '385425000', display: 'Improved' },
  unchanged: { code: '260388006', display: 'No status change' },
  worse: { code: '231877006', display: 'Worse' }
}

/** The categories of an allergy FHIR R4 allows. */
export const ALLERGY_CATEGORIES = ['food', 'medication', 'environment', 'biologic'] as const
/** An allergy's category: `food`, `medication`, `environment` or `biologic`. */
export type AllergyCategory = (typeof ALLERGY_CATEGORIES)[number]

// Form values arrive as strings; an empty or blank string means "not given".
interface DraftBase {
  /** The previous step of the chain, as "Type/id" (see LINK_FIELDS). */
  linksTo?: string
  note?: string
}

/** A doctor's request form: becomes a ServiceRequest. Blank strings count as not given. */
export interface RequestDraft extends DraftBase {
  kind: 'request'
  /** What is asked for: a test, an examination, a referral. */
  what: string
  /** Why, in words. */
  reason?: string
  priority?: 'routine' | 'urgent' | 'asap' | 'stat'
  bodySite?: BodySite
}

/** A doctor's diagnosis form: becomes a Condition. Blank strings count as not given. */
export interface DiagnosisDraft extends DraftBase {
  kind: 'diagnosis'
  /** An ICD-10 (WHO) code; give this, `text`, or both. */
  icd10?: string
  /** The diagnosis in words; defaults to the code's title. */
  text?: string
  verification?: 'provisional' | 'differential' | 'confirmed'
  /** FHIR date or dateTime. */
  onset?: string
  bodySite?: BodySite
}

/** A doctor's prescription form: becomes a MedicationRequest. Blank strings count as not given. */
export interface PrescriptionDraft extends DraftBase {
  kind: 'prescription'
  medicine: string
  /** How to take it, in words: "400 mg up to three times a day with food". */
  dose: string
}

/** A doctor's procedure form: becomes a Procedure. Blank strings count as not given. */
export interface ProcedureDraft extends DraftBase {
  kind: 'procedure'
  what: string
  /** Default: completed. */
  status?: 'completed' | 'in-progress' | 'preparation'
  /** FHIR date or dateTime. */
  performed?: string
  bodySite?: BodySite
}

/** A doctor's follow-up visit form: becomes an Encounter. Blank strings count as not given. */
export interface FollowUpDraft extends DraftBase {
  kind: 'followUp'
  /** When the visit takes (or took) place: FHIR date or dateTime. In the future, the visit is planned. */
  date: string
  /** Its purpose in words. */
  reason?: string
}

/** A doctor's outcome form: becomes a ClinicalImpression. Blank strings count as not given. */
export interface OutcomeDraft extends DraftBase {
  kind: 'outcome'
  result: OutcomeResult
  /** The diagnosis this is the outcome of, as "Condition/id". */
  problem: string
  summary?: string
  /** When it was assessed; default now. */
  date?: string
}

/** A patient's own symptom or problem: becomes a Condition. Blank strings count as not given. */
export interface SymptomDraft extends DraftBase {
  kind: 'symptom'
  /** The symptom or problem in the patient's words. */
  text: string
  icd10?: string
  onset?: string
  bodySite?: BodySite
}

/** A medicine the patient takes: becomes a MedicationStatement. Blank strings count as not given. */
export interface MedicationDraft extends DraftBase {
  kind: 'medication'
  medicine: string
  dose?: string
  /** Taken since (FHIR date or dateTime). */
  since?: string
}

/** An allergy the patient reports: becomes an AllergyIntolerance. Blank strings count as not given. */
export interface AllergyDraft extends DraftBase {
  kind: 'allergy'
  /** What the patient reacts to. */
  substance: string
  category?: AllergyCategory
  /** What happens, in words: "hives", "swollen lips". */
  reaction?: string
  criticality?: 'low' | 'high' | 'unable-to-assess'
  onset?: string
}

/** What any form holds, told apart by `kind`. */
export type RecordDraft =
  | RequestDraft
  | DiagnosisDraft
  | PrescriptionDraft
  | ProcedureDraft
  | FollowUpDraft
  | OutcomeDraft
  | SymptomDraft
  | MedicationDraft
  | AllergyDraft

/** What every draft needs besides the form: the patient, the present and, optionally, the record's id. */
export interface DraftContext {
  /** The patient's wallet address: the record's subject. */
  patient: string
  /** The present, ms since 1970. Default Date.now(). */
  now?: number
  /** The record's FHIR id. Default: a random UUID. */
  id?: string
}

const given = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function required(value: string | undefined, field: string, what: string): string {
  const text = given(value)
  if (text === undefined) throw new HistoryError('MISSING_FIELD', `${field} is missing: ${what}.`, { field })
  return text
}

function date(value: string | undefined, field: string): string | undefined {
  const text = given(value)
  if (text === undefined) return undefined
  const parsed = parseFhirDate(text, 'dateTime')
  if (typeof parsed === 'string') throw new HistoryError('INVALID_FIELD', `${field} ${parsed}; got "${text}".`, { field })
  return text
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T | undefined {
  const text = given(value)
  if (text === undefined) return undefined
  if (!(allowed as readonly string[]).includes(text)) throw new HistoryError('INVALID_FIELD', `${field} must be one of ${allowed.join(', ')}; got "${text}".`, { field })
  return text as T
}

function icd10Coding(value: string | undefined, field: string): CodeableConcept['coding'] {
  const text = given(value)
  if (text === undefined) return undefined
  const code = normalizeIcd10Code(text)
  if (code === undefined) throw new HistoryError('INVALID_FIELD', `${field} is not an ICD-10 code (e.g. "J45.9"): "${text}".`, { field })
  const title = icd10Title(code)
  return [{ system: ICD_10, code, ...(title === undefined ? {} : { display: title }) }]
}

const notes = (text: string | undefined): { note?: Annotation[] } => {
  const note = given(text)
  return note === undefined ? {} : { note: [{ text: note }] }
}

const bodySites = (site: BodySite | undefined): { bodySite?: CodeableConcept[] } => (site === undefined ? {} : { bodySite: [bodySiteConcept(site)] })

/** The link of a draft: the field to fill and the reference, checked against the types the kind may link to. */
function link(kind: RecordKind, value: string | undefined, type: RecordType): { field: string; reference: Reference } | undefined {
  const target = given(value)
  if (target === undefined) return undefined
  const fields = LINK_FIELDS[kind]
  const parsed = parseReference(target)
  const targetType = parsed?.kind === 'relative' ? (parsed.type as RecordType) : undefined
  const field = targetType === undefined ? undefined : fields[targetType]
  if (field === undefined) {
    const first = Object.values(fields)[0]
    if (first === undefined) throw new HistoryError('UNKNOWN_FIELD', `${type} written from this form links to no other record; got "${target}".`, { field: type })
    const path = `${type}.${first}`
    throw new HistoryError('INVALID_FIELD', `${path} must point at a ${linkTargets(kind).join(' or ')} of this history ("Type/id"); got "${target}".`, { field: path })
  }
  return { field, reference: { reference: target } }
}

/** Puts a link into the record at its field ("evidence.detail" is a list inside a list). */
function withLink<R extends HistoryRecord>(record: R, found: { field: string; reference: Reference } | undefined): R {
  if (found === undefined) return record
  const { field, reference } = found
  const target = record as unknown as Record<string, unknown>
  if (field === 'evidence.detail') target.evidence = [{ detail: [reference] }]
  else if (field === 'encounter' || field === 'previous') target[field] = reference
  else target[field] = [...((target[field] as Reference[] | undefined) ?? []), reference]
  return record
}

function base(context: DraftContext): { id: string; subject: Reference<Patient>; now: number; nowText: string } {
  const now = context.now ?? Date.now()
  return { id: context.id ?? globalThis.crypto.randomUUID(), subject: patientReference(context.patient), now, nowText: new Date(now).toISOString() }
}

const finish = <R extends HistoryRecord>(record: R, context: DraftContext, now: number): R => {
  validateRecord(record, { now, patient: patientId(context.patient) })
  return record
}

/**
 * A request for more information: a test, examination or referral (ServiceRequest).
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftRequest(draft: Omit<RequestDraft, 'kind'>, context: DraftContext): ServiceRequest {
  const { id, subject, now, nowText } = base(context)
  const reason = given(draft.reason)
  const priority = oneOf(draft.priority, ['routine', 'urgent', 'asap', 'stat'], 'ServiceRequest.priority')
  const record: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id,
    status: 'active',
    intent: 'order',
    ...(priority === undefined ? {} : { priority }),
    code: { text: required(draft.what, 'ServiceRequest.code', 'say what is requested') },
    subject,
    authoredOn: nowText,
    ...(reason === undefined ? {} : { reasonCode: [{ text: reason }] }),
    ...bodySites(draft.bodySite),
    ...notes(draft.note)
  }
  return finish(withLink(record, link('request', draft.linksTo, 'ServiceRequest')), context, now)
}

/**
 * A doctor's diagnosis (Condition), coded in ICD-10 when a code is given.
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftDiagnosis(draft: Omit<DiagnosisDraft, 'kind'>, context: DraftContext): Condition {
  const { id, subject, now, nowText } = base(context)
  const coding = icd10Coding(draft.icd10, 'Condition.code.coding')
  const text = given(draft.text)
  if (coding === undefined && text === undefined) {
    throw new HistoryError('MISSING_FIELD', 'Condition.code is missing: choose an ICD-10 code or write the diagnosis in words.', { field: 'Condition.code' })
  }
  const onset = date(draft.onset, 'Condition.onsetDateTime')
  const record: Condition = {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active' }] },
    verificationStatus: {
      coding: [{ system: CONDITION_VERIFICATION, code: oneOf(draft.verification, ['provisional', 'differential', 'confirmed'], 'Condition.verificationStatus') ?? 'confirmed' }]
    },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    code: { ...(coding === undefined ? {} : { coding }), text: text ?? coding?.[0]?.display ?? coding?.[0]?.code ?? '' },
    ...bodySites(draft.bodySite),
    subject,
    ...(onset === undefined ? {} : { onsetDateTime: onset }),
    recordedDate: nowText,
    ...notes(draft.note)
  }
  return finish(withLink(record, link('diagnosis', draft.linksTo, 'Condition')), context, now)
}

/**
 * A prescription (MedicationRequest), for the diagnosis it links to.
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftPrescription(draft: Omit<PrescriptionDraft, 'kind'>, context: DraftContext): MedicationRequest {
  const { id, subject, now, nowText } = base(context)
  const record: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: required(draft.medicine, 'MedicationRequest.medicationCodeableConcept', 'name the medicine') },
    subject,
    authoredOn: nowText,
    dosageInstruction: [{ text: required(draft.dose, 'MedicationRequest.dosageInstruction', 'say how much to take and when') }],
    ...notes(draft.note)
  }
  return finish(withLink(record, link('prescription', draft.linksTo, 'MedicationRequest')), context, now)
}

/**
 * A procedure done or planned as therapy (Procedure).
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftProcedure(draft: Omit<ProcedureDraft, 'kind'>, context: DraftContext): Procedure {
  const { id, subject, now } = base(context)
  const performed = date(draft.performed, 'Procedure.performedDateTime')
  const record: Procedure = {
    resourceType: 'Procedure',
    id,
    status: oneOf(draft.status, ['completed', 'in-progress', 'preparation'], 'Procedure.status') ?? 'completed',
    code: { text: required(draft.what, 'Procedure.code', 'say what the procedure is') },
    subject,
    ...(performed === undefined ? {} : { performedDateTime: performed }),
    ...bodySites(draft.bodySite),
    ...notes(draft.note)
  }
  return finish(withLink(record, link('procedure', draft.linksTo, 'Procedure')), context, now)
}

/**
 * A follow-up visit (Encounter): finished when its date has passed, planned when it lies ahead.
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftFollowUp(draft: Omit<FollowUpDraft, 'kind'>, context: DraftContext): Encounter {
  const { id, subject, now } = base(context)
  const start = required(date(draft.date, 'Encounter.period.start'), 'Encounter.period.start', 'give the date of the visit')
  const span = parseFhirDate(start, 'dateTime')
  const planned = typeof span !== 'string' && span.start > now
  const reason = given(draft.reason)
  const record: Encounter = {
    resourceType: 'Encounter',
    id,
    status: planned ? 'planned' : 'finished',
    class: { system: V3_ACT_CODE, code: 'AMB', display: 'ambulatory' },
    type: [{ text: 'Follow-up visit' }],
    subject,
    period: { start },
    ...(reason === undefined ? {} : { reasonCode: [{ text: reason }] })
  }
  return finish(withLink(record, link('followUp', draft.linksTo, 'Encounter')), context, now)
}

/**
 * How a problem went after its therapy (ClinicalImpression): improved, unchanged or worse.
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftOutcome(draft: Omit<OutcomeDraft, 'kind'>, context: DraftContext): ClinicalImpression {
  const { id, subject, now, nowText } = base(context)
  const result = oneOf(draft.result, OUTCOME_RESULTS, 'ClinicalImpression.finding')
  if (result === undefined) throw new HistoryError('MISSING_FIELD', 'ClinicalImpression.finding is missing: say whether the problem improved, stayed the same or got worse.', { field: 'ClinicalImpression.finding' })
  const problem = required(draft.problem, 'ClinicalImpression.problem', 'choose the diagnosis this is the outcome of')
  if (parseReference(problem)?.type !== 'Condition') {
    throw new HistoryError('INVALID_FIELD', `ClinicalImpression.problem must point at a Condition of this history ("Condition/id"); got "${problem}".`, { field: 'ClinicalImpression.problem' })
  }
  const effective = date(draft.date, 'ClinicalImpression.effectiveDateTime') ?? nowText
  const { code, display } = OUTCOME_CODES[result]
  const record: ClinicalImpression = {
    resourceType: 'ClinicalImpression',
    id,
    status: 'completed',
    code: { text: 'Outcome of treatment' },
    subject,
    effectiveDateTime: effective,
    date: nowText,
    problem: [{ reference: problem }],
    summary: given(draft.summary) ?? display,
    finding: [{ itemCodeableConcept: { coding: [{ system: SNOMED_CT, code, display }], text: display } }],
    ...notes(draft.note)
  }
  return finish(withLink(record, link('outcome', draft.linksTo, 'ClinicalImpression')), context, now)
}

/**
 * A symptom or problem the patient notes themselves (Condition, unconfirmed, asserted by the patient).
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftSymptom(draft: Omit<SymptomDraft, 'kind'>, context: DraftContext): Condition {
  const { id, subject, now, nowText } = base(context)
  const text = required(draft.text, 'Condition.code', 'describe the symptom or problem')
  const coding = icd10Coding(draft.icd10, 'Condition.code.coding')
  const onset = date(draft.onset, 'Condition.onsetDateTime')
  const record: Condition = {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'unconfirmed' }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: { ...(coding === undefined ? {} : { coding }), text },
    ...bodySites(draft.bodySite),
    subject,
    ...(onset === undefined ? {} : { onsetDateTime: onset }),
    recordedDate: nowText,
    recorder: subject,
    asserter: subject,
    ...notes(draft.note)
  }
  return finish(withLink(record, link('symptom', draft.linksTo, 'Condition')), context, now)
}

/**
 * A medicine the patient takes (MedicationStatement, told by the patient).
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftMedication(draft: Omit<MedicationDraft, 'kind'>, context: DraftContext): MedicationStatement {
  const { id, subject, now, nowText } = base(context)
  const dose = given(draft.dose)
  const since = date(draft.since, 'MedicationStatement.effectivePeriod.start')
  const record: MedicationStatement = {
    resourceType: 'MedicationStatement',
    id,
    status: 'active',
    medicationCodeableConcept: { text: required(draft.medicine, 'MedicationStatement.medicationCodeableConcept', 'name the medicine') },
    subject,
    ...(since === undefined ? {} : { effectivePeriod: { start: since } }),
    dateAsserted: nowText,
    informationSource: subject,
    ...(dose === undefined ? {} : { dosage: [{ text: dose }] }),
    ...notes(draft.note)
  }
  return finish(withLink(record, link('medication', draft.linksTo, 'MedicationStatement')), context, now)
}

/**
 * An allergy or intolerance the patient reports (AllergyIntolerance, unconfirmed).
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function draftAllergy(draft: Omit<AllergyDraft, 'kind'>, context: DraftContext): AllergyIntolerance {
  const { id, subject, now, nowText } = base(context)
  const category = oneOf(draft.category, ALLERGY_CATEGORIES, 'AllergyIntolerance.category')
  const criticality = oneOf(draft.criticality, ['low', 'high', 'unable-to-assess'], 'AllergyIntolerance.criticality')
  const reaction = given(draft.reaction)
  const onset = date(draft.onset, 'AllergyIntolerance.onsetDateTime')
  const record: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id,
    clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'unconfirmed' }] },
    ...(category === undefined ? {} : { category: [category] }),
    ...(criticality === undefined ? {} : { criticality }),
    code: { text: required(draft.substance, 'AllergyIntolerance.code', 'say what causes the reaction') },
    patient: subject,
    ...(onset === undefined ? {} : { onsetDateTime: onset }),
    recordedDate: nowText,
    recorder: subject,
    asserter: subject,
    ...(reaction === undefined ? {} : { reaction: [{ manifestation: [{ text: reaction }] }] }),
    ...notes(draft.note)
  }
  return finish(withLink(record, link('allergy', draft.linksTo, 'AllergyIntolerance')), context, now)
}

/**
 * The record for any draft, by its kind.
 *
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming the FHIR field for missing or bad
 *   input, `UNKNOWN_FIELD` or `INVALID_FIELD` for a link the kind does not allow, and what
 *   validateRecord finds in the result; `INVALID_ENTRY` when the patient is not a wallet address.
 */
export function buildRecord(draft: RecordDraft, context: DraftContext): HistoryRecord {
  switch (draft.kind) {
    case 'request':
      return draftRequest(draft, context)
    case 'diagnosis':
      return draftDiagnosis(draft, context)
    case 'prescription':
      return draftPrescription(draft, context)
    case 'procedure':
      return draftProcedure(draft, context)
    case 'followUp':
      return draftFollowUp(draft, context)
    case 'outcome':
      return draftOutcome(draft, context)
    case 'symptom':
      return draftSymptom(draft, context)
    case 'medication':
      return draftMedication(draft, context)
    case 'allergy':
      return draftAllergy(draft, context)
  }
}
