// What the record form shows for each kind of record, and the pure steps between its
// string fields and a draft: required-field checks, the draft itself, and which field a
// HistoryError from the builders belongs to. RecordForm.tsx only renders this.
import {
  isEnteredInError,
  KIND_RECORD_TYPE,
  LATERALITY_CODES,
  recordVersions,
  LINK_FIELDS,
  linkTargets,
  normalizeIcd10Code,
  type Address,
  type BodySite,
  type HistoryError,
  type HistoryEntry,
  type HistoryRecord,
  type Laterality,
  type RecordDraft,
  type RecordKind,
  type RecordType
} from '../../history/index.ts'
import { recordLabel, recordTypeName, SNOMED_SITES } from '../../viz/index.ts'

/** A record a new one may link to. `id` is the record's FHIR id: the reference is `${type}/${id}`. */
export interface ChainTarget {
  id: string
  label: string
  type: RecordType
}

export const targetReference = (target: ChainTarget): string => `${target.type}/${target.id}`

export type Control = 'text' | 'textarea' | 'date' | 'select' | 'icd10' | 'bodySite' | 'laterality' | 'link' | 'problem'

export interface Option {
  value: string
  label: string
}

export interface FieldSpec {
  name: string
  label: string
  control: Control
  required?: boolean
  hint?: string
  options?: readonly Option[]
  /** The value a new form starts with. */
  initial?: string
  /** FHIR paths (from HistoryError.field) whose problems this field shows. */
  paths: readonly string[]
}

export interface KindText {
  /** In the kind picker. */
  label: string
  /** The submit button's name. */
  submit: string
  /** The status line's start after a record is added. */
  added: string
}

export const KIND_TEXT: Readonly<Record<RecordKind, KindText>> = {
  request: { label: 'Request for more information', submit: 'Add request', added: 'Request added' },
  diagnosis: { label: 'Diagnosis', submit: 'Add diagnosis', added: 'Diagnosis added' },
  prescription: { label: 'Prescription', submit: 'Add prescription', added: 'Prescription added' },
  procedure: { label: 'Procedure', submit: 'Add procedure', added: 'Procedure added' },
  followUp: { label: 'Follow-up visit', submit: 'Add follow-up', added: 'Follow-up added' },
  outcome: { label: 'Outcome of a therapy', submit: 'Add outcome', added: 'Outcome added' },
  symptom: { label: 'Symptom or problem', submit: 'Add symptom', added: 'Symptom added' },
  medication: { label: 'Medicine I take', submit: 'Add medicine', added: 'Medicine added' },
  allergy: { label: 'Allergy', submit: 'Add allergy', added: 'Allergy added' }
}

// SNOMED CT names body structures with adjectives ("Splenic structure"); a picker wants the noun.
const SITE_WORDS: Readonly<Record<string, string>> = {
  Abdominal: 'Abdomen',
  'Accessory sinus': 'Sinuses',
  'Back, including back of neck': 'Back',
  'Entire body as a whole': 'Whole body',
  Esophageal: 'Oesophagus',
  'Eye proper': 'Eye',
  Lumbar: 'Lower back',
  Nasal: 'Nose',
  'Oral cavity': 'Mouth',
  Pancreatic: 'Pancreas',
  Pelvic: 'Pelvis',
  Pharyngeal: 'Throat',
  Prostatic: 'Prostate',
  Splenic: 'Spleen',
  Thoracic: 'Chest',
  Tracheal: 'Trachea'
}

const shortSiteName = (name: string): string => {
  const short = name.replace(/^Structure of /, '').replace(/ (region )?structure\b/, '').replace(/ structure,/, ',')
  const noun = short.charAt(0).toUpperCase() + short.slice(1)
  return SITE_WORDS[noun] ?? noun
}

/** Body structures to pick from: the body map's sites that carry no side of their own (the side is picked apart). */
export const BODY_SITE_OPTIONS: readonly Option[] = Object.entries(SNOMED_SITES)
  .filter(([, site]) => site.laterality === undefined)
  .map(([code, site]) => ({ value: code, label: shortSiteName(site.name) }))
  .sort((a, b) => a.label.localeCompare(b.label))

const LATERALITY_LABELS: Record<Laterality, string> = { left: 'Left', right: 'Right', bilateral: 'Both sides' }
export const LATERALITY_OPTIONS: readonly Option[] = (Object.keys(LATERALITY_CODES) as Laterality[]).map((side) => ({ value: side, label: LATERALITY_LABELS[side] }))


const linkPaths = (kind: RecordKind): string[] => [...new Set(Object.values(LINK_FIELDS[kind]))].map((field) => `${KIND_RECORD_TYPE[kind]}.${field}`)

