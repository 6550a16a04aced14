// The card's offline tier: what anyone who finds the card may read, with no network, printed on
// it in plain words and held in its QR code as the same plain words. Any QR reader shows them;
// the app reads them line by line, strictly, because a code is untrusted input (damaged, or made
// to harm). The code also carries the link to the full tier (cardLink.ts).
//
// Format, version 1: UTF-8 lines separated by "\n", the first the header, then lines of
// "TAG: value" in any order, each value one line of plain text:
//   ANAMNESIS EMERGENCY CARD 1
//   NAME: <name>                          at most once
//   BLOOD: <A+|A-|B+|B-|AB+|AB-|O+|O->     at most once
//   SEVERE ALLERGY: <substance> | <reaction>          or ALLERGY: … (criticality high or not); the reaction is optional
//   DIRECTIVE: <advance directive>        at most once
//   CONDITIONS: <condition>; <condition>; …           at most once
//   MEDICINES: <medicine>; <medicine>; …              at most once
//   CONTACT: <name> | <phone> | <relation>            the relation is optional
//   LANGUAGE: <language>                  at most once
//   ORGAN DONOR: YES|NO                   at most once
//   FULL: <card link>                     at most once (cardLink.ts)
import { parseCardLink, type CardLink } from './cardLink.ts'
import { EmergencyError } from './EmergencyError.ts'
import { BLOOD_GROUPS, MAX_CONTACTS, MAX_FIELD_LENGTH, type BloodGroup, type EmergencyContact, type EmergencyProfile } from './emergencyProfile.ts'
import type { SummaryItem } from './emergencySummary.ts'

/** The version of the card format this app writes and reads. */
export const CARD_VERSION = 1
export const CARD_HEADER = `ANAMNESIS EMERGENCY CARD ${CARD_VERSION}`
/** The most bytes a card's text may have: what a QR code holds at its largest (version 40, error correction M). */
export const MAX_CARD_BYTES = 2331
/**
 * The bytes a card's code should stay within: a version 15 QR code at error correction M (77
 * modules a side), which still scans from a wallet card printed at 3 cm.
 */
export const CARD_BUDGET_BYTES = 412
/** The most allergies, conditions and medicines a card lists. */
export const MAX_CARD_ITEMS = 12

/** An allergy as the card states it. */
export interface CardAllergy {
  substance: string
  critical: boolean
  reaction?: string
}

/** What anyone who finds the card may read. */
export interface OfflineTier {
  name?: string
  bloodGroup?: BloodGroup
  allergies: CardAllergy[]
  advanceDirective?: string
  conditions: string[]
  medicines: string[]
  contacts: EmergencyContact[]
  language?: string
  organDonor?: boolean
  /** The link to the full tier, when the card has one. */
  link?: string
}

/** The card's tier, and what the patient chose that found no room on it. */
export interface FittedCard {
  tier: OfflineTier
  text: string
  /** Items left off for want of room, as the patient reads them: "Medicine: Metformin". */
  leftOff: string[]
}

const TAGS = ['NAME', 'BLOOD', 'SEVERE ALLERGY', 'ALLERGY', 'DIRECTIVE', 'CONDITIONS', 'MEDICINES', 'CONTACT', 'LANGUAGE', 'ORGAN DONOR', 'FULL'] as const
type Tag = (typeof TAGS)[number]
const ONCE = new Set<Tag>(['NAME', 'BLOOD', 'DIRECTIVE', 'CONDITIONS', 'MEDICINES', 'LANGUAGE', 'ORGAN DONOR', 'FULL'])
 
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const PHONE = /^\+?[0-9][0-9 ()./-]{2,30}$/

/** A value as one card line can carry it: one line, no field or list separator, within the length a field allows. */
function cardText(value: string): string {
  const flat = value.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(new RegExp(CONTROL.source, 'g'), '').replace(/\|/g, '/').replace(/;/g, ',').trim()
  return flat.length > MAX_FIELD_LENGTH ? `${flat.slice(0, MAX_FIELD_LENGTH - 1)}…` : flat
}

