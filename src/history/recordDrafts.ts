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
  Coding,
  Condition,
  DiagnosticReport,
  Encounter,
  FamilyMemberHistory,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
  Quantity,
  Reference,
  ServiceRequest
} from '@medplum/fhirtypes'
import { bodySiteConcept, type BodySite } from './bodySite.ts'
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, CONDITION_CLINICAL, CONDITION_VERIFICATION, ICD_10, SNOMED_CT, UCUM, V3_ACT_CODE, V3_ROLE_CODE } from './codeSystems.ts'
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

/** A concept picked from a terminology (SNOMED CT, LOINC, RxNorm, CVX): the coding a record carries beside its words. */
export interface ConceptCode {
  system: string
  code: string
  display: string
}

/** How severe a diagnosis is, as a doctor grades it. */
export const SEVERITIES = ['mild', 'moderate', 'severe'] as const
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number]

/** SNOMED CT qualifier values for a diagnosis's severity. */
export const SEVERITY_CODES: Readonly<Record<Severity, { code: string; display: string }>> = {
  mild: { code: '255604002', display: 'Mild' },
  moderate: { code: '6736007', display: 'Moderate' },
  severe: { code: '24484000', display: 'Severe' }
}

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
  /** What is asked for as a coded concept (e.g. SNOMED CT), beside the words. */
  coding?: ConceptCode
  /** Default: active; completed once it has been carried out. */
  status?: 'active' | 'completed'
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
  /** The diagnosis in another terminology (e.g. SNOMED CT), beside or instead of the ICD-10 code. */
  coding?: ConceptCode
  /** When the problem went away (FHIR date or dateTime): the diagnosis is then resolved. */
  resolved?: string
  severity?: Severity
}

/** A doctor's prescription form: becomes a MedicationRequest. Blank strings count as not given. */
export interface PrescriptionDraft extends DraftBase {
  kind: 'prescription'
  medicine: string
  /** How to take it, in words: "400 mg up to three times a day with food". */
  dose: string
  /** The medicine as a coded concept (e.g. RxNorm). */
  coding?: ConceptCode
  /** The last day of the course (FHIR date or dateTime): the prescription is valid until then. */
  until?: string
  /** Default: active; completed once the course is over. */
  status?: 'active' | 'completed'
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
  /** When a procedure that took a while (a course of physiotherapy) ended: FHIR date or dateTime, with `performed` its start. */
  performedUntil?: string
}

