// A small, table-driven validator for the FHIR R4 elements the history keeps. Each
// complex type lists every field FHIR R4 gives it (the `Schema` type makes the
// compiler check the list against @medplum/fhirtypes), so an unknown field is an
// error, and each field says its type; invariants the tables cannot say are `check`s.
import type { Annotation, Attachment, CodeableConcept, Coding, Dosage, Identifier, Meta, Narrative, Period, Quantity, Range, Ratio, Reference } from '@medplum/fhirtypes'
import { codeProblem, SNOMED_CT } from './codeSystems.ts'
import {
  CLOCK_TOLERANCE_MS,
  isAbsoluteUri,
  isBase64,
  isFhirCode,
  isFhirId,
  isFhirTime,
  isMimeType,
  isUri,
  parseFhirDate,
  stringProblem,
  type DateSpan
} from './fhirPrimitives.ts'
import { HistoryError, type HistoryErrorCode } from './HistoryError.ts'
import { lateralityProblem } from './bodySite.ts'
import { parseReference } from './references.ts'

/** What a record is checked against besides its own fields: the present and the history's patient. */
export interface ValidationContext {
  /** Dates of past events may not lie after this (plus a day of clock tolerance). */
  now: number
  /** When given, every subject must be `Patient/<patient>`. */
  patient: string | undefined
}

/** The FHIR R4 primitive types the validator checks. */
export type PrimitiveType =
  | 'id'
  | 'string'
  | 'markdown'
  | 'uri'
  | 'canonical'
  | 'code'
  | 'boolean'
  | 'integer'
  | 'positiveInt'
  | 'unsignedInt'
  | 'decimal'
  | 'date'
  | 'dateTime'
  | 'instant'
  | 'time'
  | 'base64Binary'

/** How one field of a complex type is checked: its type, whether it is a list, and the constraints on it. */
export interface FieldSpec {
  /** A primitive, a complex type, `element` (an object not checked inside), `extension`, `resource` (contained) or `refused`. */
  type: PrimitiveType | ComplexType | 'element' | 'extension' | 'resource' | 'refused'
  array?: boolean
  /** For codes: the values FHIR R4 allows (required binding). */
  values?: readonly string[]
  /** For references: the resource types allowed; none means any. */
  targets?: readonly string[]
  /** For dates and periods of past events: not in the future. */
  past?: boolean
  /** For CodeableConcepts with a required binding: a coding from this system, with one of these codes. */
  binding?: { system: string; codes: readonly string[] }
  /** A body site: a SNOMED CT body structure, optionally with a laterality qualifier. */
  bodySite?: boolean
  /** The reference to the patient the record is about. */
  subject?: boolean
  /** Why a `refused` field is refused. */
  reason?: string
}

/** A FHIR complex type (or resource) as the validator checks it: every field and its spec, the required ones, the [x] choices, and a `check` for invariants. */
export interface ComplexType {
  name: string
  fields: Readonly<Record<string, FieldSpec>>
  required: readonly string[]
  /** Groups of [x] choices: at most one of each may be present. */
  choices: readonly (readonly string[])[]
  /** Groups of [x] choices of which exactly one must be present. */
  requiredChoices: readonly (readonly string[])[]
  check: ((value: Record<string, unknown>, path: string, ctx: ValidationContext, spec: FieldSpec | undefined) => void) | undefined
}

/** Every field of T except `resourceType` (and any non-R4 fields named in X), each with its spec. */
export type Schema<T, X extends keyof T = never> = { readonly [K in Exclude<keyof T, 'resourceType' | X>]-?: FieldSpec }

/** The rules of a complex type beyond its fields: required fields, [x] choice groups, and a check for invariants. */
export interface Rules<T> {
  required?: readonly (keyof T & string)[]
  choices?: readonly (readonly (keyof T & string)[])[]
  requiredChoices?: readonly (readonly (keyof T & string)[])[]
  check?: (value: T, path: string, ctx: ValidationContext, spec: FieldSpec | undefined) => void
}

/**
 * A complex type for the validator; the compiler checks that `fields` lists every field of `T`.
 *
 * @param name - The FHIR name of the type, for messages.
 */
export function complexType<T, X extends keyof T = never>(name: string, fields: Schema<T, X>, rules: Rules<T> = {}): ComplexType {
  const check = rules.check
  return {
    name,
    fields,
    required: rules.required ?? [],
    choices: rules.choices ?? [],
    requiredChoices: rules.requiredChoices ?? [],
    check: check === undefined ? undefined : (value, path, ctx, spec) => check(value as T, path, ctx, spec)
  }
}

