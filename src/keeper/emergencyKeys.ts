// A guardian hands a treating doctor the emergency categories' keys through the patient's keeper,
// while the patient cannot: two more requests of /anamnesis/emergency/1.0.0 (emergencyProtocol.ts).
//
//   guardian → keeper  { t: 'hand-keys', statement, signature, identity, keys }
//   keeper → guardian  { t: 'kept', replaced: boolean } | { t: 'refused', reason }
//   doctor → keeper    { t: 'take-keys', statement, signature, identity }
//   keeper → doctor    { t: 'keys', keys } | { t: 'refused', reason }
//
// `keys` are wrapped keys (wrapKey.ts, 109 bytes each) sealed to the doctor's published X25519
// key: the keeper can open none of them. Each statement is dag-cbor (canonical), signed by the
// sender's wallet-bound history identity (no wallet prompt) over a purpose line ‖ its bytes:
//   "anamnesis/emergency-keys/1\n"       { v: 1, kind: 'hand-keys', patient, guardian, doctor, keeper, peer, digest: sha-256(keys), at }
//   "anamnesis/take-emergency-keys/1\n"  { v: 1, kind: 'take-keys', patient, doctor, keeper, peer, at }
// The keeper checks the ledger itself: a guardian of the patient hands keys to a doctor whose
// emergency access is live; the doctor takes them while it is.
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import * as dagCbor from '@ipld/dag-cbor'
import { WRAPPED_KEY_LENGTH } from '../crypto/index.ts'
import { parseIdentityBlock, verifySignatureHex } from '../p2p/walletIdentity.ts'
import type { WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { ciphertextDigest, EMERGENCY_REQUEST_MAX_AGE_MS, type EmergencyRefusal, type RequestExpectations } from './emergencyProtocol.ts'
import { isBytes, signWithPurpose, statementMap } from './keeperStatement.ts'

/** The most bytes of wrapped keys a guardian hands on at once: 601 keys, many epochs of the six emergency categories. */
export const MAX_HANDED_KEYS = 64 * 1024

/** A guardian's signed word to one keeper: give these keys to `doctor` when they ask, in place of any earlier ones. */
export interface HandKeysStatement {
  v: 1
  kind: 'hand-keys'
  patient: WalletAddress
  guardian: WalletAddress
  doctor: WalletAddress
  keeper: WalletAddress
  peer: string
  /** sha-256 of the wrapped keys: the signature covers the bytes kept. */
  digest: Uint8Array
  /** When the guardian's device made it, in ms since the epoch. */
  at: number
}

/** A doctor's signed request to one keeper for the keys a guardian left for them. */
export interface TakeKeysStatement {
  v: 1
  kind: 'take-keys'
  patient: WalletAddress
  doctor: WalletAddress
  keeper: WalletAddress
  peer: string
  at: number
}

const HAND_PURPOSE = utf8ToBytes('anamnesis/emergency-keys/1\n')
const TAKE_PURPOSE = utf8ToBytes('anamnesis/take-emergency-keys/1\n')
const HAND_FIELDS = ['at', 'digest', 'doctor', 'guardian', 'keeper', 'kind', 'patient', 'peer', 'v']
const TAKE_FIELDS = ['at', 'doctor', 'keeper', 'kind', 'patient', 'peer', 'v']
const ADDRESS = /^0x[0-9a-f]{40}$/
/** The clock skew allowed ahead of the keeper's clock, as for the card requests. */
const MAX_SKEW_MS = 60_000

type Checked<T> = { value: T } | { refusal: EmergencyRefusal; why: string }

/** Signs a guardian's hand-keys statement with the guardian's history identity. */
export function signHandKeys(identity: WalletIdentity, statement: HandKeysStatement): Promise<{ statement: Uint8Array; signature: Uint8Array; identity: Uint8Array }> {
  return signWithPurpose(identity, HAND_PURPOSE, dagCbor.encode(statement))
}

/** Signs a doctor's take-keys statement with the doctor's history identity. */
export function signTakeKeys(identity: WalletIdentity, statement: TakeKeysStatement): Promise<{ statement: Uint8Array; signature: Uint8Array; identity: Uint8Array }> {
  return signWithPurpose(identity, TAKE_PURPOSE, dagCbor.encode(statement))
}

/**
 * The statement a request carries, checked: its form and fields (`malformed`); signed by the history
 * identity it carries, whose wallet is the statement's `signer` field, and addressed to this keeper
 * (`bad-signature`); at most 2 minutes old and not ahead of the clock (`stale`).
 */
function checkStatement(
  request: Record<string, unknown>,
  expected: RequestExpectations,
  spec: { purpose: Uint8Array; fields: readonly string[]; kind: string; signer: string }
): Checked<Record<string, unknown>> {
  const { statement, signature, identity } = request
  if (!isBytes(statement) || !isBytes(signature) || !isBytes(identity) || signature.length > 80) return { refusal: 'malformed', why: 'the request carries no statement, signature and identity' }
  const record = statementMap(statement, spec.fields, `a ${spec.kind} statement`)
  if (typeof record === 'string') return { refusal: 'malformed', why: record }
  if (record.v !== 1 || record.kind !== spec.kind) return { refusal: 'malformed', why: `the statement is not a ${spec.kind} statement of this version` }
  for (const field of spec.fields) {
    if (['patient', 'guardian', 'doctor', 'keeper'].includes(field) && (typeof record[field] !== 'string' || !ADDRESS.test(record[field]))) return { refusal: 'malformed', why: `the statement names no ${field} wallet` }
  }
  const { peer, at } = record
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > 128) return { refusal: 'malformed', why: 'the statement names no keeper peer id' }
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return { refusal: 'malformed', why: 'the statement has no time' }
  const verified = parseIdentityBlock(identity)
  if (typeof verified === 'string') return { refusal: 'bad-signature', why: verified }
  if (verified.address !== record[spec.signer]) return { refusal: 'bad-signature', why: `the identity is ${verified.address}'s, not the ${spec.signer}'s` }
  if (!verifySignatureHex(bytesToHex(signature), verified.publicKeyHex, concatBytes(spec.purpose, statement))) return { refusal: 'bad-signature', why: `the ${spec.signer}'s key did not sign this statement` }
  if (record.keeper !== expected.keeper || peer !== expected.peer) return { refusal: 'bad-signature', why: 'the statement is addressed to another keeper' }
  if (at < expected.now - EMERGENCY_REQUEST_MAX_AGE_MS || at > expected.now + MAX_SKEW_MS) return { refusal: 'stale', why: 'the statement is too old, or from the future' }
  return { value: record }
}