const note = (type: RecordType): FieldSpec => ({ name: 'note', label: 'Note', control: 'textarea', paths: [`${type}.note`] })
const site = (type: RecordType): FieldSpec[] => [
  { name: 'bodySite', label: 'Body site', control: 'bodySite', hint: 'Where on the body, if it is in one place.', paths: [`${type}.bodySite`] },
  { name: 'laterality', label: 'Side', control: 'laterality', paths: [] }
]
const linksTo = (kind: RecordKind, label: string, hint: string): FieldSpec => ({ name: 'linksTo', label, control: 'link', hint, paths: linkPaths(kind) })

export const FORM_FIELDS: Readonly<Record<RecordKind, readonly FieldSpec[]>> = {
  request: [
    { name: 'what', label: 'What is requested', control: 'text', required: true, hint: 'A test, an examination or a referral, e.g. "MRI of the left knee".', paths: ['ServiceRequest.code'] },
    { name: 'reason', label: 'Why', control: 'text', paths: ['ServiceRequest.reasonCode'] },
    {
      name: 'priority',
      label: 'Priority',
      control: 'select',
      initial: 'routine',
      options: [
        { value: 'routine', label: 'Routine' },
        { value: 'urgent', label: 'Urgent' }
      ],
      paths: ['ServiceRequest.priority']
    },
    ...site('ServiceRequest'),
    linksTo('request', 'Links to', 'The diagnosis this request investigates, or the therapy it follows up.'),
    note('ServiceRequest')
  ],
  diagnosis: [
    { name: 'icd10', label: 'ICD-10 code', control: 'icd10', hint: 'Type a code or words and choose from the list; any ICD-10 code may be typed.', paths: ['Condition.code'] },
    { name: 'text', label: 'Diagnosis in words', control: 'text', hint: 'Optional when a code is chosen: the code\'s title is used.', paths: ['Condition.code.text'] },
    {
      name: 'verification',
      label: 'Certainty',
      control: 'select',
      initial: 'confirmed',
      options: [
        { value: 'confirmed', label: 'Confirmed' },
        { value: 'provisional', label: 'Provisional' },
        { value: 'differential', label: 'Differential' }
      ],
      paths: ['Condition.verificationStatus']
    },
    { name: 'onset', label: 'Onset', control: 'date', paths: ['Condition.onsetDateTime'] },
    ...site('Condition'),
    linksTo('diagnosis', 'Based on', 'The request, report or result that led to this diagnosis.'),
    note('Condition')
  ],
  prescription: [
    { name: 'medicine', label: 'Medicine', control: 'text', required: true, hint: 'Name and strength, e.g. "Ibuprofen 400 mg".', paths: ['MedicationRequest.medicationCodeableConcept'] },
    { name: 'dose', label: 'Dose', control: 'text', required: true, hint: 'How much and when, e.g. "one tablet three times a day with food".', paths: ['MedicationRequest.dosageInstruction'] },
    linksTo('prescription', 'For diagnosis', 'The diagnosis this medicine treats.'),
    note('MedicationRequest')
  ],
  procedure: [
    { name: 'what', label: 'Procedure', control: 'text', required: true, paths: ['Procedure.code'] },
    {
      name: 'status',
      label: 'Status',
      control: 'select',
      initial: 'completed',
      options: [
        { value: 'completed', label: 'Done' },
        { value: 'in-progress', label: 'In progress' },
        { value: 'preparation', label: 'Planned' }
      ],
      paths: ['Procedure.status']
    },
    { name: 'performed', label: 'Date', control: 'date', paths: ['Procedure.performedDateTime'] },
    ...site('Procedure'),
    linksTo('procedure', 'For diagnosis', 'The diagnosis this procedure treats.'),
    note('Procedure')
  ],
  followUp: [
    { name: 'date', label: 'Date of the visit', control: 'date', required: true, hint: 'A date ahead plans the visit.', paths: ['Encounter.period'] },
    { name: 'reason', label: 'Purpose', control: 'text', paths: ['Encounter.reasonCode'] },
    linksTo('followUp', 'Follows up', 'The diagnosis or procedure this visit checks on (for a prescription, choose its diagnosis).')
  ],
  outcome: [
    {
      name: 'result',
      label: 'Result',
      control: 'select',
      required: true,
      options: [
        { value: 'improved', label: 'Improved' },
        { value: 'unchanged', label: 'Unchanged' },
        { value: 'worse', label: 'Worse' }
      ],
      paths: ['ClinicalImpression.finding']
    },
    { name: 'problem', label: 'Problem', control: 'problem', required: true, hint: 'The diagnosis whose outcome this is.', paths: ['ClinicalImpression.problem'] },
    linksTo('outcome', 'Therapy or follow-up', 'The therapy or follow-up visit this outcome comes from.'),
    { name: 'date', label: 'Assessed on', control: 'date', hint: 'Default: today.', paths: ['ClinicalImpression.effectiveDateTime'] },
    { name: 'summary', label: 'Summary', control: 'textarea', paths: ['ClinicalImpression.summary'] }
  ],
  symptom: [
    { name: 'text', label: 'Symptom or problem', control: 'text', required: true, hint: 'In your own words, e.g. "headaches in the morning".', paths: ['Condition.code'] },
    { name: 'onset', label: 'Since', control: 'date', paths: ['Condition.onsetDateTime'] },
    ...site('Condition'),
    note('Condition')
  ],
  medication: [
    { name: 'medicine', label: 'Medicine', control: 'text', required: true, paths: ['MedicationStatement.medicationCodeableConcept'] },
    { name: 'dose', label: 'How you take it', control: 'text', paths: ['MedicationStatement.dosage'] },
    { name: 'since', label: 'Since', control: 'date', paths: ['MedicationStatement.effectivePeriod'] },
    linksTo('medication', 'Taken for', 'The condition this medicine is for, if it is in your history.'),
    note('MedicationStatement')
  ],
  allergy: [
    { name: 'substance', label: 'Allergic to', control: 'text', required: true, hint: 'A medicine, food or anything else, e.g. "penicillin".', paths: ['AllergyIntolerance.code'] },
    {
      name: 'category',
      label: 'Kind',
      control: 'select',
      options: [
        { value: 'medication', label: 'Medicine' },
        { value: 'food', label: 'Food' },
        { value: 'environment', label: 'Environment (pollen, animals, dust)' },
        { value: 'biologic', label: 'Biologic (blood products, vaccines)' }
      ],
      paths: ['AllergyIntolerance.category']
    },
    { name: 'reaction', label: 'What happens', control: 'text', hint: 'E.g. "hives", "swollen lips".', paths: ['AllergyIntolerance.reaction'] },
    {
      name: 'criticality',
      label: 'How dangerous',
      control: 'select',
      options: [
        { value: 'low', label: 'Not life-threatening' },
        { value: 'high', label: 'Can be life-threatening' },
        { value: 'unable-to-assess', label: 'Not known' }
      ],
      paths: ['AllergyIntolerance.criticality']
    },
    { name: 'onset', label: 'Since', control: 'date', paths: ['AllergyIntolerance.onsetDateTime'] },
    note('AllergyIntolerance')
  ]
}

