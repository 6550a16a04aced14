// /anamnesis/emergency/1.0.0: the patient's device leaves the sealed emergency summary with its
// keepers under a card id; an emergency clinician who recorded a break-glass on the ledger minutes
// before asks a keeper for it by that id. The keeper holds ciphertext only: the key is on the card.
//
//   any → keeper       { t: 'hello' }
//   keeper → any       { t: 'keeper', identity: <the keeper's wallet identity block> }
//   patient → keeper   { t: 'store', statement, signature, identity, ciphertext }
//   keeper → patient   { t: 'stored', replaced: boolean } | { t: 'refused', reason }
//   clinician → keeper { t: 'open', request: { keeper, peer, patient, clinician, card, nonce, at }, signature }
//   keeper → clinician { t: 'card', ciphertext, brokenAt, reasonCode } | { t: 'refused', reason }
//   guardian ↔ keeper and doctor ↔ keeper: 'hand-keys' and 'take-keys' (emergencyKeys.ts)
//
// The store statement (dag-cbor, canonical), signed by the patient's history identity key (the
// wallet-bound key, no wallet prompt) over "anamnesis/emergency-card/1\n" ‖ <statement bytes>:
//   { v: 1, kind: 'emergency-card', patient, keeper, peer, card, digest: sha-256(ciphertext), at }
// The open request is EIP-712 typed data signed by the clinician's wallet (the account that broke
// the glass), in the app's signing domain (its chain and key registry), naming the app's origin.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import * as dagCbor from '@ipld/dag-cbor'
import { isCardId, MAX_EMERGENCY_CIPHERTEXT, typedDataSigner, type SigningDomain, type WalletTypedData } from '../crypto/index.ts'
import { SIGNATURE_DOMAIN_NAME, SIGNATURE_DOMAIN_VERSION } from '../crypto/walletTypedData.ts'
import { parseIdentityBlock, verifySignatureHex } from '../p2p/walletIdentity.ts'
import type { WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { isBytes, signWithPurpose, statementMap } from './keeperStatement.ts'

/** The libp2p protocol a keeper answers emergency cards on. */
export const EMERGENCY_PROTOCOL = '/anamnesis/emergency/1.0.0'

/** How long before a request the clinician's break-glass may have been recorded: 15 minutes. */
export const BREAK_GLASS_WINDOW_SECONDS = 15 * 60

/** How old a store statement or an open request may be when it arrives, and how long a keeper remembers an open request's nonce. */
export const EMERGENCY_REQUEST_MAX_AGE_MS = 2 * 60_000
/** How far ahead of the keeper's clock a request may be. */
const MAX_SKEW_MS = 60_000

/**
 * Why a keeper refused, as a fixed code: the signature, identity or addressee is wrong; the patient
 * storing a card has not enrolled this keeper; the request is old or was seen before; the ciphertext is
 * over 64 KiB; the request is not the protocol's; the card is not (or no longer) the current one of a
 * patient this keeper keeps (a clinician is not told whether the patient enrolled it); the
 * ledger shows no break-glass by this clinician for this patient, or only one older than 15 minutes;
 * the keeper could not read the ledger; its disk is full. For a guardian's keys: the ledger does not hold
 * the sender as the patient's guardian; the doctor's emergency access to the patient is not live; no
 * keys were left for this doctor (or the patient did not enrol this keeper: not told apart).
 */
export const EMERGENCY_REFUSALS = [
  'bad-signature',
  'not-enrolled',
  'stale',
  'too-large',
  'malformed',
  'unknown-card',
  'no-break-glass',
  'break-glass-too-old',
  'chain-unreachable',
  'disk-full',
  'not-guardian',
  'no-emergency-access',
  'no-keys'
] as const
/** One of the emergency refusal codes. */
export type EmergencyRefusal = (typeof EMERGENCY_REFUSALS)[number]

/** Whether a value is one of the emergency refusal codes. */
export function isEmergencyRefusal(value: unknown): value is EmergencyRefusal {
  return typeof value === 'string' && (EMERGENCY_REFUSALS as readonly string[]).includes(value)
}

/** The patient's signed word to one keeper: keep this ciphertext as my emergency card `card`, in place of any earlier one. */
export interface CardStatement {
  v: 1
  kind: 'emergency-card'
  patient: WalletAddress
  keeper: WalletAddress
  peer: string
  /** The card id, 16 to 32 bytes. */
  card: Uint8Array
  /** sha-256 of the ciphertext: the signature covers the bytes stored. */
  digest: Uint8Array
  /** When the patient's device made the statement, in ms since the epoch. */
  at: number
}

/** A clinician's request for a card's ciphertext, as signed (EIP-712) and sent. */
export interface OpenRequest {
  keeper: WalletAddress
  peer: string
  patient: WalletAddress
  clinician: WalletAddress
  /** The card id, 0x-hex. */
  card: `0x${string}`
  /** 16 random bytes, 0x-hex: the keeper answers each nonce once. */
  nonce: `0x${string}`
  /** When the clinician's device made the request, in ms since the epoch. */
  at: number
}

const STATEMENT_PURPOSE = utf8ToBytes('anamnesis/emergency-card/1\n')
const STATEMENT_FIELDS = ['at', 'card', 'digest', 'keeper', 'kind', 'patient', 'peer', 'v']
const REQUEST_FIELDS = ['at', 'card', 'clinician', 'keeper', 'nonce', 'patient', 'peer']
const ADDRESS = /^0x[0-9a-f]{40}$/
const HEX = /^0x(?:[0-9a-f]{2})+$/

/** The bytes the identity key signs for a store statement: the purpose, then the statement's bytes. */
export function cardStatementSignedBytes(statement: Uint8Array): Uint8Array {
  return concatBytes(STATEMENT_PURPOSE, statement)
}

/** A store statement's canonical bytes. */
export function encodeCardStatement(statement: CardStatement): Uint8Array {
  return dagCbor.encode(statement)
}

/** Signs a store statement with the patient's history identity. */
export function signCardStatement(identity: WalletIdentity, statement: CardStatement): Promise<{ statement: Uint8Array; signature: Uint8Array; identity: Uint8Array }> {
  return signWithPurpose(identity, STATEMENT_PURPOSE, encodeCardStatement(statement))
}

/** The digest a store statement names for a ciphertext. */
export function ciphertextDigest(ciphertext: Uint8Array): Uint8Array {
  return sha256(ciphertext)
}

type Checked<T> = { value: T } | { refusal: EmergencyRefusal; why: string }

function parseCardStatement(bytes: Uint8Array): CardStatement | string {
  const record = statementMap(bytes, STATEMENT_FIELDS, 'a card statement')
  if (typeof record === 'string') return record
  const { v, kind, patient, keeper, peer, card, digest, at } = record
  if (v !== 1 || kind !== 'emergency-card') return 'the statement is not a card statement of this version'
  if (typeof patient !== 'string' || !ADDRESS.test(patient)) return 'the statement names no patient wallet'
  if (typeof keeper !== 'string' || !ADDRESS.test(keeper)) return 'the statement names no keeper wallet'
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > 128) return 'the statement names no keeper peer id'
  if (!isCardId(card)) return 'the card id is not 16 to 32 bytes'
  if (!isBytes(digest) || digest.length !== 32) return 'the digest is not 32 bytes'
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return 'the statement has no time'
  return { v, kind, patient: patient as WalletAddress, keeper: keeper as WalletAddress, peer, card, digest, at }
}

