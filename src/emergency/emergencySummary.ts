// The patient's emergency summary as an International Patient Summary (HL7 IPS, FHIR R4): a
// document Bundle whose first entry is a Composition coded LOINC 60591-5, one section per kind
// of information with its LOINC code, and the resources the sections point at. Built from the
// latest version of each record (entered-in-error and refuted ones left out), only what still
// matters in an emergency (active problems and allergies, current medicines, recent results,
// every immunization and past procedure), plus the patient's emergency profile. Every item can
// be left out by the patient; a required section with nothing in it says so with an emptyReason.
import type {
  AllergyIntolerance,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Composition,
  CompositionSection,
  Device,
  DeviceUseStatement,
  Observation,
  Patient,
  Reference,
  Resource
} from '@medplum/fhirtypes'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { codeSystems, queryHistory, recordKey, type Address, type HistoryEntry, type HistoryRecord } from '../history/index.ts'
import type { EmergencyProfile } from './emergencyProfile.ts'

/** The IPS sections this summary writes, in the order a clinician reads them. */
export const SECTIONS = [
  { id: 'allergies', title: 'Allergies and intolerances', code: '48765-2', display: 'Allergies and adverse reactions Document', required: true },
  { id: 'problems', title: 'Active problems', code: '11450-4', display: 'Problem list - Reported', required: true },
  { id: 'medications', title: 'Current medicines', code: '10160-0', display: 'History of Medication use Narrative', required: true },
  { id: 'devices', title: 'Implants and devices', code: '46264-8', display: 'History of medical device use', required: false },
  { id: 'advanceDirectives', title: 'Advance directive and organ donation', code: '42348-3', display: 'Advance directives', required: false },
  { id: 'results', title: 'Recent results and blood group', code: '30954-2', display: 'Relevant diagnostic tests/laboratory data Narrative', required: false },
  { id: 'immunizations', title: 'Immunizations', code: '11369-6', display: 'History of Immunization Narrative', required: false },
  { id: 'procedures', title: 'Past procedures', code: '47519-4', display: 'History of Procedures Document', required: false },
  { id: 'note', title: 'Note from the patient', code: '48767-8', display: 'Annotation comment [Interpretation] Narrative', required: false }
] as const

export type SectionId = (typeof SECTIONS)[number]['id']

/** The LOINC code of an International Patient Summary document. */
export const IPS_DOCUMENT_CODE = '60591-5'
/** The code system of a section's emptyReason. */
export const LIST_EMPTY_REASON = 'http://terminology.hl7.org/CodeSystem/list-empty-reason'
/** LOINC's ABO and Rh group, the code of the blood group result. */
export const BLOOD_GROUP_CODE = '882-1'
/** Where the summary's resources are said to live, so that its records' "Type/id" references resolve inside the document. */
export const SUMMARY_BASE = 'https://anamnesis.health/fhir/'
/** Results older than this are not "recent": a clinician would measure again. */
export const RECENT_RESULTS_MS = 2 * 365 * 86_400_000
/** At most this many recent results, the newest first. */
export const MAX_RESULTS = 12

/** One item the patient may keep in or leave out: a record of the history or a part of the profile. */
export interface SummaryItem {
  /** A record's "Type/id", or "profile:…" for a part of the profile. */
  key: string
  section: SectionId
  /** What it is, in plain words: "Penicillin", "Amlodipine". */
  label: string
  /** More about it: "high risk; reaction: urticaria", "5 mg every morning". */
  detail?: string
  /** For an allergy: one whose criticality is high. */
  critical?: boolean
  /** When it happened or was measured, for results, immunizations and procedures (ms). */
  at?: number
  included: boolean
  /** The record, for items of the history. */
  record?: HistoryRecord
}

/** What {@link emergencySummary} composes from. */
export interface SummaryInput {
  patient: Address
  /** Every entry of the history, as PatientHistory.entries() gives them; only latest versions count. */
  entries: readonly HistoryEntry[]
  profile: EmergencyProfile
  /** When the summary is composed (ms): the document's date and what "recent" means. */
  now: number
}

