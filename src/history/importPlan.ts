// What importing a file would do, worked out before anything is written: the records it adds
// (validated, about this patient, with where they came from and their references between each
// other resolved to the ids the history gives them), those already in the history, the resource
// types it skips and why, and what it refuses, by entry or line. The patient sees it as the preview.
import { latestVersions } from './amendments.ts'
import { bodySitesOf } from './bodySite.ts'
import { CATEGORIES, CATEGORY_OF_TYPE, type Category } from './categories.ts'
import { canonicalJson } from './canonicalJson.ts'
import { CVX, ICD_10, ICD_10_CM, LOINC, RXNORM, SNOMED_CT } from './codeSystems.ts'
import { isPlainObject } from './fhirDatatypes.ts'
import { isAbsoluteUri } from './fhirPrimitives.ts'
import { HistoryError } from './HistoryError.ts'
import { MAX_ENTRY_BYTES, patientId, patientReference, vetRecord, type HistoryEntry } from './historyEntry.ts'
import { readImportFile, type ImportFile, type UnreadablePart } from './importFile.ts'
import { IMPORT_EXTENSION, IMPORTED_TAG, importExtension, originKey, readImportOrigin, type ImportOrigin } from './importOrigin.ts'
import { isRecordType, recordKey, type HistoryRecord, type RecordType } from './recordTypes.ts'
import { parseReference } from './references.ts'

/** A person the file's records are about: a Patient of the file, or a reference to one elsewhere. */
export interface ImportPerson {
  key: string
  /** Their name and birth date as the file gives them, else the reference. */
  label: string
  /** How many records of the kinds the history keeps are about them. */
  records: number
}

/** A record the import would add, and where it was in the file. */
export interface PlannedRecord {
  record: HistoryRecord
  where: string
  category: Category
}

/** Resources of one type skipped for one reason. */
export interface SkippedResources {
  resourceType: string
  count: number
  reason: string
}

/** A resource the import refuses (it does not pass the history's checks), where it was and why. */
export interface RefusedResource {
  where: string
  resourceType: string
  problem: string
}

/** A resource already in the history (or earlier in the same file), and the record it matched. */
export interface DuplicateResource {
  where: string
  resourceType: string
  /** "Type/id" of the record in the history it matches. */
  existing: string
}

/** What importing a file would do. */
export interface ImportPlan {
  file: Pick<ImportFile, 'name' | 'format' | 'bundleType' | 'source'>
  /** The people the file's records are about; more than one means the patient picks who is them. */
  people: ImportPerson[]
  /** The key of the person whose records are imported. */
  subject?: string
  records: PlannedRecord[]
  counts: Record<Category, number>
  duplicates: DuplicateResource[]
  skipped: SkippedResources[]
  refused: RefusedResource[]
  unreadable: UnreadablePart[]
  /** How many of the records to add carry codes of each known system. */
  codeSystems: { name: string; records: number }[]
  /** How many of the records to add carry a body site the body map can place. */
  bodySites: number
}

/** What {@link planImport} plans against: the history's patient and records, and the time. */
export interface ImportPlanOptions {
  /** The history's patient (wallet address): every imported record is about them. */
  patient: string
  /** The history as it is: what is there already is matched, never changed. */
  existing: readonly HistoryEntry[]
  /** When the import happens, in ms since 1970. */
  importedAt: number
  /** The present for the records' date checks; default importedAt. */
  now?: number
  /** The key of the person in the file who is the patient (see {@link ImportPlan.people}); default the one most records are about. */
  subject?: string
  /** Makes the id of a new record; default a random UUID. */
  newId?: () => string
}

/** Why each kind of resource the history does not keep is skipped, as the preview says it. */
const SKIP_REASONS: Readonly<Record<string, string>> = {
  Patient: 'the person: your history is about you, named by your wallet',
  Practitioner: 'people are kept as names on the records that mention them',
  PractitionerRole: 'people are kept as names on the records that mention them',
  RelatedPerson: 'people are kept as names on the records that mention them',
  Organization: 'organisations are kept as names on the records that mention them',
  Location: 'places are kept as names on the records that mention them',
  Medication: "a medicine's code is copied into the records that name it",
  Provenance: 'where a record came from is kept on the record itself',
  Claim: 'billing is not kept in the history',
  ExplanationOfBenefit: 'billing is not kept in the history',
  Coverage: 'insurance is not kept in the history',
  Composition: "the document's records are imported; its table of contents is not kept",
  OperationOutcome: "a server's message, not a record",
  Bundle: 'a bundle inside the file is not opened',
  Basic: 'what you keep about yourself here (your emergency profile) is written in the app, not imported',
  DocumentReference: 'files are attached in the app (Attach a file), so they are sealed before they are stored',
  Media: 'files are attached in the app (Attach a file), so they are sealed before they are stored'
}
const NOT_KEPT = 'not kept in the history'