/** What a keeper checks a request against: itself, its signing domain and the time. */
export interface RequestExpectations {
  keeper: WalletAddress
  peer: string
  now: number
}

/**
 * Checks a store request as a keeper receives it: its form (`malformed`); the ciphertext at most
 * 64 KiB (`too-large`); the identity block is a sound wallet identity whose wallet is the
 * statement's patient, its key signed the statement, the statement names this keeper and the
 * ciphertext's digest (`bad-signature`); at most 2 minutes old and not ahead of the clock (`stale`).
 * Whether the patient enrolled the keeper, and replays, are the keeper's to check against its state.
 */
export function checkStoreRequest(request: Record<string, unknown>, expected: RequestExpectations): Checked<{ statement: CardStatement; ciphertext: Uint8Array }> {
  const { statement, signature, identity, ciphertext } = request
  if (!isBytes(statement) || !isBytes(signature) || !isBytes(identity) || !isBytes(ciphertext) || signature.length > 80) return { refusal: 'malformed', why: 'the request carries no statement, signature, identity and ciphertext' }
  if (ciphertext.length > MAX_EMERGENCY_CIPHERTEXT) return { refusal: 'too-large', why: `a card of ${ciphertext.length} bytes, over ${MAX_EMERGENCY_CIPHERTEXT}` }
  if (ciphertext.length === 0) return { refusal: 'malformed', why: 'an empty card' }
  const parsed = parseCardStatement(statement)
  if (typeof parsed === 'string') return { refusal: 'malformed', why: parsed }
  const verified = parseIdentityBlock(identity)
  if (typeof verified === 'string') return { refusal: 'bad-signature', why: verified }
  if (verified.address !== parsed.patient) return { refusal: 'bad-signature', why: `the identity is ${verified.address}'s, not the patient's` }
  if (!verifySignatureHex(bytesToHex(signature), verified.publicKeyHex, cardStatementSignedBytes(statement))) return { refusal: 'bad-signature', why: 'the patient\'s key did not sign this statement' }
  if (parsed.keeper !== expected.keeper || parsed.peer !== expected.peer) return { refusal: 'bad-signature', why: 'the statement is addressed to another keeper' }
  if (bytesToHex(ciphertextDigest(ciphertext)) !== bytesToHex(parsed.digest)) return { refusal: 'bad-signature', why: 'the patient did not sign this ciphertext' }
  if (parsed.at < expected.now - EMERGENCY_REQUEST_MAX_AGE_MS || parsed.at > expected.now + MAX_SKEW_MS) return { refusal: 'stale', why: 'the statement is too old, or from the future' }
  return { value: { statement: parsed, ciphertext } }
}