/** The card's lines for a tier, header first, in the order a reader needs them. */
function tierLines(tier: OfflineTier): { line: string; what: string }[] {
  const lines: { line: string; what: string }[] = []
  const add = (tag: Tag, value: string, what: string): void => {
    // A value with nothing left to say once made one plain line is not worth a line.
    if (value.split(' | ').some((field) => field === '')) return
    lines.push({ line: `${tag}: ${value}`, what })
  }
  if (tier.name !== undefined) add('NAME', cardText(tier.name), `Name: ${tier.name}`)
  if (tier.bloodGroup !== undefined) add('BLOOD', tier.bloodGroup, `Blood group: ${tier.bloodGroup}`)
  const fields = (required: string[], optional: string | undefined): string => [...required.map(cardText), ...(optional === undefined ? [] : [cardText(optional)].filter((f) => f !== ''))].join(' | ')
  for (const a of tier.allergies) add(a.critical ? 'SEVERE ALLERGY' : 'ALLERGY', fields([a.substance], a.reaction), `Allergy: ${a.substance}`)
  if (tier.advanceDirective !== undefined) add('DIRECTIVE', cardText(tier.advanceDirective), `Advance directive: ${tier.advanceDirective}`)
  const list = (items: string[]): string => items.map(cardText).filter((item) => item !== '').join('; ')
  if (tier.conditions.length > 0) add('CONDITIONS', list(tier.conditions), 'Conditions')
  if (tier.medicines.length > 0) add('MEDICINES', list(tier.medicines), 'Medicines')
  for (const c of tier.contacts) add('CONTACT', fields([c.name, c.phone], c.relation), `Contact: ${c.name}`)
  if (tier.language !== undefined) add('LANGUAGE', cardText(tier.language), `Language: ${tier.language}`)
  if (tier.organDonor !== undefined) add('ORGAN DONOR', tier.organDonor ? 'YES' : 'NO', 'Organ donor')
  return lines
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length

/** The card's text for a tier: every line, no budget. */
export function formatCard(tier: OfflineTier): string {
  return [CARD_HEADER, ...tierLines(tier).map((l) => l.line), ...(tier.link === undefined ? [] : [`FULL: ${tier.link}`])].join('\n')
}

/**
 * The offline tier of what the patient kept in the summary and did not leave off the card: blood
 * group, allergies (high risk first), the advance directive, active conditions, current medicines
 * (by name, once each), contacts, language and organ donation.
 */
export function offlineTier(items: readonly SummaryItem[], profile: EmergencyProfile, link?: string): OfflineTier {
  const excluded = new Set([...profile.excluded, ...profile.offCard])
  const kept = items.filter((item) => item.included && !excluded.has(item.key))
  const unique = (labels: string[]): string[] => [...new Set(labels)].slice(0, MAX_CARD_ITEMS)
  const allergies = kept
    .filter((item) => item.section === 'allergies')
    .sort((a, b) => Number(b.critical === true) - Number(a.critical === true))
    .slice(0, MAX_CARD_ITEMS)
    .map((item): CardAllergy => {
      const reaction = /reaction: (.*)$/.exec(item.detail ?? '')?.[1]
      return { substance: item.label, critical: item.critical === true, ...(reaction === undefined ? {} : { reaction }) }
    })
  const keep = <T>(key: string, value: T | undefined): T | undefined => (excluded.has(key) ? undefined : value)
  const tier: OfflineTier = {
    allergies,
    conditions: unique(kept.filter((item) => item.section === 'problems').map((item) => item.label)),
    medicines: unique(kept.filter((item) => item.section === 'medications').map((item) => item.label)),
    contacts: profile.contacts.filter((_, i) => !excluded.has(`profile:contact:${i}`)).slice(0, MAX_CONTACTS)
  }
  const optional = {
    name: profile.name,
    bloodGroup: keep('profile:bloodGroup', profile.bloodGroup),
    advanceDirective: keep('profile:advanceDirective', profile.advanceDirective),
    language: keep('profile:language', profile.language),
    organDonor: keep('profile:organDonor', profile.organDonor),
    link
  }
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(tier, { [key]: value })
  return tier
}

/**
 * The card for a tier within `budget` bytes: the link and the header first, then, in the order a
 * reader needs them, the name, blood group, allergies (high risk first), directive, first contact,
 * conditions, medicines, other contacts, language and organ donation, until one does not fit; that
 * one and those after it are left off and named, so the patient knows what the card lacks.
 *
 * @throws {EmergencyError} `DAMAGED_CARD` when not even the header and the link fit in `budget`.
 */
export function fitCard(tier: OfflineTier, budget = CARD_BUDGET_BYTES): FittedCard {
  const fits = (candidate: OfflineTier): boolean => utf8Length(formatCard(candidate)) <= budget
  let card: OfflineTier = { allergies: [], conditions: [], medicines: [], contacts: [], ...(tier.link === undefined ? {} : { link: tier.link }) }
  if (!fits(card)) throw new EmergencyError('DAMAGED_CARD', `The card's link alone needs ${utf8Length(formatCard(card))} bytes, more than the ${budget} a card's code holds.`)
  const [firstContact, ...otherContacts] = tier.contacts
  const steps: { what: string; add: (c: OfflineTier) => OfflineTier }[] = [
    ...(tier.name === undefined ? [] : [{ what: `Name: ${tier.name}`, add: (c: OfflineTier) => ({ ...c, name: tier.name }) }]),
    ...(tier.bloodGroup === undefined ? [] : [{ what: `Blood group: ${tier.bloodGroup}`, add: (c: OfflineTier) => ({ ...c, bloodGroup: tier.bloodGroup }) }]),
    ...[...tier.allergies].sort((a, b) => Number(b.critical) - Number(a.critical)).map((a) => ({ what: `Allergy: ${a.substance}`, add: (c: OfflineTier) => ({ ...c, allergies: [...c.allergies, a] }) })),
    ...(tier.advanceDirective === undefined ? [] : [{ what: `Advance directive: ${tier.advanceDirective}`, add: (c: OfflineTier) => ({ ...c, advanceDirective: tier.advanceDirective }) }]),
    ...(firstContact === undefined ? [] : [firstContact]).map((k) => ({ what: `Contact: ${k.name}`, add: (c: OfflineTier) => ({ ...c, contacts: [...c.contacts, k] }) })),
    ...tier.conditions.map((x) => ({ what: `Condition: ${x}`, add: (c: OfflineTier) => ({ ...c, conditions: [...c.conditions, x] }) })),
    ...tier.medicines.map((x) => ({ what: `Medicine: ${x}`, add: (c: OfflineTier) => ({ ...c, medicines: [...c.medicines, x] }) })),
    ...otherContacts.map((k) => ({ what: `Contact: ${k.name}`, add: (c: OfflineTier) => ({ ...c, contacts: [...c.contacts, k] }) })),
    ...(tier.language === undefined ? [] : [{ what: `Language: ${tier.language}`, add: (c: OfflineTier) => ({ ...c, language: tier.language }) }]),
    ...(tier.organDonor === undefined ? [] : [{ what: 'Organ donor', add: (c: OfflineTier) => ({ ...c, organDonor: tier.organDonor }) }])
  ]
  const leftOff: string[] = []
  for (const step of steps) {
    const next = leftOff.length === 0 ? step.add(card) : undefined
    if (next !== undefined && fits(next)) card = next
    else leftOff.push(step.what)
  }
  const text = formatCard(card)
  return { tier: parseCard(text).tier, text, leftOff }
}

/** A card read from its code: its tier, and its link to the full tier when it has one and the link is sound. */
export interface ReadCard {
  tier: OfflineTier
  link?: CardLink
  /** Why the link cannot be used, when the card has one that is damaged: the offline tier still stands. */
  linkProblem?: string
}

function damaged(line: number, problem: string): never {
  throw new EmergencyError('DAMAGED_CARD', `This emergency card's code is damaged (line ${line} ${problem}). Read the card's printed text instead.`)
}

/**
 * Reads a card's offline tier from the text of its QR code. Strict: a line that is not part of the
 * format, a value out of form, a field given twice, or too much of anything is refused with a
 * message that says so; nothing else is thrown.
 *
 * @throws {EmergencyError} `NOT_A_CARD` for a code that is not an emergency card, `UNSUPPORTED_VERSION`
 *   for a card of another version, `DAMAGED_CARD` for a card whose content breaks the format.
 */
export function parseCard(text: unknown): ReadCard {
  if (typeof text !== 'string') throw new EmergencyError('NOT_A_CARD', 'This QR code holds no text: it is not an Anamnesis emergency card.')
  if (text.length > MAX_CARD_BYTES) throw new EmergencyError('NOT_A_CARD', 'This QR code holds more than an emergency card can: it is not an Anamnesis emergency card.')
  const lines = text.split('\n')
  const header = /^ANAMNESIS EMERGENCY CARD (\d{1,4})$/.exec(lines[0] ?? '')
  if (header === null) throw new EmergencyError('NOT_A_CARD', 'This QR code is not an Anamnesis emergency card. Read the card\'s printed text instead.')
  if (Number(header[1]) !== CARD_VERSION) {
    throw new EmergencyError('UNSUPPORTED_VERSION', `This emergency card is of version ${header[1] ?? '?'}, which this app does not read: update the app, or read the card's printed text.`)
  }
  const tier: OfflineTier = { allergies: [], conditions: [], medicines: [], contacts: [] }
  const seen = new Set<Tag>()
  let link: string | undefined
  lines.slice(1).forEach((line, i) => {
    const number = i + 2
    const at = line.indexOf(': ')
    const tag = TAGS.find((t) => t === line.slice(0, at))
    if (at < 0 || tag === undefined) damaged(number, 'is not part of an emergency card')
    const value = line.slice(at + 2)
    if (value.trim() === '' || value !== value.trim()) damaged(number, 'has no value, or spaces around it')
    if (CONTROL.test(value)) damaged(number, 'holds control characters')
    if (ONCE.has(tag) && seen.has(tag)) damaged(number, `gives ${tag} a second time`)
    seen.add(tag)
    const fields = tag === 'CONDITIONS' || tag === 'MEDICINES' ? value.split('; ') : value.split(' | ')
    if (tag !== 'FULL' && fields.some((f) => f.length === 0 || f.length > MAX_FIELD_LENGTH || f.includes('|'))) damaged(number, `has a field that is empty, too long or holds "|"`)
    const single = (): string => (fields.length === 1 ? value : damaged(number, 'has more than one field'))
    const room = (list: unknown[], max: number): void => {
      if (list.length >= max) damaged(number, `lists more than ${max} of them`)
    }
    switch (tag) {
      case 'NAME':
        tier.name = single()
        break
      case 'BLOOD':
        if (!(BLOOD_GROUPS as readonly string[]).includes(value)) damaged(number, `names blood group "${value}", which is none of ${BLOOD_GROUPS.join(', ')}`)
        tier.bloodGroup = value as BloodGroup
        break
      case 'ALLERGY':
      case 'SEVERE ALLERGY': {
        room(tier.allergies, MAX_CARD_ITEMS)
        if (fields.length > 2) damaged(number, 'has more than a substance and a reaction')
        const [substance = '', reaction] = fields
        tier.allergies.push({ substance, critical: tag === 'SEVERE ALLERGY', ...(reaction === undefined ? {} : { reaction }) })
        break
      }
      case 'DIRECTIVE':
        tier.advanceDirective = single()
        break
      case 'CONDITIONS':
      case 'MEDICINES':
        if (fields.length > MAX_CARD_ITEMS) damaged(number, `lists more than ${MAX_CARD_ITEMS} of them`)
        if (fields.some((f) => f.includes(';') || f !== f.trim())) damaged(number, 'has a list that is not "a; b; c"')
        tier[tag === 'CONDITIONS' ? 'conditions' : 'medicines'] = fields
        break
      case 'CONTACT': {
        room(tier.contacts, MAX_CONTACTS)
        if (fields.length < 2 || fields.length > 3) damaged(number, 'is not a name, a phone number and a relation')
        const [name = '', phone = '', relation] = fields
        if (!PHONE.test(phone)) damaged(number, `has "${phone}" where a phone number should be`)
        tier.contacts.push({ name, phone, ...(relation === undefined ? {} : { relation }) })
        break
      }
      case 'LANGUAGE':
        tier.language = single()
        break
      case 'ORGAN DONOR':
        if (value !== 'YES' && value !== 'NO') damaged(number, 'says neither YES nor NO')
        tier.organDonor = value === 'YES'
        break
      case 'FULL':
        link = value
        break
    }
  })
  // Allergies first, those of high risk at the top, whatever order the lines came in.
  tier.allergies.sort((a, b) => Number(b.critical) - Number(a.critical))
  if (link === undefined) return { tier }
  tier.link = link
  try {
    return { tier, link: parseCardLink(link) }
  } catch (error) {
    if (!(error instanceof EmergencyError)) throw error
    return { tier, linkProblem: error.message }
  }
}

/**
 * Reads a scanned code as a card, never throwing: the card, or the message to show.
 */
export function readCard(text: unknown): { card: ReadCard } | { error: string } {
  try {
    return { card: parseCard(text) }
  } catch (error) {
    if (error instanceof EmergencyError) return { error: error.message }
    return { error: 'This QR code could not be read as an emergency card. Read the card\'s printed text instead.' }
  }
}