/** A doctor's follow-up visit form: becomes an Encounter. Blank strings count as not given. */
export interface FollowUpDraft extends DraftBase {
  kind: 'followUp'
  /** When the visit takes (or took) place: FHIR date or dateTime. In the future, the visit is planned. */
  date: string
  /** Its purpose in words. */
  reason?: string
  /** When a visit that took place ended: FHIR dateTime. Without it, a finished visit has no end. */
  until?: string
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
  /** The medicine as a coded concept (e.g. RxNorm). */
  coding?: ConceptCode
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
  /** The substance or allergy as a coded concept (e.g. SNOMED CT). */
  coding?: ConceptCode
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

const conceptCoding = (concept: ConceptCode | undefined): Coding[] => (concept === undefined ? [] : [{ system: concept.system, code: concept.code, display: concept.display }])
const codings = (concept: ConceptCode | undefined): { coding?: Coding[] } => (concept === undefined ? {} : { coding: conceptCoding(concept) })

const bodySites = (site: BodySite | undefined): { bodySite?: CodeableConcept[] } => (site === undefined ? {} : { bodySite: [bodySiteConcept(site)] })

/** The link of a draft: the field to fill and the reference, checked against the types the kind may link to. */
function link(kind: RecordKind, value: string | undefined, type: RecordType): { field: string; reference: Reference } | undefined {
  return linkThrough(LINK_FIELDS[kind], value, type)
}

function linkThrough(fields: Partial<Record<RecordType, string>>, value: string | undefined, type: RecordType): { field: string; reference: Reference } | undefined {
  const target = given(value)
  if (target === undefined) return undefined
  const parsed = parseReference(target)
  const targetType = parsed?.kind === 'relative' ? (parsed.type as RecordType) : undefined
  const field = targetType === undefined ? undefined : fields[targetType]
  if (field === undefined) {
    const first = Object.values(fields)[0]
    if (first === undefined) throw new HistoryError('UNKNOWN_FIELD', `${type} written from this form links to no other record; got "${target}".`, { field: type })
    const path = `${type}.${first}`
    throw new HistoryError('INVALID_FIELD', `${path} must point at a ${Object.keys(fields).join(' or ')} of this history ("Type/id"); got "${target}".`, { field: path })
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
    status: oneOf(draft.status, ['active', 'completed'], 'ServiceRequest.status') ?? 'active',
    intent: 'order',
    ...(priority === undefined ? {} : { priority }),
    code: { ...codings(draft.coding), text: required(draft.what, 'ServiceRequest.code', 'say what is requested') },
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
  const icd10 = icd10Coding(draft.icd10, 'Condition.code.coding')
  const coding = icd10 === undefined && draft.coding === undefined ? undefined : [...(icd10 ?? []), ...conceptCoding(draft.coding)]
  const text = given(draft.text)
  if (coding === undefined && text === undefined) {
    throw new HistoryError('MISSING_FIELD', 'Condition.code is missing: choose an ICD-10 code or write the diagnosis in words.', { field: 'Condition.code' })
  }
  const onset = date(draft.onset, 'Condition.onsetDateTime')
  const resolved = date(draft.resolved, 'Condition.abatementDateTime')
  const severity = oneOf(draft.severity, SEVERITIES, 'Condition.severity')
  const record: Condition = {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: resolved === undefined ? 'active' : 'resolved' }] },
    verificationStatus: {
      coding: [{ system: CONDITION_VERIFICATION, code: oneOf(draft.verification, ['provisional', 'differential', 'confirmed'], 'Condition.verificationStatus') ?? 'confirmed' }]
    },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    ...(severity === undefined ? {} : { severity: { coding: [{ system: SNOMED_CT, ...SEVERITY_CODES[severity] }], text: SEVERITY_CODES[severity].display } }),
    code: { ...(coding === undefined ? {} : { coding }), text: text ?? coding?.[0]?.display ?? coding?.[0]?.code ?? '' },
    ...bodySites(draft.bodySite),
    subject,
    ...(onset === undefined ? {} : { onsetDateTime: onset }),
    ...(resolved === undefined ? {} : { abatementDateTime: resolved }),
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
  const until = date(draft.until, 'MedicationRequest.dispenseRequest.validityPeriod.end')
  const record: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id,
    status: oneOf(draft.status, ['active', 'completed'], 'MedicationRequest.status') ?? 'active',
    intent: 'order',
    medicationCodeableConcept: { ...codings(draft.coding), text: required(draft.medicine, 'MedicationRequest.medicationCodeableConcept', 'name the medicine') },
    subject,
    authoredOn: nowText,
    dosageInstruction: [{ text: required(draft.dose, 'MedicationRequest.dosageInstruction', 'say how much to take and when') }],
    ...(until === undefined ? {} : { dispenseRequest: { validityPeriod: { start: nowText, end: until } } }),
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
  const performedUntil = date(draft.performedUntil, 'Procedure.performedPeriod.end')
  if (performedUntil !== undefined && performed === undefined) {
    throw new HistoryError('MISSING_FIELD', 'Procedure.performedPeriod.start is missing: give the day the procedure began.', { field: 'Procedure.performedPeriod.start' })
  }
  const record: Procedure = {
    resourceType: 'Procedure',
    id,
    status: oneOf(draft.status, ['completed', 'in-progress', 'preparation'], 'Procedure.status') ?? 'completed',
    code: { text: required(draft.what, 'Procedure.code', 'say what the procedure is') },
    subject,
    ...(performed === undefined ? {} : performedUntil === undefined ? { performedDateTime: performed } : { performedPeriod: { start: performed, end: performedUntil } }),
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
  const until = date(draft.until, 'Encounter.period.end')
  const record: Encounter = {
    resourceType: 'Encounter',
    id,
    status: planned ? 'planned' : 'finished',
    class: { system: V3_ACT_CODE, code: 'AMB', display: 'ambulatory' },
    type: [{ text: 'Follow-up visit' }],
    subject,
    period: { start, ...(until === undefined ? {} : { end: until }) },
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
    medicationCodeableConcept: { ...codings(draft.coding), text: required(draft.medicine, 'MedicationStatement.medicationCodeableConcept', 'name the medicine') },
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
    code: { ...codings(draft.coding), text: required(draft.substance, 'AllergyIntolerance.code', 'say what causes the reaction') },
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

// ── Records no form writes yet: results, reports, immunizations, family history ──────

/** The previous step a result or report may link to, by the type of the record linked to, and the field that holds the reference. */
export const RESULT_LINK_FIELDS: Readonly<Partial<Record<RecordType, string>>> = {
  // A result answers a request, checks a prescription, belongs to a procedure's follow-up or watches a diagnosis.
  ServiceRequest: 'basedOn',
  MedicationRequest: 'basedOn',
  Procedure: 'partOf',
  Condition: 'focus'
}
/** The request a diagnostic report answers. */
export const REPORT_LINK_FIELDS: Readonly<Partial<Record<RecordType, string>>> = { ServiceRequest: 'basedOn' }

/** Observation categories (HL7 observation-category) a result is filed under. */
export const RESULT_CATEGORIES = ['laboratory', 'vital-signs', 'imaging', 'survey', 'exam'] as const
/** One of {@link RESULT_CATEGORIES}. */
export type ResultCategory = (typeof RESULT_CATEGORIES)[number]
/** The code system of {@link RESULT_CATEGORIES}. */
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'

/** A measured result or a score (Observation): a lab value with its unit and reference range, a vital sign, a pain score. */
export interface ResultDraft extends DraftBase {
  /** What was measured, in words; defaults to the code's display. */
  what?: string
  /** What was measured as a coded concept, usually LOINC. */
  coding?: ConceptCode
  /** A measured value: give it with `unit`, or give `score`. */
  value?: number | string
  /** The unit as printed ("mmHg"). */
  unit?: string
  /** The unit's UCUM code when it differs from `unit` ("mm[Hg]"). */
  ucum?: string
  /** A score without a unit, a whole number (pain 0–10). */
  score?: number | string
  /** The reference range's lower and upper limits, in the value's unit; one alone where labs state only a limit. */
  low?: number | string
  high?: number | string
  category?: ResultCategory
  /** When it was taken: FHIR date or dateTime; default now. */
  effective?: string
  /** The visit it was taken at, as "Encounter/id". */
  encounter?: string
}

/** A report on what a request found (DiagnosticReport): an X-ray's, a scan's or a culture's conclusion. */
export interface ReportDraft extends DraftBase {
  /** What was examined, in words. */
  what: string
  /** What was examined as a coded concept (e.g. LOINC). */
  coding?: ConceptCode
  /** What was found, in words. */
  conclusion: string
  /** When the examination was done: FHIR date or dateTime. */
  effective?: string
}

/** A vaccination given (Immunization). */
export interface ImmunizationDraft extends DraftBase {
  vaccine: string
  /** The vaccine as a coded concept, usually CVX. */
  coding?: ConceptCode
  /** When it was given: FHIR date or dateTime; default now. */
  date?: string
  /** Where it was given: an upper arm, a thigh. */
  site?: BodySite
}

/** The relatives a family history names, with their HL7 v3 RoleCode. */
export const RELATIVES = {
  father: 'FTH',
  mother: 'MTH',
  brother: 'BRO',
  sister: 'SIS',
  son: 'SON',
  daughter: 'DAU',
  grandfather: 'GRFTH',
  grandmother: 'GRMTH'
} as const
/** A relative the family history names, one of {@link RELATIVES}. */
export type Relative = keyof typeof RELATIVES

/** A relative's illness, as the patient tells it (FamilyMemberHistory). */
export interface FamilyHistoryDraft extends DraftBase {
  relative: Relative
  /** The relative's illness, in words. */
  condition: string
  /** The illness as a coded concept (e.g. SNOMED CT). */
  coding?: ConceptCode
  /** The relative's age when it began, in years. */
  onsetAge?: number | string
  /** When the relative was born: a FHIR date ("1928"). */
  born?: string
  /** The relative has died. */
  deceased?: boolean
  /** The illness contributed to the relative's death. */
  causeOfDeath?: boolean
}

function numberOf(value: number | string | undefined, field: string): number | undefined {
  const text = typeof value === 'number' ? String(value) : given(value)
  if (text === undefined) return undefined
  const number = Number(text)
  if (!Number.isFinite(number)) throw new HistoryError('INVALID_FIELD', `${field} must be a number; got "${text}".`, { field })
  return number
}

/** A result (Observation), linked to the request, prescription, procedure or diagnosis it belongs to. */
export function draftResult(draft: ResultDraft, context: DraftContext): Observation {
  const { id, subject, now, nowText } = base(context)
  const text = given(draft.what) ?? draft.coding?.display
  if (text === undefined) throw new HistoryError('MISSING_FIELD', 'Observation.code is missing: say what was measured.', { field: 'Observation.code' })
  const value = numberOf(draft.value, 'Observation.valueQuantity.value')
  const score = numberOf(draft.score, 'Observation.valueInteger')
  if ((value === undefined) === (score === undefined)) {
    throw new HistoryError('MISSING_FIELD', 'Observation.value is missing: give either a value with its unit or a score.', { field: 'Observation.value' })
  }
  if (score !== undefined && !Number.isInteger(score)) throw new HistoryError('INVALID_FIELD', `Observation.valueInteger must be a whole number; got ${score}.`, { field: 'Observation.valueInteger' })
  const unit = given(draft.unit)
  if (value !== undefined && unit === undefined) throw new HistoryError('MISSING_FIELD', 'Observation.valueQuantity.unit is missing: give the unit of the value.', { field: 'Observation.valueQuantity.unit' })
  const quantity = (number: number): Quantity => ({ value: number, unit, system: UCUM, code: given(draft.ucum) ?? unit })
  const low = numberOf(draft.low, 'Observation.referenceRange.low')
  const high = numberOf(draft.high, 'Observation.referenceRange.high')
  const category = oneOf(draft.category, RESULT_CATEGORIES, 'Observation.category')
  const encounter = given(draft.encounter)
  if (encounter !== undefined && parseReference(encounter)?.type !== 'Encounter') {
    throw new HistoryError('INVALID_FIELD', `Observation.encounter must point at an Encounter of this history ("Encounter/id"); got "${encounter}".`, { field: 'Observation.encounter' })
  }
  const record: Observation = {
    resourceType: 'Observation',
    id,
    status: 'final',
    ...(category === undefined ? {} : { category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: category }] }] }),
    code: { ...codings(draft.coding), text },
    subject,
    ...(encounter === undefined ? {} : { encounter: { reference: encounter } }),
    effectiveDateTime: date(draft.effective, 'Observation.effectiveDateTime') ?? nowText,
    ...(value === undefined ? { valueInteger: score } : { valueQuantity: quantity(value) }),
    ...(low === undefined && high === undefined
      ? {}
      : { referenceRange: [{ ...(low === undefined ? {} : { low: quantity(low) }), ...(high === undefined ? {} : { high: quantity(high) }) }] }),
    ...notes(draft.note)
  }
  return finish(withLink(record, linkThrough(RESULT_LINK_FIELDS, draft.linksTo, 'Observation')), context, now)
}