export type FormValues = Readonly<Record<string, string>>

/** A kind's starting values: each field's initial value, or empty. */
export function initialValues(kind: RecordKind): Record<string, string> {
  const values: Record<string, string> = Object.fromEntries(FORM_FIELDS[kind].map((field) => [field.name, field.initial ?? '']))
  // The ICD-10 box keeps the text typed apart from the code it stands for.
  if (FORM_FIELDS[kind].some((field) => field.control === 'icd10')) values.icd10Text = ''
  return values
}

const filled = (values: FormValues, name: string): string | undefined => {
  const value = values[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

/** Problems the form finds before building: required fields left empty, a side without a site, a code not understood. */
export function checkValues(kind: RecordKind, values: FormValues): Record<string, string> {
  const problems: Record<string, string> = {}
  for (const field of FORM_FIELDS[kind]) {
    if (field.required === true && filled(values, field.name) === undefined) problems[field.name] = `${field.label} is required.`
  }
  if (filled(values, 'laterality') !== undefined && filled(values, 'bodySite') === undefined) problems.laterality = 'Choose a body site for the side.'
  if (kind === 'diagnosis') {
    const typed = filled(values, 'icd10Text')
    if (typed !== undefined && filled(values, 'icd10') === undefined) problems.icd10 = `"${typed}" is not an ICD-10 code: choose one from the list or type a code such as J45.9.`
    else if (typed === undefined && filled(values, 'text') === undefined) problems.icd10 = 'Choose an ICD-10 code or write the diagnosis in words.'
  }
  return problems
}

function bodySite(values: FormValues): BodySite | undefined {
  const code = filled(values, 'bodySite')
  if (code === undefined) return undefined
  const laterality = filled(values, 'laterality') as Laterality | undefined
  const name = SNOMED_SITES[code]?.name
  return { code, ...(name === undefined ? {} : { display: name }), ...(laterality === undefined ? {} : { laterality }) }
}

/** The draft the form's values describe; blank values stay blank (the builders leave them out). */
export function draftFromValues(kind: RecordKind, values: FormValues): RecordDraft {
  const v = (name: string): string => values[name] ?? ''
  const site = bodySite(values)
  const common = { linksTo: v('linksTo'), note: v('note') }
  switch (kind) {
    case 'request':
      return { kind, ...common, what: v('what'), reason: v('reason'), priority: v('priority') as 'routine', ...(site === undefined ? {} : { bodySite: site }) }
    case 'diagnosis':
      return { kind, ...common, icd10: v('icd10'), text: v('text'), verification: v('verification') as 'confirmed', onset: v('onset'), ...(site === undefined ? {} : { bodySite: site }) }
    case 'prescription':
      return { kind, ...common, medicine: v('medicine'), dose: v('dose') }
    case 'procedure':
      return { kind, ...common, what: v('what'), status: v('status') as 'completed', performed: v('performed'), ...(site === undefined ? {} : { bodySite: site }) }
    case 'followUp':
      return { kind, ...common, date: v('date'), reason: v('reason') }
    case 'outcome':
      return { kind, ...common, result: v('result') as 'improved', problem: v('problem'), summary: v('summary'), date: v('date') }
    case 'symptom':
      return { kind, ...common, text: v('text'), onset: v('onset'), ...(site === undefined ? {} : { bodySite: site }) }
    case 'medication':
      return { kind, ...common, medicine: v('medicine'), dose: v('dose'), since: v('since') }
    case 'allergy':
      return { kind, ...common, substance: v('substance'), category: v('category') as 'food', reaction: v('reaction'), criticality: v('criticality') as 'low', onset: v('onset') }
  }
}

const pathCovers = (path: string, field: string): boolean => field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`)

/** The form field a builder's HistoryError belongs to: the one whose FHIR path covers the error's field most closely. */
export function fieldOfError(kind: RecordKind, error: HistoryError): FieldSpec | undefined {
  const at = error.field
  if (at === undefined) return undefined
  let best: { field: FieldSpec; length: number } | undefined
  for (const field of FORM_FIELDS[kind]) {
    for (const path of field.paths) {
      if (pathCovers(path, at) && (best === undefined || path.length > best.length)) best = { field, length: path.length }
    }
  }
  return best?.field
}

/** A builder's message in the form's words: the field's label instead of its FHIR path. */
export function messageForField(field: FieldSpec, error: HistoryError): string {
  const at = error.field
  const rest = at !== undefined && error.message.startsWith(at) ? error.message.slice(at.length).trimStart() : error.message
  return at !== undefined && error.message.startsWith(at) ? `${field.label} ${rest}` : rest
}

/** The values after picking an ICD-10 code from the list, or typing into its box. */
export function icd10Picked(code: string, title: string): { icd10: string; icd10Text: string } {
  return { icd10: code, icd10Text: `${code} ${title}` }
}

export function icd10Typed(text: string): { icd10: string; icd10Text: string } {
  return { icd10: normalizeIcd10Code(text) ?? '', icd10Text: text }
}

/** The link targets a kind may point at, from those offered; the outcome's "problem" takes the diagnoses. */
export function targetsFor(kind: RecordKind, control: 'link' | 'problem', targets: readonly ChainTarget[]): ChainTarget[] {
  const types: readonly RecordType[] = control === 'problem' ? ['Condition'] : linkTargets(kind)
  return targets.filter((target) => types.includes(target.type))
}

/** What the status line says once a record is added. */
export function addedMessage(kind: RecordKind, record: HistoryRecord): string {
  return `${KIND_TEXT[kind].added}: ${recordLabel(record)}.`
}

/** Link targets from a history: the latest version of each record, without those entered in error or conflicting copies of another writer's record. */
export function chainTargetsOf(entries: readonly HistoryEntry[], patient: Address): ChainTarget[] {
  return recordVersions(entries, { patient })
    .filter((versions) => versions.copyOf === undefined)
    .map((versions) => versions.latest)
    .filter((entry) => !isEnteredInError(entry.record) && entry.record.id !== undefined)
    .map((entry) => ({
      id: entry.record.id ?? '',
      type: entry.record.resourceType,
      label: `${recordTypeName(entry.record).replace(/^./, (c) => c.toUpperCase())}: ${recordLabel(entry.record)}`
    }))
}

/** The next active option of a listbox after a key, wrapping around; -1 when there are none. */
export function nextActive(current: number, key: 'ArrowDown' | 'ArrowUp' | 'Home' | 'End', count: number): number {
  if (count <= 0) return -1
  switch (key) {
    case 'Home':
      return 0
    case 'End':
      return count - 1
    case 'ArrowDown':
      return current < 0 || current >= count - 1 ? 0 : current + 1
    case 'ArrowUp':
      return current <= 0 ? count - 1 : current - 1
  }
}