const OPEN_EMERGENCY_SUMMARY = [
  { name: 'purpose', type: 'string' },
  { name: 'origin', type: 'string' },
  { name: 'keeper', type: 'address' },
  { name: 'keeperPeer', type: 'string' },
  { name: 'patient', type: 'address' },
  { name: 'card', type: 'bytes' },
  { name: 'nonce', type: 'bytes' },
  { name: 'at', type: 'uint256' }
] as const

/**
 * The typed data a clinician's wallet signs to ask a keeper for a card's ciphertext. The purpose
 * says, in the words the wallet shows, what the signature does and what it does not.
 */
export function openRequestTypedData(domain: SigningDomain, request: OpenRequest): WalletTypedData {
  return {
    domain: { name: SIGNATURE_DOMAIN_NAME, version: SIGNATURE_DOMAIN_VERSION, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    types: { OpenEmergencySummary: OPEN_EMERGENCY_SUMMARY },
    primaryType: 'OpenEmergencySummary',
    message: {
      purpose: `Ask keeper ${request.keeper} for the emergency summary of ${request.patient} on ${domain.origin}. The keeper releases it only after your break-glass is on the ledger; the patient will see who opened it and why. It sends no transaction and costs nothing.`,
      origin: domain.origin,
      keeper: request.keeper,
      keeperPeer: request.peer,
      patient: request.patient,
      card: request.card,
      nonce: request.nonce,
      at: request.at
    }
  }
}

function parseOpenRequest(value: unknown): OpenRequest | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isBytes(value)) return 'the request is not a map'
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  if (keys.length !== REQUEST_FIELDS.length || keys.some((key, i) => key !== REQUEST_FIELDS[i])) return 'the request has other fields than an open request'
  const { keeper, peer, patient, clinician, card, nonce, at } = record
  for (const address of [keeper, patient, clinician]) if (typeof address !== 'string' || !ADDRESS.test(address)) return 'the request names no keeper, patient or clinician wallet'
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > 128) return 'the request names no keeper peer id'
  if (typeof card !== 'string' || !HEX.test(card) || !isCardId(hexToBytes(card.slice(2)))) return 'the card id is not 16 to 32 bytes'
  if (typeof nonce !== 'string' || !HEX.test(nonce) || nonce.length !== 2 + 32) return 'the nonce is not 16 bytes'
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return 'the request has no time'
  return { keeper: keeper as WalletAddress, peer, patient: patient as WalletAddress, clinician: clinician as WalletAddress, card: card as `0x${string}`, nonce: nonce as `0x${string}`, at }
}

/**
 * Checks an open request as a keeper receives it: its form (`malformed`); the clinician it names
 * signed it in this keeper's signing domain, and it names this keeper (`bad-signature`); at most
 * 2 minutes old and not ahead of the clock (`stale`). Whether its nonce was answered before is the
 * keeper's to check, once it knows the request names a card it holds.
 */
export function checkOpenRequest(message: Record<string, unknown>, expected: RequestExpectations & { domain: SigningDomain }): Checked<OpenRequest> {
  const parsed = parseOpenRequest(message.request)
  if (typeof parsed === 'string') return { refusal: 'malformed', why: parsed }
  if (!isBytes(message.signature)) return { refusal: 'malformed', why: 'the request carries no signature' }
  if (typedDataSigner(openRequestTypedData(expected.domain, parsed), message.signature) !== parsed.clinician) return { refusal: 'bad-signature', why: 'the clinician named did not sign this request' }
  if (parsed.keeper !== expected.keeper || parsed.peer !== expected.peer) return { refusal: 'bad-signature', why: 'the request is addressed to another keeper' }
  if (parsed.at < expected.now - EMERGENCY_REQUEST_MAX_AGE_MS || parsed.at > expected.now + MAX_SKEW_MS) return { refusal: 'stale', why: 'the request is too old, or from the future' }
  return { value: parsed }
}
