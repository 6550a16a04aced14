// /anamnesis/share-link/1.0.0: the patient's device leaves a SMART Health Link's encrypted file with
// its keeper, reads who opened its links, and deactivates one; the keeper serves the link's manifest
// over HTTP to any viewer (linkStore.ts). The keeper holds ciphertext only: the key is in the link.
// The same hello and signed-statement style as the emergency card (emergencyProtocol.ts):
//
//   patient → keeper   { t: 'hello' }
//   keeper → patient   { t: 'keeper', identity }
//   patient → keeper   { t: 'link-store', statement, signature, identity, file, passcode? }
//                    | { t: 'link-deactivate' | 'link-list', statement, signature, identity }
//   keeper → patient   { t: 'link-stored', url } | { t: 'link-deactivated' } | { t: 'links', links } | { t: 'refused', reason }
//
// The statement (dag-cbor, canonical), signed by the patient's history identity key over
// "anamnesis/share-link/1\n" ‖ <statement bytes>:
//   { v: 1, kind: 'link-store' | 'link-deactivate' | 'link-list', patient, keeper, peer,
//     link: 32 bytes (empty for a list), digest: sha-256(file) (empty unless a store),
//     passcode: passcodeDigest(passcode) (empty without one), expires: unix s (0: never), at }
// A passcode travels with the store request, inside the libp2p connection's encryption, so the
// keeper can keep a salted hash of it; the statement's digest of it ties it to the patient's signature.
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { parseIdentityBlock, verifySignatureHex } from '../p2p/walletIdentity.ts'
import type { WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { isBytes, signWithPurpose, statementMap } from './keeperStatement.ts'

/** The libp2p protocol a keeper takes SMART Health Links on. */
export const LINK_PROTOCOL = '/anamnesis/share-link/1.0.0'

/** The largest link file a keeper takes: 4 MiB of JWE text (a history compresses well before encryption). */
export const MAX_LINK_FILE = 4 * 1024 * 1024
/** The most live links a keeper serves for one patient at a time. */
export const MAX_LINKS_PER_PATIENT = 20
/** The most wrong passcodes a link takes; then it stops, as if deactivated. */
export const MAX_PASSCODE_FAILURES = 5
/** The shortest passcode a patient may choose, in characters. */
export const MIN_PASSCODE_LENGTH = 4
/** The longest passcode a patient may choose, in characters. */
export const MAX_PASSCODE_LENGTH = 64
/** How old a statement may be when it arrives. */
export const LINK_REQUEST_MAX_AGE_MS = 2 * 60_000
const MAX_SKEW_MS = 60_000

/**
 * Why a keeper refused, as a fixed code: the signature, identity or addressee is wrong; the patient has
 * not enrolled this keeper; the statement is old; the file is over 4 MiB; the request is not the
 * protocol's, or its passcode does not match the statement; the link is not one of the patient's
 * here; the patient has 20 live links here already; a link of that id exists; the disk is full;
 * the keeper serves no links (its operator gave it no HTTP port).
 */
export const LINK_REFUSALS = ['bad-signature', 'not-enrolled', 'stale', 'too-large', 'malformed', 'unknown-link', 'too-many', 'exists', 'disk-full', 'no-links'] as const
/** One of the link refusal codes. */
export type LinkRefusal = (typeof LINK_REFUSALS)[number]

/** Whether a value is one of the link refusal codes. */
export function isLinkRefusal(value: unknown): value is LinkRefusal {
  return typeof value === 'string' && (LINK_REFUSALS as readonly string[]).includes(value)
}

/** What a link statement asks. */
export type LinkStatementKind = 'link-store' | 'link-deactivate' | 'link-list'
const KINDS: readonly string[] = ['link-store', 'link-deactivate', 'link-list']

/** The patient's signed word to one keeper about SMART Health Links. */
export interface LinkStatement {
  v: 1
  kind: LinkStatementKind
  patient: WalletAddress
  keeper: WalletAddress
  peer: string
  /** The link's id, 32 random bytes: the last part of its manifest URL. Empty for a list. */
  link: Uint8Array
  /** sha-256 of the file (store); empty otherwise. */
  digest: Uint8Array
  /** passcodeDigest of the passcode the store carries; empty without one. */
  passcode: Uint8Array
  /** When the link stops, unix seconds; 0 for never. */
  expires: number
  at: number
}

const PURPOSE = utf8ToBytes('anamnesis/share-link/1\n')
const PASSCODE_PURPOSE = utf8ToBytes('anamnesis/share-link-passcode/1\n')
const FIELDS = ['at', 'digest', 'expires', 'keeper', 'kind', 'link', 'passcode', 'patient', 'peer', 'v']
const ADDRESS = /^0x[0-9a-f]{40}$/
/** Bytes of a link id. */
export const LINK_ID_LENGTH = 32

/** What a statement names for a passcode: its sha-256, with a purpose, so it is no bare hash of it. */
export function passcodeDigest(passcode: string): Uint8Array {
  return sha256(concatBytes(PASSCODE_PURPOSE, utf8ToBytes(passcode)))
}

/** The bytes the identity key signs: the purpose, then the statement's bytes. */
export function linkStatementSignedBytes(statement: Uint8Array): Uint8Array {
  return concatBytes(PURPOSE, statement)
}

/** Signs a link statement with the patient's history identity (no wallet prompt). */
export function signLinkStatement(identity: WalletIdentity, statement: LinkStatement): Promise<{ statement: Uint8Array; signature: Uint8Array; identity: Uint8Array }> {
  return signWithPurpose(identity, PURPOSE, dagCbor.encode(statement))
}

function parseLinkStatement(bytes: Uint8Array): LinkStatement | string {
  const record = statementMap(bytes, FIELDS, 'a link statement')
  if (typeof record === 'string') return record
  const { v, kind, patient, keeper, peer, link: id, digest, passcode, expires, at } = record
  if (v !== 1 || typeof kind !== 'string' || !KINDS.includes(kind)) return 'the statement is not a link statement of this version'
  if (typeof patient !== 'string' || !ADDRESS.test(patient)) return 'the statement names no patient wallet'
  if (typeof keeper !== 'string' || !ADDRESS.test(keeper)) return 'the statement names no keeper wallet'
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > 128) return 'the statement names no keeper peer id'
  if (!isBytes(id) || id.length !== (kind === 'link-list' ? 0 : LINK_ID_LENGTH)) return 'the link id is not 32 bytes'
  if (!isBytes(digest) || digest.length !== (kind === 'link-store' ? 32 : 0)) return 'the digest is not 32 bytes'
  if (!isBytes(passcode) || (passcode.length !== 0 && (kind !== 'link-store' || passcode.length !== 32))) return 'the passcode digest is not 32 bytes'
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires < 0) return 'the expiry is not a time'
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return 'the statement has no time'
  const statement: LinkStatement = { v, kind: kind as LinkStatementKind, patient: patient as WalletAddress, keeper: keeper as WalletAddress, peer, link: id, digest, passcode, expires, at }
  return statement
}

