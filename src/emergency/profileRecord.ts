// Where the emergency profile is kept: as a record of the patient's own history, a FHIR Basic
// resource coded "emergency-profile" whose extensions carry the profile and the patient's choices.
// So it is medical data like any other record: sealed under the key of its category (notes) before
// it leaves the device, written to the log the patient's other devices and keepers replicate (so a
// new device finds it with the wallet alone, and a keeper holds it without reading it), corrected
// by amendments (the latest version counts), and anchored with the rest. Never plaintext storage.
// One record id for every patient, so each save amends the one profile rather than adding another;
// only the patient's own entries count: a profile written by anyone else is ignored.
import type { Basic, Extension } from '@medplum/fhirtypes'
import { queryHistory, type Address, type HistoryEntry } from '../history/index.ts'
import { CARD_KEY_LENGTH } from './cardLink.ts'
import { EmergencyError } from './EmergencyError.ts'
import { EMPTY_PROFILE, parseProfile, type EmergencyProfile } from './emergencyProfile.ts'

/** The profile record's id, the same in every history: saving again amends it. */
export const PROFILE_RECORD_ID = 'emergency-profile'
/** The code system of the kinds of record this app defines, and the profile's code in it. */
export const RECORD_KIND_SYSTEM = 'https://anamnesis.health/fhir/CodeSystem/record-kind'
export const PROFILE_CODE = 'emergency-profile'
/** The extension that carries the profile; its parts are extensions named `${PROFILE_EXTENSION}-<field>`. */
export const PROFILE_EXTENSION = 'https://anamnesis.health/fhir/StructureDefinition/emergency-profile'

const part = (field: string): string => `${PROFILE_EXTENSION}-${field}`

/**
 * The card in use: the key its link carries (its id derives from it), the keeper its link names and
 * until when (unix seconds). The key is secret: it travels inside this record, which the history seals
 * before it leaves the device, so the patient's other devices find the card with the wallet alone.
 */