/** A single field of `type`. */
export const one = (type: FieldSpec['type'], extra: Omit<FieldSpec, 'type'> = {}): FieldSpec => ({ type, ...extra })
/** A list field of `type`. */
export const many = (type: FieldSpec['type'], extra: Omit<FieldSpec, 'type' | 'array'> = {}): FieldSpec => ({ type, array: true, ...extra })
/** A code field with the values FHIR R4 allows (required binding). */
export const code = (...values: string[]): FieldSpec => ({ type: 'code', values })
/** A dateTime field of something that has happened: not in the future. */
export const pastDateTime: FieldSpec = { type: 'dateTime', past: true }
/** A field holding an object that is not checked inside. */
export const element: FieldSpec = { type: 'element' }
/** A list field of objects that are not checked inside. */
export const elements: FieldSpec = { type: 'element', array: true }
/** A field the history refuses, with why. */
export const refused = (reason: string): FieldSpec => ({ type: 'refused', reason })

/**
 * Throws a HistoryError naming the field at `path`: "`path` `problem`."
 *
 * @throws {HistoryError} Always, with `code`.
 */
export function fail(code: HistoryErrorCode, path: string, problem: string): never {
  throw new HistoryError(code, `${path} ${problem}.`, { field: path })
}

/** Whether a value is a plain object (a JSON object), not a list, null or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** A value as a message shows it: a string quoted (and cut at 40 characters), else its kind. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`
  return typeof value === 'object' ? 'an object' : typeof value
}

/**
 * A FHIR date, dateTime or instant as the span it denotes.
 *
 * @param past - The value records something that has happened: it may not lie after `ctx.now` (plus a day of clock tolerance).
 * @throws {HistoryError} `INVALID_FIELD` when it is not a `kind`, or lies in the future though `past`.
 */
export function checkDate(value: string, kind: 'date' | 'dateTime' | 'instant', path: string, ctx: ValidationContext, past: boolean | undefined): DateSpan {
  const span = parseFhirDate(value, kind)
  if (typeof span === 'string') return fail('INVALID_FIELD', path, span)
  if (past === true && span.start > ctx.now + CLOCK_TOLERANCE_MS) fail('INVALID_FIELD', path, `is in the future ("${value}"), but it records something that has happened`)
  return span
}

function validatePrimitive(value: unknown, type: PrimitiveType, path: string, ctx: ValidationContext, spec: FieldSpec): void {
  const expect = (ok: boolean, what: string): void => {
    if (!ok) fail('INVALID_FIELD', path, `must be ${what}; got ${describeValue(value)}`)
  }
  switch (type) {
    case 'boolean':
      return expect(typeof value === 'boolean', 'true or false')
    case 'decimal':
      return expect(typeof value === 'number' && Number.isFinite(value), 'a number')
    case 'integer':
      return expect(Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31, 'a whole number')
    case 'positiveInt':
      return expect(Number.isInteger(value) && (value as number) >= 1 && (value as number) < 2 ** 31, 'a whole number of at least 1')
    case 'unsignedInt':
      return expect(Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 31, 'a whole number of at least 0')
    default:
      break
  }
  if (typeof value !== 'string') return fail('INVALID_FIELD', path, `must be a string; got ${describeValue(value)}`)
  switch (type) {
    case 'id':
      return expect(isFhirId(value), 'a FHIR id (1 to 64 letters, digits, "-" or ".")')
    case 'string':
    case 'markdown': {
      const problem = stringProblem(value)
      if (problem !== undefined) fail('INVALID_FIELD', path, problem)
      return
    }
    case 'uri':
    case 'canonical':
      return expect(isUri(value), 'a URI without spaces')
    case 'code':
      expect(isFhirCode(value), 'a code (no leading, trailing or double spaces)')
      if (spec.values !== undefined && !spec.values.includes(value)) fail('INVALID_FIELD', path, `must be one of ${spec.values.join(', ')}; got "${value}"`)
      return
    case 'date':
    case 'dateTime':
    case 'instant':
      checkDate(value, type, path, ctx, spec.past)
      return
    case 'time':
      return expect(isFhirTime(value), 'a time of day hh:mm:ss')
    case 'base64Binary':
      return expect(isBase64(value), 'base64 data')
  }
}