/**
 * Checks a guardian's hand-keys request as a keeper receives it: the statement as for every signed
 * request (form, the guardian's identity signed it, addressed here, fresh); the keys are whole wrapped
 * keys, at most {@link MAX_HANDED_KEYS} bytes (`too-large`, `malformed`), the ones the statement's digest
 * names (`bad-signature`). Whether the ledger holds the guardian and the doctor's emergency access is
 * the keeper's to ask.
 */
export function checkHandKeys(request: Record<string, unknown>, expected: RequestExpectations): Checked<{ statement: HandKeysStatement; keys: Uint8Array }> {
  const { keys } = request
  if (!isBytes(keys) || keys.length === 0 || keys.length % WRAPPED_KEY_LENGTH !== 0) return { refusal: 'malformed', why: 'the request carries no whole wrapped keys' }
  if (keys.length > MAX_HANDED_KEYS) return { refusal: 'too-large', why: `${keys.length} bytes of keys, over ${MAX_HANDED_KEYS}` }
  const checked = checkStatement(request, expected, { purpose: HAND_PURPOSE, fields: HAND_FIELDS, kind: 'hand-keys', signer: 'guardian' })
  if ('refusal' in checked) return checked
  const statement = checked.value as unknown as HandKeysStatement
  if (!isBytes(statement.digest) || statement.digest.length !== 32) return { refusal: 'malformed', why: 'the digest is not 32 bytes' }
  if (statement.doctor === statement.guardian || statement.doctor === statement.patient) return { refusal: 'malformed', why: 'the keys are handed to the guardian or the patient themself' }
  if (bytesToHex(ciphertextDigest(keys)) !== bytesToHex(statement.digest)) return { refusal: 'bad-signature', why: 'the guardian did not sign these keys' }
  return { value: { statement, keys } }
}

/** Checks a doctor's take-keys request as a keeper receives it (the statement as for every signed request). */
export function checkTakeKeys(request: Record<string, unknown>, expected: RequestExpectations): Checked<TakeKeysStatement> {
  const checked = checkStatement(request, expected, { purpose: TAKE_PURPOSE, fields: TAKE_FIELDS, kind: 'take-keys', signer: 'doctor' })
  return 'refusal' in checked ? checked : { value: checked.value as unknown as TakeKeysStatement }
}