/** The summary as a document, and every item that could be in it, with whether it is. */
export interface EmergencySummary {
  bundle: Bundle
  items: SummaryItem[]
  /** When it was composed (ms). */
  composedAt: number
}

const BLOOD_GROUP_SNOMED: Record<NonNullable<EmergencyProfile['bloodGroup']>, { code: string; display: string }> = {
  'A+': { code: '278149003', display: 'Blood group A Rh(D) positive' },
  'A-': { code: '278152006', display: 'Blood group A Rh(D) negative' },
  'B+': { code: '278150003', display: 'Blood group B Rh(D) positive' },
  'B-': { code: '278153001', display: 'Blood group B Rh(D) negative' },
  'AB+': { code: '278151004', display: 'Blood group AB Rh(D) positive' },
  'AB-': { code: '278154007', display: 'Blood group AB Rh(D) negative' },
  'O+': { code: '278147001', display: 'Blood group O Rh(D) positive' },
  'O-': { code: '278148006', display: 'Blood group O Rh(D) negative' }
}

const conceptText = (concept: CodeableConcept | undefined): string | undefined =>
  concept?.text ?? concept?.coding?.find((c) => c.display !== undefined)?.display ?? concept?.coding?.[0]?.code

const statusCodes = (concept: CodeableConcept | undefined, system: string): string[] => (concept?.coding ?? []).filter((c) => c.system === system).map((c) => c.code ?? '')

const timeOf = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const time = Date.parse(value.length === 4 ? `${value}-01-01` : value.length === 7 ? `${value}-01` : value)
  return Number.isNaN(time) ? undefined : time
}

/** Whether an allergy still matters: not refuted, not inactive or resolved. */
function isLiveAllergy(record: AllergyIntolerance): boolean {
  if (statusCodes(record.verificationStatus, codeSystems.ALLERGY_VERIFICATION).includes('refuted')) return false
  const clinical = statusCodes(record.clinicalStatus, codeSystems.ALLERGY_CLINICAL)
  return clinical.length === 0 || clinical.includes('active')
}

function allergyDetail(record: AllergyIntolerance): string | undefined {
  const reactions = (record.reaction ?? []).flatMap((r) => r.manifestation.map(conceptText)).filter((t): t is string => t !== undefined)
  const parts = [record.criticality === 'high' ? 'high risk' : undefined, reactions.length > 0 ? `reaction: ${reactions.join(', ')}` : undefined].filter((p) => p !== undefined)
  return parts.length === 0 ? undefined : parts.join('; ')
}