function validateOne(value: unknown, spec: FieldSpec, path: string, ctx: ValidationContext): void {
  if (value === null || value === undefined) fail('INVALID_FIELD', path, 'must not be null; leave it out instead')
  const { type } = spec
  if (type === 'refused') return fail('UNKNOWN_FIELD', path, `is not accepted: ${spec.reason ?? 'the history does not support it'}`)
  if (type === 'element') {
    if (!isPlainObject(value) || Object.keys(value).length === 0) fail('INVALID_FIELD', path, `must be a non-empty object; got ${describeValue(value)}`)
    return
  }
  if (type === 'extension') return validateExtension(value, path)
  if (type === 'resource') {
    if (!isPlainObject(value) || typeof value.resourceType !== 'string') return fail('INVALID_FIELD', path, 'must be a resource with a resourceType')
    if (typeof value.id !== 'string' || !isFhirId(value.id)) fail('INVALID_FIELD', `${path}.id`, 'must be the contained resource\'s FHIR id, so "#id" references can find it')
    return
  }
  if (typeof type === 'string') return validatePrimitive(value, type, path, ctx, spec)
  validateComplex(value, type, path, ctx, spec)
}

/**
 * Checks a field's value against its spec, item by item for a list.
 *
 * @throws {HistoryError} `INVALID_FIELD`, `MISSING_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT`, naming the field.
 */
export function validateField(value: unknown, spec: FieldSpec, path: string, ctx: ValidationContext): void {
  if (spec.array !== true) return validateOne(value, spec, path, ctx)
  if (!Array.isArray(value)) return fail('INVALID_FIELD', path, `must be a list; got ${describeValue(value)}`)
  if (value.length === 0) fail('INVALID_FIELD', path, 'must not be an empty list; leave it out instead')
  value.forEach((item, i) => validateOne(item, spec, `${path}[${i}]`, ctx))
}

/**
 * Checks an object as a complex type: every field known and valid, the required ones present,
 * at most one of each [x] choice, then the type's own invariants.
 *
 * @param spec - The spec of the field that holds it, for checks that depend on it (a binding, a body site, a subject).
 * @throws {HistoryError} `INVALID_FIELD`, `MISSING_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT`, naming the field.
 */
export function validateComplex(value: unknown, type: ComplexType, path: string, ctx: ValidationContext, spec?: FieldSpec): void {
  if (!isPlainObject(value)) return fail('INVALID_FIELD', path, `must be an object (a FHIR ${type.name}); got ${describeValue(value)}`)
  // Own fields only: a key such as "__proto__" or "constructor" names no field, whatever Object.prototype holds.
  const fieldOf = (name: string): FieldSpec | undefined => (Object.hasOwn(type.fields, name) ? type.fields[name] : undefined)
  for (const [key, item] of Object.entries(value)) {
    const fieldSpec = fieldOf(key)
    if (fieldSpec !== undefined) {
      validateField(item, fieldSpec, `${path}.${key}`, ctx)
      continue
    }
    // `_field` carries the id and extensions of a primitive field.
    const primitive = key.startsWith('_') ? fieldOf(key.slice(1)) : undefined
    if (primitive !== undefined && typeof primitive.type === 'string' && !['element', 'extension', 'resource', 'refused'].includes(primitive.type)) {
      const ok = primitive.array === true ? Array.isArray(item) && item.every((x) => x === null || isPlainObject(x)) : isPlainObject(item)
      if (!ok) fail('INVALID_FIELD', `${path}.${key}`, 'must hold the extensions of a primitive field')
      continue
    }
    fail('UNKNOWN_FIELD', `${path}.${key}`, `is not a field of a FHIR R4 ${type.name}`)
  }
  for (const name of type.required) {
    if (value[name] === undefined) fail('MISSING_FIELD', `${path}.${name}`, `is missing; a ${type.name} needs it`)
  }
  for (const group of type.choices) {
    const present = group.filter((name) => value[name] !== undefined)
    if (present.length > 1) fail('INVALID_FIELD', `${path}.${present[1] ?? ''}`, `cannot be given together with ${path}.${present[0] ?? ''}: only one of ${group.join(', ')} is allowed`)
  }
  for (const group of type.requiredChoices) {
    const present = group.filter((name) => value[name] !== undefined)
    const stem = (group[0] ?? '').replace(/[A-Z].*$/, '')
    if (present.length === 0) fail('MISSING_FIELD', `${path}.${stem}[x]`, `is missing: give one of ${group.join(', ')}`)
    if (present.length > 1) fail('INVALID_FIELD', `${path}.${present[1] ?? ''}`, `cannot be given together with ${path}.${present[0] ?? ''}: only one of ${group.join(', ')} is allowed`)
  }
  type.check?.(value, path, ctx, spec)
}