type Checked<T> = { value: T } | { refusal: LinkRefusal; why: string }

/**
 * Checks a link request as a keeper receives it: its form and, for a store, the file (at most 4 MiB,
 * `too-large`) and the passcode (4 to 64 characters, matching the statement's digest) (`malformed`);
 * the identity block is a sound wallet identity of the statement's patient whose key signed it, the
 * statement names this keeper and, for a store, the file's digest (`bad-signature`); at most 2 minutes
 * old and not ahead of the clock (`stale`). Enrolment, limits and ownership are the keeper's to check.
 */
export function checkLinkRequest(
  request: Record<string, unknown>,
  kind: LinkStatementKind,
  expected: { keeper: WalletAddress; peer: string; now: number }
): Checked<{ statement: LinkStatement; file?: Uint8Array; passcode?: string }> {
  const { statement, signature, identity, file, passcode } = request
  if (!isBytes(statement) || !isBytes(signature) || !isBytes(identity) || signature.length > 80) return { refusal: 'malformed', why: 'the request carries no statement, signature and identity' }
  if (kind === 'link-store') {
    if (!isBytes(file) || file.length === 0) return { refusal: 'malformed', why: 'a store carries no file' }
    if (file.length > MAX_LINK_FILE) return { refusal: 'too-large', why: `a file of ${file.length} bytes, over ${MAX_LINK_FILE}` }
    if (passcode !== undefined && (typeof passcode !== 'string' || Array.from(passcode).length < MIN_PASSCODE_LENGTH || Array.from(passcode).length > MAX_PASSCODE_LENGTH)) return { refusal: 'malformed', why: 'the passcode is not 4 to 64 characters' }
  }
  const parsed = parseLinkStatement(statement)
  if (typeof parsed === 'string') return { refusal: 'malformed', why: parsed }
  if (parsed.kind !== kind) return { refusal: 'malformed', why: `a ${kind} request carries a ${parsed.kind} statement` }
  const verified = parseIdentityBlock(identity)
  if (typeof verified === 'string') return { refusal: 'bad-signature', why: verified }
  if (verified.address !== parsed.patient) return { refusal: 'bad-signature', why: `the identity is ${verified.address}'s, not the patient's` }
  if (!verifySignatureHex(bytesToHex(signature), verified.publicKeyHex, linkStatementSignedBytes(statement))) return { refusal: 'bad-signature', why: "the patient's key did not sign this statement" }
  if (parsed.keeper !== expected.keeper || parsed.peer !== expected.peer) return { refusal: 'bad-signature', why: 'the statement is addressed to another keeper' }
  if (parsed.at < expected.now - LINK_REQUEST_MAX_AGE_MS || parsed.at > expected.now + MAX_SKEW_MS) return { refusal: 'stale', why: 'the statement is too old, or from the future' }
  if (kind !== 'link-store') return { value: { statement: parsed } }
  const bytes = file as Uint8Array
  if (bytesToHex(sha256(bytes)) !== bytesToHex(parsed.digest)) return { refusal: 'bad-signature', why: 'the patient did not sign this file' }
  const code = passcode as string | undefined
  if ((code === undefined) !== (parsed.passcode.length === 0)) return { refusal: 'malformed', why: 'the passcode sent and the statement disagree' }
  if (code !== undefined && bytesToHex(passcodeDigest(code)) !== bytesToHex(parsed.passcode)) return { refusal: 'bad-signature', why: 'the patient did not sign this passcode' }
  if (parsed.expires !== 0 && parsed.expires * 1000 <= expected.now) return { refusal: 'malformed', why: 'the link has expired already' }
  return { value: { statement: parsed, file: bytes, ...(code === undefined ? {} : { passcode: code }) } }
}