/** The history's items that belong in an emergency summary, each in its section. */
function recordItems(input: SummaryInput): Omit<SummaryItem, 'included'>[] {
  const items: Omit<SummaryItem, 'included'>[] = []
  // Results and immunizations: the newest of each code (the last flu shot, the last HbA1c).
  const latestResult = new Map<string, Omit<SummaryItem, 'included'>>()
  const latestVaccine = new Map<string, Omit<SummaryItem, 'included'>>()
  for (const { record } of queryHistory(input.entries, {}, { patient: input.patient })) {
    const key = recordKey(record)
    switch (record.resourceType) {
      case 'AllergyIntolerance':
        if (isLiveAllergy(record)) {
          const detail = allergyDetail(record)
          items.push({ key, section: 'allergies', label: conceptText(record.code) ?? 'Allergy', ...(detail === undefined ? {} : { detail }), critical: record.criticality === 'high', record })
        }
        break
      case 'Condition': {
        const clinical = statusCodes(record.clinicalStatus, codeSystems.CONDITION_CLINICAL)
        const refuted = statusCodes(record.verificationStatus, codeSystems.CONDITION_VERIFICATION).includes('refuted')
        if (!refuted && clinical.some((c) => c === 'active' || c === 'recurrence' || c === 'relapse')) items.push({ key, section: 'problems', label: conceptText(record.code) ?? 'Condition', record })
        break
      }
      case 'MedicationStatement':
      case 'MedicationRequest':
        if (record.status === 'active') {
          const dose = record.resourceType === 'MedicationStatement' ? record.dosage?.[0]?.text : record.dosageInstruction?.[0]?.text
          items.push({ key, section: 'medications', label: conceptText(record.medicationCodeableConcept) ?? record.medicationReference?.display ?? 'Medicine', ...(dose === undefined ? {} : { detail: dose }), record })
        }
        break
      case 'Immunization':
        if (record.status === 'completed') {
          const at = timeOf(record.occurrenceDateTime)
          const code = record.vaccineCode.coding?.[0]
          const vaccine = code === undefined ? key : `${code.system ?? ''}|${code.code ?? ''}`
          const known = latestVaccine.get(vaccine)
          if (known?.at !== undefined && at !== undefined && known.at >= at) break
          latestVaccine.set(vaccine, { key, section: 'immunizations', label: conceptText(record.vaccineCode) ?? 'Immunization', ...(at === undefined ? {} : { at }), record })
        }
        break
      case 'Procedure':
        if (record.status === 'completed') {
          const at = timeOf(record.performedDateTime ?? record.performedPeriod?.start)
          items.push({ key, section: 'procedures', label: conceptText(record.code) ?? 'Procedure', ...(at === undefined ? {} : { at }), record })
        }
        break
      case 'Observation': {
        const at = timeOf(record.effectiveDateTime ?? record.effectivePeriod?.start ?? record.effectiveInstant ?? record.issued)
        if (at === undefined || input.now - at > RECENT_RESULTS_MS || !['final', 'amended', 'corrected'].includes(record.status)) break
        const code = record.code.coding?.[0]
        const series = code === undefined ? key : `${code.system ?? ''}|${code.code ?? ''}`
        const known = latestResult.get(series)
        if (known?.at !== undefined && known.at >= at) break
        const value = record.valueQuantity?.value === undefined ? (record.valueString ?? conceptText(record.valueCodeableConcept)) : `${record.valueQuantity.value} ${record.valueQuantity.unit ?? ''}`.trim()
        latestResult.set(series, { key, section: 'results', label: conceptText(record.code) ?? 'Result', ...(value === undefined ? {} : { detail: value }), at, record })
        break
      }
      default:
        break
    }
  }
  const newestFirst = (a: { at?: number }, b: { at?: number }): number => (b.at ?? 0) - (a.at ?? 0)
  const results = [...latestResult.values()].sort(newestFirst).slice(0, MAX_RESULTS)
  return [...items.sort((a, b) => (a.section === 'procedures' && b.section === 'procedures' ? newestFirst(a, b) : 0)), ...results, ...[...latestVaccine.values()].sort(newestFirst)]
}

/** The profile's items that can be left out; the patient's name cannot (it names the summary). */
function profileItems(profile: EmergencyProfile): Omit<SummaryItem, 'included'>[] {
  const items: Omit<SummaryItem, 'included'>[] = []
  if (profile.bloodGroup !== undefined) items.push({ key: 'profile:bloodGroup', section: 'results', label: `Blood group ${profile.bloodGroup}` })
  profile.implants.forEach((implant, i) => items.push({ key: `profile:implant:${i}`, section: 'devices', label: implant }))
  if (profile.advanceDirective !== undefined) items.push({ key: 'profile:advanceDirective', section: 'advanceDirectives', label: profile.advanceDirective })
  if (profile.organDonor !== undefined) items.push({ key: 'profile:organDonor', section: 'advanceDirectives', label: profile.organDonor ? 'Organ donor: yes' : 'Organ donor: no' })
  if (profile.note !== undefined) items.push({ key: 'profile:note', section: 'note', label: profile.note })
  return items
}

/** Items that do not sit in a section but in the Patient resource: contacts and language. */
function patientItems(profile: EmergencyProfile): { key: string; label: string; detail?: string }[] {
  return [
    ...profile.contacts.map((c, i) => ({ key: `profile:contact:${i}`, label: c.name, detail: [c.relation, c.phone].filter((p) => p !== undefined).join(', ') })),
    ...(profile.language === undefined ? [] : [{ key: 'profile:language', label: `Speaks ${profile.language}` }])
  ]
}