// ---- Datatypes -------------------------------------------------------------------

/** A list of FHIR extensions: each checked for its shape (a url, one value or nested extensions), not its value. */
export const extensions: FieldSpec = { type: 'extension', array: true }
const baseWithExtensions = { id: one('string'), extension: extensions } satisfies Record<string, FieldSpec>

// Extensions carry any of 50 value types; the history checks their shape (a url and
// either one value or nested extensions) and leaves the value to the extension's users.
// A part of a complex extension may be named by a simple name ("source"), as FHIR's own complex
// extensions name theirs; an extension at the top is always named by its absolute URL.
const PART_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/

function validateExtension(value: unknown, path: string, part = false): void {
  if (!isPlainObject(value)) return fail('INVALID_FIELD', path, 'must be an extension object')
  if (typeof value.url !== 'string' || !(isAbsoluteUri(value.url) || (part && PART_NAME.test(value.url)))) {
    fail('MISSING_FIELD', `${path}.url`, part ? 'must name the part of the extension (a simple name or an absolute URL)' : 'must be the absolute URL that names the extension')
  }
  const values = Object.keys(value).filter((k) => /^value[A-Z]/.test(k))
  const nested = value.extension
  for (const key of Object.keys(value)) {
    if (key !== 'id' && key !== 'url' && key !== 'extension' && !values.includes(key)) fail('UNKNOWN_FIELD', `${path}.${key}`, 'is not a field of a FHIR R4 Extension')
  }
  if (nested !== undefined) {
    if (values.length > 0) fail('INVALID_FIELD', path, 'must have either a value or nested extensions, not both')
    if (!Array.isArray(nested) || nested.length === 0) return fail('INVALID_FIELD', `${path}.extension`, 'must be a non-empty list')
    nested.forEach((n, i) => validateExtension(n, `${path}.extension[${i}]`, true))
  } else if (values.length !== 1) {
    fail('INVALID_FIELD', path, 'must have exactly one value[x] (or nested extensions)')
  }
}

/** A FHIR R4 Coding: system and code required, the system an absolute URI, the code checked against its system's format. */
export const CodingType = complexType<Coding>(
  'Coding',
  { ...baseWithExtensions, system: one('uri'), version: one('string'), code: one('code'), display: one('string'), userSelected: one('boolean') },
  {
    required: ['system', 'code'],
    check: (coding, path) => {
      const { system, code: value } = coding
      if (system === undefined || value === undefined) return
      if (!isAbsoluteUri(system)) fail('INVALID_FIELD', `${path}.system`, `must be an absolute URI naming the code system; got "${system}"`)
      const problem = codeProblem(system, value)
      if (problem !== undefined) fail('INVALID_FIELD', `${path}.code`, problem)
    }
  }
)

/** A FHIR R4 CodeableConcept: a coding or a text, a coding from the bound system where the field has a binding, a SNOMED CT coding and a sound laterality for a body site. */
export const CodeableConceptType = complexType<CodeableConcept>(
  'CodeableConcept',
  { ...baseWithExtensions, coding: many(CodingType), text: one('string') },
  {
    check: (concept, path, _ctx, spec) => {
      if (concept.coding === undefined && concept.text === undefined) fail('MISSING_FIELD', `${path}.coding`, 'is missing: a coded value needs at least a coding or a text')
      if (spec?.binding !== undefined) {
        const { system, codes } = spec.binding
        const fromSystem = (concept.coding ?? []).map((c, i) => ({ c, i })).filter(({ c }) => c.system === system)
        if (fromSystem.length === 0) fail('MISSING_FIELD', `${path}.coding`, `needs a coding from ${system} (one of ${codes.join(', ')})`)
        for (const { c, i } of fromSystem) {
          if (!codes.includes(c.code ?? '')) fail('INVALID_FIELD', `${path}.coding[${i}].code`, `must be one of ${codes.join(', ')}; got "${c.code ?? ''}"`)
        }
      }
      if (spec?.bodySite === true) {
        const snomed = (concept.coding ?? []).some((c) => c.system === SNOMED_CT)
        if (!snomed) fail('MISSING_FIELD', `${path}.coding`, `needs a SNOMED CT body structure coding (system ${SNOMED_CT}) so the body map can place it`)
        const problem = lateralityProblem(concept)
        if (problem !== undefined) fail('INVALID_FIELD', `${path}.extension`, problem)
      }
    }
  }
)

