// The link to the full emergency summary that a card carries, in the manner of a SMART Health
// Link: where the encrypted summary is held (a keeper), which one (the card's id), the key that
// opens it (on the card only, never with the keeper), until when, a label and flags. The keeper
// holds the ciphertext, the card holds the key: neither alone reads the summary, and a keeper
// releases the ciphertext only after a break-glass on the ledger, which names the patient.
//
// Its text is base64url (no padding, one spelling) of version 1's bytes:
//   u8 version (1) ‖ u8 flags ‖ patient (20) ‖ key (32) ‖ u32be expires (unix s)
//   ‖ u8 length ‖ the keeper's multiaddr in its binary form ‖ label (UTF-8, the rest, ≤ 80 bytes)
// The card's id is not written: it is derived from the key (cardIdOf), so the keeper can be told
// which card is asked for without learning the key, and the card spends no room on it. The binary
// multiaddr keeps a keeper's address to some fifty bytes. Both leave room on the card's code for
// what anyone may read. Imports nothing of the history: the keeper reads links too.
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { EmergencyError } from './EmergencyError.ts'

/** The version of the link format this app writes and reads. */
export const CARD_LINK_VERSION = 1
/** Bytes of a card id and of the key that opens the summary. */
export const CARD_ID_LENGTH = 16
export const CARD_KEY_LENGTH = 32
/** The longest label, in UTF-8 bytes (as SMART Health Links allow). */
export const MAX_LABEL_BYTES = 80
/** The longest keeper address in its binary form. */
export const MAX_KEEPER_BYTES = 200
/** The longest link text a card may carry. */
export const MAX_CARD_LINK_LENGTH = 600

/**
 * What a link's flags say, as SMART Health Links' flags: `L`, long-term, the keeper serves the
 * newest summary the patient sealed for this card (it stays current as the history changes).
 */
export type CardLinkFlag = 'L'
const FLAG_BITS: Readonly<Record<CardLinkFlag, number>> = { L: 1 }

/** The link to a card's full tier, filled by whoever seals the summary for a keeper. */
export interface CardLink {
  /** The patient (lowercase 0x address): whose summary it is, and whom `breakGlass(patient, reason)` names. */
  patient: `0x${string}`
  /** The keeper's multiaddr, ending in `/p2p/<peer id>`: where the ciphertext is asked for. */
  keeper: string
  /** The 32-byte key that opens the summary; the card's id derives from it ({@link cardIdOf}). Never sent to the keeper. */
  key: Uint8Array
  /** Until when the full tier is served: unix seconds. */
  expires: number
  flags: readonly CardLinkFlag[]
  /** A short description for the clinician, e.g. "Emergency summary". */
  label?: string
}

const ADDRESS = /^0x[0-9a-f]{40}$/
/** A label is one line of plain text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function invalid(problem: string): never {
  throw new EmergencyError('INVALID_LINK', `The card's link to the full summary ${problem}. The printed part of the card still stands.`)
}

function unwritable(problem: string): never {
  throw new EmergencyError('INVALID_LINK', `A card's link to the full summary cannot be written: it ${problem}.`)
}

const toBase64Url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
  return toBase64Url(bytes) === text ? bytes : undefined
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

function keeperBytes(keeper: string): Uint8Array {
  let bytes: Uint8Array
  try {
    const address = multiaddr(keeper)
    if (address.getComponents().at(-1)?.name !== 'p2p') unwritable(`names keeper ${keeper}, which does not end in /p2p/<peer id>`)
    bytes = address.bytes
  } catch (error) {
    if (error instanceof EmergencyError) throw error
    return unwritable(`names keeper "${keeper}", which is not a multiaddr`)
  }
  if (bytes.length > MAX_KEEPER_BYTES) unwritable(`names a keeper address longer than ${MAX_KEEPER_BYTES} bytes`)
  return bytes
}

/**
 * The link as the card carries it.
 *
 * @throws {EmergencyError} `INVALID_LINK` for a patient that is not a lowercase address, a card id or
 *   key of the wrong length, an expiry that is not a whole number of seconds in u32, a keeper that is
 *   not a multiaddr ending in /p2p/, or a label longer than {@link MAX_LABEL_BYTES} bytes.
 */