/** A stable urn:uuid for one of the summary's resources that the history does not name (the document, its Composition, a device). */
function stableUuid(...parts: string[]): string {
  const hex = bytesToHex(sha256(utf8ToBytes(parts.join('\n'))))
  // RFC 9562 version 8 (name-based, custom hash), variant 10.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function narrative(lines: readonly string[]): { status: 'generated'; div: string } {
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul></div>` }
}

/** A record as the summary carries it: references to records outside the summary keep only their words. */
function withinSummary(record: HistoryRecord, inSummary: ReadonlySet<string>, patientKey: string): HistoryRecord {
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy)
    if (typeof value !== 'object' || value === null) return value
    const object = value as Record<string, unknown>
    const reference = object.reference
    if (typeof reference === 'string' && !reference.startsWith('#') && reference !== patientKey && !inSummary.has(reference)) {
      const display = typeof object.display === 'string' ? object.display : `${reference.split('/')[0] ?? 'Record'} not in this summary`
      return { display }
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, key === 'contained' ? inner : copy(inner)]))
  }
  return copy(record) as HistoryRecord
}

const line = (item: Pick<SummaryItem, 'label' | 'detail'>): string => (item.detail === undefined ? item.label : `${item.label}: ${item.detail}`)

/**
 * Every item that could be in the patient's emergency summary, with whether the patient keeps it in
 * (everything is in unless the profile's `excluded` names it).
 */
export function summaryItems(input: SummaryInput): SummaryItem[] {
  const excluded = new Set(input.profile.excluded)
  const order = new Map<string, number>(SECTIONS.map((s, i) => [s.id, i]))
  const items = [...recordItems(input), ...profileItems(input.profile)]
    .map((item) => ({ ...item, included: !excluded.has(item.key) }))
    // Allergies of high risk first; otherwise the history's order.
    .sort((a, b) => (order.get(a.section) ?? 0) - (order.get(b.section) ?? 0) || Number(b.critical === true) - Number(a.critical === true))
  return items
}

/** The contacts and language as items the patient may leave out. */
export function contactItems(profile: EmergencyProfile): (Pick<SummaryItem, 'key' | 'label' | 'detail'> & { included: boolean })[] {
  const excluded = new Set(profile.excluded)
  return patientItems(profile).map((item) => ({ ...item, included: !excluded.has(item.key) }))
}

/**
 * The patient's emergency summary as an IPS document Bundle, from the latest version of each record
 * and the emergency profile, leaving out what the profile's `excluded` names. Pure: the same input
 * gives the same document.
 *
 * @throws {HistoryError} `INVALID_ENTRY` when `patient` is not a wallet address.
 */
export function emergencySummary(input: SummaryInput): EmergencySummary {
  const { profile, now } = input
  const patient = input.patient.toLowerCase()
  const patientKey = `Patient/${patient}`
  const items = summaryItems(input)
  const kept = items.filter((item) => item.included)
  const excluded = new Set(profile.excluded)
  const date = new Date(now).toISOString()

  const contacts = profile.contacts.filter((_, i) => !excluded.has(`profile:contact:${i}`))
  const language = excluded.has('profile:language') ? undefined : profile.language
  const patientResource: Patient = {
    resourceType: 'Patient',
    id: patient,
    ...(profile.name === undefined ? {} : { name: [{ text: profile.name }] }),
    ...(contacts.length === 0
      ? {}
      : {
          contact: contacts.map((c) => ({
            ...(c.relation === undefined ? {} : { relationship: [{ text: c.relation }] }),
            name: { text: c.name },
            telecom: [{ system: 'phone' as const, value: c.phone, use: 'mobile' as const }]
          }))
        }),
    ...(language === undefined ? {} : { communication: [{ language: { text: language }, preferred: true }] })
  }

  const resources: { fullUrl: string; resource: Resource }[] = []
  const inSummary = new Set(kept.filter((item) => item.record !== undefined).map((item) => item.key))
  const sectionRefs = new Map<SectionId, Reference[]>()
  const addTo = (section: SectionId, reference: Reference): void => {
    const list = sectionRefs.get(section) ?? []
    list.push(reference)
    sectionRefs.set(section, list)
  }
  for (const item of kept) {
    if (item.record !== undefined) {
      resources.push({ fullUrl: `${SUMMARY_BASE}${item.key}`, resource: withinSummary(item.record, inSummary, patientKey) })
      addTo(item.section, { reference: item.key })
    } else if (item.key === 'profile:bloodGroup' && profile.bloodGroup !== undefined) {
      const group = BLOOD_GROUP_SNOMED[profile.bloodGroup]
      const observation: Observation = {
        resourceType: 'Observation',
        id: stableUuid(patient, 'blood-group'),
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }],
        code: { coding: [{ system: codeSystems.LOINC, code: BLOOD_GROUP_CODE, display: 'ABO and Rh group [Type] in Blood' }], text: 'Blood group' },
        subject: { reference: patientKey },
        performer: [{ reference: patientKey, display: 'As the patient states it' }],
        valueCodeableConcept: { coding: [{ system: codeSystems.SNOMED_CT, ...group }], text: profile.bloodGroup }
      }
      resources.push({ fullUrl: `${SUMMARY_BASE}Observation/${observation.id ?? ''}`, resource: observation })
      addTo('results', { reference: `Observation/${observation.id ?? ''}` })
    } else if (item.key.startsWith('profile:implant:')) {
      const id = stableUuid(patient, item.key, item.label)
      const device: Device = { resourceType: 'Device', id, type: { text: item.label }, patient: { reference: patientKey } }
      const use: DeviceUseStatement = { resourceType: 'DeviceUseStatement', id: stableUuid(patient, item.key, item.label, 'use'), status: 'active', subject: { reference: patientKey }, device: { reference: `Device/${id}` } }
      resources.push({ fullUrl: `${SUMMARY_BASE}Device/${id}`, resource: device }, { fullUrl: `${SUMMARY_BASE}DeviceUseStatement/${use.id ?? ''}`, resource: use })
      addTo('devices', { reference: `DeviceUseStatement/${use.id ?? ''}` })
    }
  }

  const sections: CompositionSection[] = []
  for (const section of SECTIONS) {
    const lines = kept.filter((item) => item.section === section.id).map(line)
    const code = { coding: [{ system: codeSystems.LOINC, code: section.code, display: section.display }] }
    const entry = sectionRefs.get(section.id)
    if (lines.length > 0) {
      sections.push({ title: section.title, code, text: narrative(lines), ...(entry === undefined ? {} : { entry }) })
    } else if (section.required) {
      // The summary never says the patient left something out: that alone would reveal it.
      sections.push({
        title: section.title,
        code,
        text: narrative(['No information available.']),
        emptyReason: { coding: [{ system: LIST_EMPTY_REASON, code: 'unavailable', display: 'Unavailable' }] }
      })
    }
  }

  const compositionId = stableUuid(patient, 'composition', date)
  const composition: Composition = {
    resourceType: 'Composition',
    id: compositionId,
    status: 'final',
    type: { coding: [{ system: codeSystems.LOINC, code: IPS_DOCUMENT_CODE, display: 'Patient summary Document' }] },
    subject: { reference: patientKey },
    date,
    author: [{ reference: patientKey }],
    title: `Emergency summary${profile.name === undefined ? '' : ` of ${profile.name}`}`,
    section: sections
  }
  const entries: BundleEntry[] = [
    { fullUrl: `${SUMMARY_BASE}Composition/${compositionId}`, resource: composition },
    { fullUrl: `${SUMMARY_BASE}${patientKey}`, resource: patientResource },
    ...resources
  ]
  const bundle: Bundle = {
    resourceType: 'Bundle',
    id: stableUuid(patient, 'bundle', date),
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${stableUuid(patient, 'document', date)}` },
    type: 'document',
    timestamp: date,
    entry: entries
  }
  return { bundle, items, composedAt: now }
}