/** A FHIR R4 Period: a start or an end, the end not before the start, the start not in the future for a past event. */
export const PeriodType = complexType<Period>(
  'Period',
  { ...baseWithExtensions, start: one('dateTime'), end: one('dateTime') },
  {
    check: (period, path, ctx, spec) => {
      const start = period.start === undefined ? undefined : checkDate(period.start, 'dateTime', `${path}.start`, ctx, spec?.past)
      const end = period.end === undefined ? undefined : checkDate(period.end, 'dateTime', `${path}.end`, ctx, false)
      // A period with neither says why in an extension (data-absent-reason), as FHIR allows.
      if (start === undefined && end === undefined && period.extension === undefined) fail('MISSING_FIELD', `${path}.start`, 'is missing: a period needs a start or an end')
      if (start !== undefined && end !== undefined && end.end <= start.start) fail('INVALID_FIELD', `${path}.end`, 'is before the start of the period')
    }
  }
)

/** A FHIR R4 Quantity: a value, unit or code, and a system for a coded unit. */
export const QuantityType = complexType<Quantity>(
  'Quantity',
  { ...baseWithExtensions, value: one('decimal'), comparator: code('<', '<=', '>=', '>'), unit: one('string'), system: one('uri'), code: one('code') },
  {
    check: (quantity, path) => {
      if (quantity.code !== undefined && quantity.system === undefined) fail('MISSING_FIELD', `${path}.system`, 'is missing: a coded unit needs its system (UCUM is http://unitsofmeasure.org)')
      if (quantity.value === undefined && quantity.unit === undefined && quantity.code === undefined) fail('MISSING_FIELD', `${path}.value`, 'is missing: a quantity needs a value')
    }
  }
)

/** A FHIR R4 Range: a low or a high bound, the low not above the high in the same unit. */
export const RangeType = complexType<Range>(
  'Range',
  { ...baseWithExtensions, low: one(QuantityType), high: one(QuantityType) },
  {
    check: (range, path) => {
      const { low, high } = range
      if (low === undefined && high === undefined) fail('MISSING_FIELD', `${path}.low`, 'is missing: a range needs a low or a high bound')
      if (low?.value !== undefined && high?.value !== undefined && (low.code ?? low.unit) === (high.code ?? high.unit) && low.value > high.value) {
        fail('INVALID_FIELD', `${path}.low`, `is above the high bound (${low.value} > ${high.value})`)
      }
    }
  }
)

/** A FHIR R4 Ratio: numerator and denominator required. */
export const RatioType = complexType<Ratio>('Ratio', { ...baseWithExtensions, numerator: one(QuantityType), denominator: one(QuantityType) }, { required: ['numerator', 'denominator'] })

/** A FHIR R4 Identifier: a value required. */
export const IdentifierType = complexType<Identifier>(
  'Identifier',
  {
    ...baseWithExtensions,
    use: code('usual', 'official', 'temp', 'secondary', 'old'),
    type: one(CodeableConceptType),
    system: one('uri'),
    value: one('string'),
    period: one(PeriodType),
    assigner: element
  },
  { required: ['value'] }
)

const RELATED_AUTHORS = ['Practitioner', 'Patient', 'RelatedPerson', 'Organization']