/** A report on a request's findings (DiagnosticReport), issued now. */
export function draftReport(draft: ReportDraft, context: DraftContext): DiagnosticReport {
  const { id, subject, now, nowText } = base(context)
  const effective = date(draft.effective, 'DiagnosticReport.effectiveDateTime')
  const record: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    code: { ...codings(draft.coding), text: required(draft.what, 'DiagnosticReport.code', 'say what was examined') },
    subject,
    ...(effective === undefined ? {} : { effectiveDateTime: effective }),
    issued: nowText,
    conclusion: required(draft.conclusion, 'DiagnosticReport.conclusion', 'say what was found'),
    ...notes(draft.note)
  }
  return finish(withLink(record, linkThrough(REPORT_LINK_FIELDS, draft.linksTo, 'DiagnosticReport')), context, now)
}

/** A vaccination given (Immunization, completed). */
export function draftImmunization(draft: ImmunizationDraft, context: DraftContext): Immunization {
  const { id, subject, now, nowText } = base(context)
  const record: Immunization = {
    resourceType: 'Immunization',
    id,
    status: 'completed',
    vaccineCode: { ...codings(draft.coding), text: required(draft.vaccine, 'Immunization.vaccineCode', 'name the vaccine') },
    patient: subject,
    occurrenceDateTime: date(draft.date, 'Immunization.occurrenceDateTime') ?? nowText,
    ...(draft.site === undefined ? {} : { site: bodySiteConcept(draft.site) }),
    ...notes(draft.note)
  }
  return finish(withLink(record, linkThrough({}, draft.linksTo, 'Immunization')), context, now)
}