export function formatCardLink(link: CardLink): string {
  if (!ADDRESS.test(link.patient)) unwritable(`names patient ${link.patient}, which is not a lowercase wallet address`)
  if (!(link.key instanceof Uint8Array) || link.key.length !== CARD_KEY_LENGTH) unwritable(`needs a ${CARD_KEY_LENGTH}-byte key`)
  if (!Number.isInteger(link.expires) || link.expires < 1 || link.expires > 0xffff_ffff) unwritable('needs an expiry in whole seconds since 1970')
  const keeper = keeperBytes(link.keeper)
  const label = new TextEncoder().encode(link.label ?? '')
  if (label.length > MAX_LABEL_BYTES) unwritable(`has a label longer than ${MAX_LABEL_BYTES} bytes`)
  if (CONTROL.test(link.label ?? '')) unwritable('has a label with control characters')
  let flags = 0
  for (const flag of link.flags) flags |= FLAG_BITS[flag]
  const bytes = new Uint8Array(2 + 20 + CARD_KEY_LENGTH + 4 + 1 + keeper.length + label.length)
  const view = new DataView(bytes.buffer)
  let at = 0
  bytes[at++] = CARD_LINK_VERSION
  bytes[at++] = flags
  bytes.set(Uint8Array.from(link.patient.slice(2).match(/../g) ?? [], (pair) => parseInt(pair, 16)), at)
  at += 20
  bytes.set(link.key, at)
  at += CARD_KEY_LENGTH
  view.setUint32(at, link.expires)
  at += 4
  bytes[at++] = keeper.length
  bytes.set(keeper, at)
  at += keeper.length
  bytes.set(label, at)
  return toBase64Url(bytes)
}

/**
 * Reads a card's link from its text, as a scanned code gives it: every field checked, nothing
 * trusted. Checks the form, not the expiry ({@link cardLinkExpired}).
 *
 * @throws {EmergencyError} `INVALID_LINK` for anything that is not a version-1 link, saying what is wrong.
 */
export function parseCardLink(text: string): CardLink {
  if (typeof text !== 'string' || text.length > MAX_CARD_LINK_LENGTH) invalid('is too long')
  const bytes = fromBase64Url(text)
  if (bytes === undefined) return invalid('is damaged (not base64url)')
  const fixed = 2 + 20 + CARD_KEY_LENGTH + 4 + 1
  if (bytes.length < 1) invalid('is empty')
  if (bytes[0] !== CARD_LINK_VERSION) invalid(`is of version ${bytes[0] ?? '?'}, which this app does not read: update the app`)
  if (bytes.length < fixed) invalid('is cut short')
  const flagBits = bytes[1] ?? 0
  if ((flagBits & ~FLAG_BITS.L) !== 0) invalid('sets flags this app does not know')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 2
  const patient = `0x${hex(bytes.subarray(at, at + 20))}` as const
  at += 20
  const key = bytes.slice(at, at + CARD_KEY_LENGTH)
  at += CARD_KEY_LENGTH
  const expires = view.getUint32(at)
  at += 4
  if (expires === 0) invalid('has no expiry')
  const keeperLength = bytes[at++] ?? 0
  if (keeperLength === 0 || at + keeperLength > bytes.length) invalid("is cut short in the keeper's address")
  let keeper: string
  try {
    const address = multiaddr(bytes.slice(at, at + keeperLength))
    keeper = address.toString()
    if (address.getComponents().at(-1)?.name !== 'p2p') return invalid("names a keeper address that does not end in /p2p/<peer id>")
  } catch (error) {
    if (error instanceof EmergencyError) throw error
    return invalid("holds a keeper address that is not a multiaddr")
  }
  at += keeperLength
  const labelBytes = bytes.subarray(at)
  if (labelBytes.length > MAX_LABEL_BYTES) invalid(`has a label longer than ${MAX_LABEL_BYTES} bytes`)
  let label: string
  try {
    label = new TextDecoder('utf-8', { fatal: true }).decode(labelBytes)
  } catch {
    return invalid('has a label that is not UTF-8 text')
  }
   
  if (CONTROL.test(label)) invalid('has a label with control characters')
  return { patient, keeper, key, expires, flags: flagBits === 0 ? [] : ['L'], ...(label === '' ? {} : { label }) }
}

const CARD_ID_DOMAIN = utf8ToBytes('anamnesis/emergency-card-id/v1')

/**
 * The card's id: the first {@link CARD_ID_LENGTH} bytes of SHA-256("anamnesis/emergency-card-id/v1" ‖ key).
 * It names the ciphertext a keeper holds for the card, and tells the keeper nothing of the key.
 *
 * @throws {EmergencyError} `INVALID_LINK` when the key is not {@link CARD_KEY_LENGTH} bytes.
 */
export function cardIdOf(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== CARD_KEY_LENGTH) unwritable(`needs a ${CARD_KEY_LENGTH}-byte key`)
  return sha256(concatBytes(CARD_ID_DOMAIN, key)).slice(0, CARD_ID_LENGTH)
}

/** Whether the link's full tier is past its expiry at `now` (ms). */
export function cardLinkExpired(link: Pick<CardLink, 'expires'>, now: number): boolean {
  return link.expires * 1000 <= now
}