/** The record types a file may bring: every clinical type the history keeps. Basic holds what the patient writes in the app about themself (the emergency profile), never a file's. */
type ImportedType = Exclude<RecordType, 'Basic' | 'DocumentReference' | 'Media'>
const isImportedType = (type: unknown): type is ImportedType => isRecordType(type) && type !== 'Basic' && type !== 'DocumentReference' && type !== 'Media'

/** The field that names the patient, per record type. */
const SUBJECT_FIELD: Readonly<Record<ImportedType, 'subject' | 'patient'>> = {
  Condition: 'subject',
  Observation: 'subject',
  MedicationStatement: 'subject',
  MedicationRequest: 'subject',
  AllergyIntolerance: 'patient',
  Procedure: 'subject',
  Immunization: 'patient',
  FamilyMemberHistory: 'patient',
  DiagnosticReport: 'subject',
  Encounter: 'subject',
  ServiceRequest: 'subject',
  ClinicalImpression: 'subject'
}

const KNOWN_SYSTEMS: readonly [string, string][] = [
  [SNOMED_CT, 'SNOMED CT'],
  [LOINC, 'LOINC'],
  [ICD_10, 'ICD-10'],
  [ICD_10_CM, 'ICD-10-CM'],
  [RXNORM, 'RxNorm'],
  [CVX, 'CVX']
]

/** Room an entry needs around its record (id, writer, time), so a record that fits leaves a whole entry within MAX_ENTRY_BYTES. */
const ENTRY_OVERHEAD = 4096

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined)

/** A resource's name as a person reads it: a person's or organisation's name, a medicine's text. */
function nameOf(resource: Record<string, unknown>): string | undefined {
  const name = resource.name
  if (typeof name === 'string') return text(name)
  if (Array.isArray(name) && isPlainObject(name[0])) {
    const first = name[0]
    const given = Array.isArray(first.given) ? first.given.filter((g): g is string => typeof g === 'string') : []
    return text(first.text) ?? text([...given, typeof first.family === 'string' ? first.family : ''].join(' ').trim())
  }
  const code = resource.code
  if (isPlainObject(code)) {
    const coding: unknown = Array.isArray(code.coding) ? code.coding[0] : undefined
    return text(code.text) ?? (isPlainObject(coding) ? text(coding.display) : undefined)
  }
  return undefined
}

/** The words that stand in for a reference to something the history does not keep. */
function elsewhere(reference: string): string {
  const type = parseReference(reference)?.type ?? /^([A-Z][A-Za-z]+)\?/.exec(reference)?.[1]
  return type === undefined ? 'a resource not in the imported file' : `a ${type} not in the imported file`
}

interface Resolver {
  /** The index of the file's resource a reference names, if the file holds it. */
  find(reference: string): number | undefined
}

function indexFile(file: ImportFile): Resolver {
  const byKey = new Map<string, number>()
  file.resources.forEach(({ resource, fullUrl }, i) => {
    const keys: string[] = []
    if (fullUrl !== undefined) {
      keys.push(fullUrl)
      const parsed = parseReference(fullUrl)
      if (parsed?.kind === 'absolute') keys.push(`${parsed.type ?? ''}/${parsed.id ?? ''}`)
    }
    if (typeof resource.id === 'string') keys.push(`${String(resource.resourceType)}/${resource.id}`)
    // The first resource to claim a key keeps it: a file that repeats one is read as its first.
    for (const key of keys) if (!byKey.has(key)) byKey.set(key, i)
  })
  return {
    find(reference) {
      const exact = byKey.get(reference)
      if (exact !== undefined) return exact
      const parsed = parseReference(reference)
      return parsed?.type === undefined ? undefined : byKey.get(`${parsed.type}/${parsed.id ?? ''}`)
    }
  }
}

