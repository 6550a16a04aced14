// What the patient says about themself for an emergency that no record holds: blood group,
// whom to call, an advance directive, organ donation, language, implants, a free note, and
// which items of the history they chose to leave out of the summary and the card.
import { EmergencyError } from './EmergencyError.ts'

/** The ABO and Rh(D) blood groups a card can name. */
export const BLOOD_GROUPS = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'] as const
export type BloodGroup = (typeof BLOOD_GROUPS)[number]

/** Someone to call: a name, how they relate to the patient, a phone number. */
export interface EmergencyContact {
  name: string
  relation?: string
  phone: string
}

/** The patient's emergency profile. Every text is short, plain and single-line (the note excepted). */
export interface EmergencyProfile {
  /** The name a finder and a clinician should call the patient by. */
  name?: string
  bloodGroup?: BloodGroup
  contacts: EmergencyContact[]
  /** The patient's advance directive in their words, e.g. "Do not resuscitate"; the signed original is elsewhere. */
  advanceDirective?: string
  organDonor?: boolean
  /** The language to speak to the patient in, in words ("Portuguese") or a BCP 47 tag. */
  language?: string
  /** Implants and devices no record names: "Pacemaker (2019)", "Lens implant, left eye". */
  implants: string[]
  note?: string
  /** Items the patient left out of the summary and the card: record keys ("Condition/<id>") and profile keys ("profile:…"). */
  excluded: string[]
  /**
   * Items kept in the summary (which a clinician opens only with a trace) but left off the card,
   * which anyone who finds it reads: the same keys.
   */
  offCard: string[]
}

/** A profile with nothing in it: where every patient starts. */
export const EMPTY_PROFILE: EmergencyProfile = { contacts: [], implants: [], excluded: [], offCard: [] }

/** The longest single-line text a profile field holds; a card has little room. */
export const MAX_FIELD_LENGTH = 120
/** The longest note. */
export const MAX_NOTE_LENGTH = 1000
/** The most contacts, implants and left-out items a profile holds. */
export const MAX_CONTACTS = 4
export const MAX_IMPLANTS = 8
export const MAX_EXCLUDED = 5000

const FIELDS = new Set(['name', 'bloodGroup', 'contacts', 'advanceDirective', 'organDonor', 'language', 'implants', 'note', 'excluded', 'offCard'])
const CONTACT_FIELDS = new Set(['name', 'relation', 'phone'])
// Control characters would break a card's lines or hide text; a note may have line breaks.
 
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
 
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/
/** Digits with the usual separators and an optional leading +: what a phone dials. */
const PHONE = /^\+?[0-9][0-9 ()./-]{2,30}$/

function invalid(field: string, problem: string): never {
  throw new EmergencyError('INVALID_PROFILE', `The emergency profile's ${field} ${problem}.`)
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function text(value: unknown, field: string, { max = MAX_FIELD_LENGTH, lines = false } = {}): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') return invalid(field, 'must be text')
  const trimmed = value.trim()
  if (trimmed.length > max) invalid(field, `is longer than ${max} characters`)
  if ((lines ? CONTROL_BUT_NEWLINE : CONTROL).test(trimmed)) invalid(field, lines ? 'holds control characters' : 'must be one line of plain text')
  return trimmed === '' ? undefined : trimmed
}

function list(value: unknown, field: string, max: number): unknown[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return invalid(field, 'must be a list')
  if (value.length > max) invalid(field, `holds more than ${max} items`)
  return value
}

/**
 * Checks a value as an emergency profile (as typed by the patient, or read back from the history)
 * and returns it trimmed, empty texts left out.
 *
 * @throws {EmergencyError} `INVALID_PROFILE` naming the field at fault.
 */
export function parseProfile(value: unknown): EmergencyProfile {
  if (!isObject(value)) return invalid('value', 'must be an object')
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) invalid(key, 'is not a field of an emergency profile')
  const bloodGroup = value.bloodGroup
  if (bloodGroup !== undefined && !(BLOOD_GROUPS as readonly unknown[]).includes(bloodGroup)) invalid('blood group', `must be one of ${BLOOD_GROUPS.join(', ')}`)
  if (value.organDonor !== undefined && typeof value.organDonor !== 'boolean') invalid('organ donor', 'must be yes or no')
  const contacts = list(value.contacts, 'contacts', MAX_CONTACTS).map((contact, i): EmergencyContact => {
    const field = `contact ${i + 1}`
    if (!isObject(contact)) return invalid(field, 'must be an object')
    for (const key of Object.keys(contact)) if (!CONTACT_FIELDS.has(key)) invalid(`${field} ${key}`, 'is not a field of a contact')
    const name = text(contact.name, `${field} name`)
    const phone = text(contact.phone, `${field} phone`)
    if (name === undefined) invalid(`${field} name`, 'is missing')
    if (phone === undefined || !PHONE.test(phone)) invalid(`${field} phone`, 'must be a phone number (digits, spaces, and an optional leading +)')
    const relation = text(contact.relation, `${field} relation`)
    return { name, phone, ...(relation === undefined ? {} : { relation }) }
  })
  const implants = list(value.implants, 'implants', MAX_IMPLANTS).map((implant, i) => text(implant, `implant ${i + 1}`) ?? invalid(`implant ${i + 1}`, 'is empty'))
  const keys = (field: unknown, name: string): string[] =>
    list(field, `${name}s`, MAX_EXCLUDED).map((key, i) => {
      if (typeof key !== 'string' || key.length === 0 || key.length > 200 || CONTROL.test(key)) return invalid(`${name} ${i + 1}`, 'must be an item key')
      return key
    })
  const excluded = keys(value.excluded, 'left-out item')
  const offCard = keys(value.offCard, 'item left off the card')
  const optional = {
    name: text(value.name, 'name'),
    bloodGroup: bloodGroup as BloodGroup | undefined,
    advanceDirective: text(value.advanceDirective, 'advance directive'),
    organDonor: value.organDonor,
    language: text(value.language, 'language'),
    note: text(value.note, 'note', { max: MAX_NOTE_LENGTH, lines: true })
  }
  return {
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    contacts,
    implants,
    excluded: [...new Set(excluded)],
    offCard: [...new Set(offCard)]
  }
}