export interface CardInUse {
  key: Uint8Array
  keeper: string
  expires: number
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

function cardExtension(card: CardInUse): Extension {
  return {
    url: part('card'),
    extension: [
      { url: part('cardKey'), valueBase64Binary: toBase64(card.key) },
      { url: part('cardKeeper'), valueString: card.keeper },
      { url: part('cardExpires'), valueInstant: new Date(card.expires * 1000).toISOString() }
    ]
  }
}

/** The card in use a profile record names, if it names one whole; undefined otherwise (a new card is then made). */
export function readCardInUse(record: Basic): CardInUse | undefined {
  const card = record.extension?.find((e) => e.url === PROFILE_EXTENSION)?.extension?.find((e) => e.url === part('card'))
  const inner = (field: string): Extension | undefined => card?.extension?.find((e) => e.url === part(field))
  const key = inner('cardKey')?.valueBase64Binary
  const keeper = inner('cardKeeper')?.valueString
  const expires = Date.parse(inner('cardExpires')?.valueInstant ?? '')
  if (key === undefined || keeper === undefined || !Number.isFinite(expires)) return undefined
  try {
    const bytes = fromBase64(key)
    return bytes.length === CARD_KEY_LENGTH ? { key: bytes, keeper, expires: Math.floor(expires / 1000) } : undefined
  } catch {
    return undefined
  }
}
const text = (field: string, value: string | undefined): Extension[] => (value === undefined ? [] : [{ url: part(field), valueString: value }])

/**
 * The profile as the record the history keeps.
 *
 * @param now - When it is saved (ms): the record's `created` day.
 * @param card - The card in use, kept with the profile (sealed with it in the history).
 */
export function profileRecord(profile: EmergencyProfile, patient: string, now: number, card?: CardInUse): Basic {
  const parts: Extension[] = [
    ...text('name', profile.name),
    ...(profile.bloodGroup === undefined ? [] : [{ url: part('bloodGroup'), valueCode: profile.bloodGroup }]),
    ...profile.contacts.map(
      (c): Extension => ({ url: part('contact'), extension: [...text('contactName', c.name), ...text('contactPhone', c.phone), ...text('contactRelation', c.relation)] })
    ),
    ...text('advanceDirective', profile.advanceDirective),
    ...(profile.organDonor === undefined ? [] : [{ url: part('organDonor'), valueBoolean: profile.organDonor }]),
    ...text('language', profile.language),
    ...profile.implants.flatMap((implant) => text('implant', implant)),
    ...text('note', profile.note),
    ...profile.excluded.flatMap((key) => text('excluded', key)),
    ...profile.offCard.flatMap((key) => text('offCard', key)),
    ...(card === undefined ? [] : [cardExtension(card)])
  ]
  const subject = { reference: `Patient/${patient.toLowerCase()}` }
  return {
    resourceType: 'Basic',
    id: PROFILE_RECORD_ID,
    code: { coding: [{ system: RECORD_KIND_SYSTEM, code: PROFILE_CODE, display: 'Emergency profile' }], text: 'Emergency profile' },
    subject,
    author: subject,
    created: new Date(now).toISOString().slice(0, 10),
    // A Basic without extensions says nothing: an empty profile still carries its (empty) part list.
    extension: [{ url: PROFILE_EXTENSION, ...(parts.length === 0 ? { valueBoolean: true } : { extension: parts }) }]
  }
}

/**
 * The profile a record holds, checked as a profile typed by the patient would be.
 *
 * @throws {EmergencyError} `INVALID_PROFILE` when the record is not an emergency profile or holds a malformed one.
 */
export function readProfileRecord(record: Basic): EmergencyProfile {
  if (!record.code.coding?.some((c) => c.system === RECORD_KIND_SYSTEM && c.code === PROFILE_CODE)) throw new EmergencyError('INVALID_PROFILE', 'This record is not an emergency profile.')
  const root = record.extension?.find((e) => e.url === PROFILE_EXTENSION)
  if (root === undefined) throw new EmergencyError('INVALID_PROFILE', 'The emergency profile record carries no profile.')
  const parts = root.extension ?? []
  const all = (field: string): Extension[] => parts.filter((e) => e.url === part(field))
  const one = (field: string): Extension | undefined => {
    const found = all(field)
    if (found.length > 1) throw new EmergencyError('INVALID_PROFILE', `The emergency profile record gives its ${field} twice.`)
    return found[0]
  }
  const known = new Set(['name', 'bloodGroup', 'contact', 'advanceDirective', 'organDonor', 'language', 'implant', 'note', 'excluded', 'offCard', 'card'].map(part))
  for (const e of parts) if (!known.has(e.url)) throw new EmergencyError('INVALID_PROFILE', `The emergency profile record has a part this app does not know (${e.url}).`)
  const inner = (e: Extension, field: string): string | undefined => e.extension?.find((x) => x.url === part(field))?.valueString
  return parseProfile({
    name: one('name')?.valueString,
    bloodGroup: one('bloodGroup')?.valueCode,
    contacts: all('contact').map((e) => ({ name: inner(e, 'contactName'), phone: inner(e, 'contactPhone'), relation: inner(e, 'contactRelation') })),
    advanceDirective: one('advanceDirective')?.valueString,
    organDonor: one('organDonor')?.valueBoolean,
    language: one('language')?.valueString,
    implants: all('implant').map((e) => e.valueString),
    note: one('note')?.valueString,
    excluded: all('excluded').map((e) => e.valueString),
    offCard: all('offCard').map((e) => e.valueString)
  })
}

/** The patient's emergency profile as the history holds it: the latest version, and the entry to amend when saving again. */
export interface StoredProfile {
  profile: EmergencyProfile
  /** The entry of the latest version; undefined while the patient has saved none. */
  entryId?: string
  /** When the latest version was written (ms). */
  savedAt?: number
  /** Why the stored profile could not be read, when it could not: the page starts from an empty one and says so. */
  problem?: string
  /** The card in use, once the patient published one. */
  card?: CardInUse
}

/**
 * The patient's emergency profile from their history's entries: the latest version of the patient's
 * own profile record; an empty profile while there is none.
 */
export function storedProfile(entries: readonly HistoryEntry[], patient: Address): StoredProfile {
  const own = queryHistory(entries, { types: ['Basic'] }, { patient })
    .filter((entry) => entry.writer === patient.toLowerCase() && entry.record.id === PROFILE_RECORD_ID)
    .sort((a, b) => (a.writtenAt < b.writtenAt ? 1 : a.writtenAt > b.writtenAt ? -1 : 0))
  const latest = own[0]
  if (latest === undefined || latest.record.resourceType !== 'Basic') return { profile: { ...EMPTY_PROFILE } }
  const card = readCardInUse(latest.record)
  const base = { entryId: latest.id, savedAt: Date.parse(latest.writtenAt), ...(card === undefined ? {} : { card }) }
  try {
    return { ...base, profile: readProfileRecord(latest.record) }
  } catch (error) {
    if (!(error instanceof EmergencyError)) throw error
    return { ...base, profile: { ...EMPTY_PROFILE }, problem: error.message }
  }
}