/** The source system a resource comes from: its own meta.source, the file's, or the server its absolute fullUrl names. */
function sourceOf(resource: Record<string, unknown>, fullUrl: string | undefined, file: ImportFile): string | undefined {
  const meta = isPlainObject(resource.meta) ? resource.meta : {}
  const own = typeof meta.source === 'string' && isAbsoluteUri(meta.source) ? meta.source : undefined
  const fromFile = file.source !== undefined && isAbsoluteUri(file.source) ? file.source : undefined
  const server = fullUrl !== undefined && /^https?:\/\//.test(fullUrl) ? /^(.*)\/[A-Z][A-Za-z]+\/[^/]+$/.exec(fullUrl)?.[1] : undefined
  return own ?? fromFile ?? server
}

/** Copies a JSON value; `reference` decides what becomes of each Reference (an object with a string `reference`) met on the way. */
function copyWith(value: unknown, reference: (ref: Record<string, unknown>, target: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => copyWith(item, reference))
  if (!isPlainObject(value)) return value
  if (typeof value.reference === 'string' && !value.reference.startsWith('#')) return reference(value, value.reference)
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const inner = key === 'contained' ? value[key] : copyWith(value[key], reference)
    // Defined, not assigned: a "__proto__" key from the file stays a plain field (and the validator refuses it).
    if (key === '__proto__') Object.defineProperty(copy, key, { value: inner, enumerable: true, writable: true, configurable: true })
    else copy[key] = inner
  }
  return copy
}

/** A reference that can no longer point anywhere, kept as the name it gave or what it pointed at. */
const displayOnly = (ref: Record<string, unknown>, fallback: string): Record<string, unknown> => ({ display: text(ref.display) ?? fallback })

function problemOf(error: unknown): string {
  if (error instanceof HistoryError) return error.message
  throw error
}

/**
 * Works out what importing `file` into a history would do, without writing anything.
 *
 * @throws {HistoryError} `INVALID_ENTRY` when `options.patient` is not a wallet address.
 */