/** A relative's illness (FamilyMemberHistory), as the patient tells it. */
export function draftFamilyHistory(draft: FamilyHistoryDraft, context: DraftContext): FamilyMemberHistory {
  const { id, subject, now, nowText } = base(context)
  const relative = oneOf(draft.relative, Object.keys(RELATIVES) as Relative[], 'FamilyMemberHistory.relationship')
  if (relative === undefined) throw new HistoryError('MISSING_FIELD', 'FamilyMemberHistory.relationship is missing: say which relative this is about.', { field: 'FamilyMemberHistory.relationship' })
  const onsetAge = numberOf(draft.onsetAge, 'FamilyMemberHistory.condition.onsetAge')
  const born = given(draft.born)
  if (born !== undefined && typeof parseFhirDate(born, 'date') === 'string') {
    throw new HistoryError('INVALID_FIELD', `FamilyMemberHistory.bornDate must be a date ("1928", "1928-05"); got "${born}".`, { field: 'FamilyMemberHistory.bornDate' })
  }
  const record: FamilyMemberHistory = {
    resourceType: 'FamilyMemberHistory',
    id,
    status: 'completed',
    patient: subject,
    date: nowText,
    relationship: { coding: [{ system: V3_ROLE_CODE, code: RELATIVES[relative], display: relative }], text: relative },
    ...(born === undefined ? {} : { bornDate: born }),
    ...(draft.deceased === undefined ? {} : { deceasedBoolean: draft.deceased }),
    condition: [
      {
        code: { ...codings(draft.coding), text: required(draft.condition, 'FamilyMemberHistory.condition.code', "name the relative's illness") },
        ...(draft.causeOfDeath === undefined ? {} : { contributedToDeath: draft.causeOfDeath }),
        ...(onsetAge === undefined ? {} : { onsetAge: { value: onsetAge, unit: 'years', system: UCUM, code: 'a' } })
      }
    ],
    ...notes(draft.note)
  }
  return finish(withLink(record, linkThrough({}, draft.linksTo, 'FamilyMemberHistory')), context, now)
}