/** A FHIR R4 Reference: a reference, identifier or display; a reference in a form FHIR allows, pointing at an allowed type, and for a subject, this history's patient. */
export const ReferenceType = complexType<Reference, 'resource'>(
  'Reference',
  { ...baseWithExtensions, reference: one('string'), type: one('uri'), identifier: one(IdentifierType), display: one('string') },
  {
    check: (reference, path, ctx, spec) => {
      if (reference.reference === undefined && reference.identifier === undefined && reference.display === undefined) {
        fail('MISSING_FIELD', `${path}.reference`, 'is missing: a reference needs a reference, an identifier or a display')
      }
      if (spec?.subject === true && reference.reference === undefined) fail('MISSING_FIELD', `${path}.reference`, 'is missing: name the patient as "Patient/<id>"')
      if (reference.reference === undefined) return
      const parsed = parseReference(reference.reference)
      if (parsed === undefined) {
        return fail('INVALID_FIELD', `${path}.reference`, `must be "Type/id", an absolute URL ending in Type/id, "urn:uuid:…" or "#id"; got "${reference.reference}"`)
      }
      const targets = spec?.targets ?? []
      if (parsed.type !== undefined) {
        if (targets.length > 0 && !targets.includes(parsed.type)) fail('INVALID_FIELD', `${path}.reference`, `must point at ${targets.join(' or ')}; got "${reference.reference}"`)
        if (reference.type !== undefined && reference.type !== parsed.type) fail('INVALID_FIELD', `${path}.type`, `says ${reference.type} but the reference points at ${parsed.type}`)
      }
      if (spec?.subject === true && ctx.patient !== undefined && reference.reference !== `Patient/${ctx.patient}`) {
        fail('WRONG_PATIENT', `${path}.reference`, `must be "Patient/${ctx.patient}", this history's patient; got "${reference.reference}"`)
      }
    }
  }
)

/** A FHIR R4 Annotation: text required, at most one author. */
export const AnnotationType = complexType<Annotation>(
  'Annotation',
  {
    ...baseWithExtensions,
    authorReference: one(ReferenceType, { targets: RELATED_AUTHORS }),
    authorString: one('string'),
    time: pastDateTime,
    text: one('markdown')
  },
  { required: ['text'], choices: [['authorReference', 'authorString']] }
)

/** A FHIR R4 Attachment: data or a url, a MIME type for data. */
export const AttachmentType = complexType<Attachment>(
  'Attachment',
  {
    ...baseWithExtensions,
    contentType: one('code'),
    language: one('code'),
    data: one('base64Binary'),
    url: one('uri'),
    size: one('unsignedInt'),
    hash: one('base64Binary'),
    title: one('string'),
    creation: pastDateTime
  },
  {
    check: (attachment, path) => {
      if (attachment.contentType !== undefined && !isMimeType(attachment.contentType)) fail('INVALID_FIELD', `${path}.contentType`, `must be a MIME type such as application/pdf; got "${attachment.contentType}"`)
      if (attachment.data !== undefined && attachment.contentType === undefined) fail('MISSING_FIELD', `${path}.contentType`, 'is missing: attached data needs its MIME type')
      if (attachment.data === undefined && attachment.url === undefined) fail('MISSING_FIELD', `${path}.data`, 'is missing: an attachment needs its data or a url')
    }
  }
)

/** A FHIR R4 Narrative: status and an XHTML div. */
export const NarrativeType = complexType<Narrative>(
  'Narrative',
  { ...baseWithExtensions, status: code('generated', 'extensions', 'additional', 'empty'), div: one('string') },
  {
    required: ['status', 'div'],
    check: (narrative, path) => {
      if (!narrative.div.trimStart().startsWith('<div')) fail('INVALID_FIELD', `${path}.div`, 'must be XHTML inside a <div> element')
    }
  }
)

/** A FHIR R4 Meta, without the fields medplum adds beyond R4. */
export const MetaType = complexType<Meta, 'project' | 'author' | 'onBehalfOf' | 'account' | 'accounts' | 'compartment' | 'deleted'>('Meta', {
  ...baseWithExtensions,
  versionId: one('id'),
  lastUpdated: one('instant'),
  source: one('uri'),
  profile: many('canonical'),
  security: many(CodingType),
  tag: many(CodingType)
})

/** A FHIR R4 Dosage: modifier extensions refused, its site a body site. */
export const DosageType = complexType<Dosage>('Dosage', {
  ...baseWithExtensions,
  modifierExtension: refused('modifier extensions change what a record means, and the history cannot show what it does not understand'),
  sequence: one('integer'),
  text: one('string'),
  additionalInstruction: many(CodeableConceptType),
  patientInstruction: one('string'),
  timing: element,
  asNeededBoolean: one('boolean'),
  asNeededCodeableConcept: one(CodeableConceptType),
  site: one(CodeableConceptType, { bodySite: true }),
  route: one(CodeableConceptType),
  method: one(CodeableConceptType),
  doseAndRate: elements,
  maxDosePerPeriod: one(RatioType),
  maxDosePerAdministration: one(QuantityType),
  maxDosePerLifetime: one(QuantityType)
})