export function planImport(file: ImportFile, options: ImportPlanOptions): ImportPlan {
  const patient = patientId(options.patient)
  const now = options.now ?? options.importedAt
  const newId = options.newId ?? ((): string => globalThis.crypto.randomUUID())
  const importedAt = new Date(options.importedAt).toISOString()
  const resolver = indexFile(file)
  const resources = file.resources

  // Who each record is about: a Patient of the file (by its index), else the reference as written.
  const personOf = (resource: Record<string, unknown>, type: ImportedType): string | undefined => {
    const subject = resource[SUBJECT_FIELD[type]]
    if (!isPlainObject(subject) || typeof subject.reference !== 'string') return undefined
    const found = resolver.find(subject.reference)
    return found !== undefined && resources[found]?.resource.resourceType === 'Patient' ? `patient:${found}` : subject.reference
  }
  const labelOf = (key: string): string => {
    const index = /^patient:(\d+)$/.exec(key)?.[1]
    const person = index === undefined ? undefined : resources[Number(index)]?.resource
    if (person === undefined) return key === `Patient/${patient}` ? 'you (this history)' : key
    const born = typeof person.birthDate === 'string' ? ` (born ${person.birthDate})` : ''
    return `${nameOf(person) ?? (typeof person.id === 'string' ? person.id : 'an unnamed patient')}${born}`
  }
  const tally = new Map<string, number>()
  for (const { resource } of resources) {
    const type = resource.resourceType
    if (!isImportedType(type)) continue
    const person = personOf(resource, type)
    if (person !== undefined) tally.set(person, (tally.get(person) ?? 0) + 1)
  }
  const people = [...tally].map(([key, records]) => ({ key, label: labelOf(key), records })).sort((a, b) => b.records - a.records)
  const subject = people.find((p) => p.key === options.subject)?.key ?? people[0]?.key

  // What the history holds already, by the identifiers, origins and keys of its records.
  const existing = latestVersions(options.existing).map((entry) => entry.record)
  const byIdentifier = new Map<string, string>()
  const byOrigin = new Map<string, string>()
  const byKey = new Map<string, HistoryRecord>()
  const identifiersOf = (resource: Record<string, unknown>): string[] =>
    Array.isArray(resource.identifier)
      ? resource.identifier.flatMap((id: unknown) => (isPlainObject(id) && typeof id.system === 'string' && typeof id.value === 'string' ? [`${id.system}|${id.value}`] : []))
      : []
  const remember = (resource: Record<string, unknown>, key: string, origin: ImportOrigin | undefined): void => {
    for (const id of identifiersOf(resource)) if (!byIdentifier.has(id)) byIdentifier.set(id, key)
    const fromOrigin = origin === undefined ? undefined : originKey(origin)
    if (fromOrigin !== undefined && !byOrigin.has(fromOrigin)) byOrigin.set(fromOrigin, key)
  }
  for (const record of existing) {
    const key = recordKey(record)
    byKey.set(key, record)
    remember(record as unknown as Record<string, unknown>, key, readImportOrigin(record))
  }
  const sameAsStored = (resource: Record<string, unknown>): string | undefined => {
    if (typeof resource.id !== 'string') return undefined
    const key = `${String(resource.resourceType)}/${resource.id}`
    const stored = byKey.get(key)
    if (stored === undefined) return undefined
    try {
      return canonicalJson(resource, 'record') === canonicalJson(stored, 'record') ? key : undefined
    } catch {
      return undefined
    }
  }

  const plan: ImportPlan = {
    file: { name: file.name, format: file.format, ...(file.bundleType === undefined ? {} : { bundleType: file.bundleType }), ...(file.source === undefined ? {} : { source: file.source }) },
    people,
    ...(subject === undefined ? {} : { subject }),
    records: [],
    counts: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>,
    duplicates: [],
    skipped: [],
    refused: [],
    unreadable: [...file.unreadable],
    codeSystems: [],
    bodySites: 0
  }
  const skip = (resourceType: string, reason: string): void => {
    const found = plan.skipped.find((s) => s.resourceType === resourceType && s.reason === reason)
    if (found === undefined) plan.skipped.push({ resourceType, count: 1, reason })
    else found.count++
  }

  // First pass: what is skipped, what is there already, and the id each new record gets.
  const keyOf = new Map<number, string>()
  const candidates: { index: number; type: ImportedType; id: string; origin: ImportOrigin }[] = []
  resources.forEach(({ resource, fullUrl, where }, index) => {
    const type = resource.resourceType
    if (!isImportedType(type)) return skip(String(type), Object.hasOwn(SKIP_REASONS, String(type)) ? (SKIP_REASONS[String(type)] ?? NOT_KEPT) : NOT_KEPT)
    const person = personOf(resource, type)
    if (person !== undefined && person !== subject) return skip(type, `about someone else in the file (${labelOf(person)})`)
    const source = sourceOf(resource, fullUrl, file)
    const originalId = fullUrl ?? (typeof resource.id === 'string' ? `${type}/${resource.id}` : undefined)
    const origin: ImportOrigin = { file: file.name, importedAt, ...(source === undefined ? {} : { source }), ...(originalId === undefined ? {} : { originalId }) }
    const carried = readImportOrigin(resource)
    const matched =
      identifiersOf(resource)
        .map((id) => byIdentifier.get(id))
        .find((key) => key !== undefined) ??
      [carried, origin].map((o) => (o === undefined ? undefined : originKey(o))).map((key) => (key === undefined ? undefined : byOrigin.get(key))).find((key) => key !== undefined) ??
      sameAsStored(resource)
    if (matched !== undefined) {
      keyOf.set(index, matched)
      plan.duplicates.push({ where, resourceType: type, existing: matched })
      return
    }
    const id = newId()
    keyOf.set(index, `${type}/${id}`)
    // A resource repeated later in the same file matches this one.
    remember(resource, `${type}/${id}`, origin)
    candidates.push({ index, type, id, origin })
  })

  // Second pass: each new record built, its references resolved, and checked as any record is.
  const rewrite = (ref: Record<string, unknown>, target: string): unknown => {
    const found = resolver.find(target)
    if (found === undefined) return target === `Patient/${patient}` ? { ...ref } : displayOnly(ref, elsewhere(target))
    const mapped = keyOf.get(found)
    if (mapped !== undefined) return { ...ref, reference: mapped }
    const resource = resources[found]?.resource ?? {}
    if (resource.resourceType === 'Patient' && `patient:${found}` === subject) return { ...ref, ...patientReference(patient) }
    return displayOnly(ref, nameOf(resource) ?? `a ${String(resource.resourceType)} of the imported file`)
  }
  const refusedKeys = new Set<string>()
  const built: { record: HistoryRecord; where: string; type: ImportedType }[] = []
  for (const { index, type, id, origin } of candidates) {
    const { resource, where } = resources[index] ?? { resource: {}, where: '' }
    try {
      built.push({ record: buildRecord(resource, type, id, origin), where, type })
    } catch (error) {
      plan.refused.push({ where, resourceType: type, problem: problemOf(error) })
      refusedKeys.add(`${type}/${id}`)
    }
  }

  function buildRecord(resource: Record<string, unknown>, type: ImportedType, id: string, origin: ImportOrigin): HistoryRecord {
    const { extension, contained } = resource
    // What the history sets itself (type, id, meta, the patient) is not taken from the file.
    const replaced = new Set(['resourceType', 'id', 'meta', 'extension', 'contained', SUBJECT_FIELD[type]])
    const fields = Object.fromEntries(Object.entries(resource).filter(([key]) => !replaced.has(key)))
    const body = copyWith(fields, rewrite) as Record<string, unknown>
    // A medicine named by a Medication of the file: its code is copied in, as the history keeps no Medication.
    const medication = body.medicationReference
    const medicationRef: unknown = fields.medicationReference
    if (isPlainObject(medication) && isPlainObject(medicationRef) && typeof medicationRef.reference === 'string' && body.medicationCodeableConcept === undefined) {
      const found = resolver.find(medicationRef.reference)
      const code = found === undefined ? undefined : resources[found]?.resource.code
      if (isPlainObject(code)) {
        delete body.medicationReference
        body.medicationCodeableConcept = copyWith(code, (ref) => ref)
      }
    }
    const ownExtensions = Array.isArray(extension) ? extension.filter((e: unknown) => !(isPlainObject(e) && e.url === IMPORT_EXTENSION)) : extension
    const record = {
      ...body,
      resourceType: type,
      id,
      meta: { ...(origin.source === undefined ? {} : { source: origin.source }), tag: [{ ...IMPORTED_TAG }] },
      [SUBJECT_FIELD[type]]: patientReference(patient),
      extension: Array.isArray(ownExtensions) ? [...(ownExtensions as unknown[]), importExtension(origin)] : (ownExtensions ?? [importExtension(origin)]),
      ...(contained === undefined ? {} : { contained })
    }
    // Checked as its entry would check it, so writing it does not check it again (vetRecord).
    const { record: checked, text: json } = vetRecord(record, { now, patient })
    // Most text is ASCII: measure the bytes only when the characters come near the limit.
    if (json.length * 3 > MAX_ENTRY_BYTES - ENTRY_OVERHEAD && new TextEncoder().encode(json).length > MAX_ENTRY_BYTES - ENTRY_OVERHEAD) {
      throw new HistoryError('TOO_LARGE', `${type} is ${Math.ceil(json.length / 1024)} KB: one record may take at most ${(MAX_ENTRY_BYTES - ENTRY_OVERHEAD) / 1024} KB.`)
    }
    return checked
  }

  // A record refused is not written: references to it keep only a name.
  for (const item of built) {
    const record =
      refusedKeys.size === 0
        ? item.record
        : (copyWith(item.record, (ref, target) => (refusedKeys.has(target) ? displayOnly(ref, 'a record of the imported file that was not imported') : ref)) as HistoryRecord)
    const category = CATEGORY_OF_TYPE[item.type]
    plan.records.push({ record, where: item.where, category })
    plan.counts[category]++
    if (bodySitesOf(record).length > 0) plan.bodySites++
  }
  // One walk through each record finds every system it codes with.
  const recordsBySystem = new Map<string, number>()
  for (const { record } of plan.records) for (const system of systemsOf(record)) recordsBySystem.set(system, (recordsBySystem.get(system) ?? 0) + 1)
  plan.codeSystems = KNOWN_SYSTEMS.map(([system, name]) => ({ name, records: recordsBySystem.get(system) ?? 0 })).filter((s) => s.records > 0)
  return plan
}

/** The systems of the codings a record carries anywhere in it. */
function systemsOf(record: HistoryRecord): Set<string> {
  const systems = new Set<string>()
  const stack: unknown[] = [record]
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    if (Array.isArray(value)) stack.push(...(value as unknown[]))
    else if (isPlainObject(value)) {
      if (typeof value.system === 'string' && typeof value.code === 'string') systems.add(value.system)
      stack.push(...Object.values(value))
    }
  }
  return systems
}

/** The preview of a file: its plan, or why the file as a whole cannot be read. */
export type ImportPreview = { ok: true; plan: ImportPlan } | { ok: false; error: HistoryError }

/**
 * Reads a file and plans its import, never throwing for what the file holds: a file that cannot be
 * read at all comes back as `{ ok: false, error }` with a message for the patient.
 */
export function previewImport(bytes: Uint8Array, name: string, options: ImportPlanOptions): ImportPreview {
  try {
    return { ok: true, plan: planImport(readImportFile(bytes, name), options) }
  } catch (error) {
    if (error instanceof HistoryError) return { ok: false, error }
    throw error
  }
}
