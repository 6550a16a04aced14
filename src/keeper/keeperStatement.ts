// What a patient says to a keeper, signed with the patient's history identity key (the key the
// wallet bound to the patient's address, so no wallet prompt): enrol me with this quota, tell me
// what you hold, forget me. The statement travels with the identity block, so the keeper checks
// the binding names the patient, and the signature, without asking the chain.
//
// Statement (dag-cbor, canonical):
//   { v: 1, kind: 'enrol' | 'remove' | 'status' | 'files', patient, keeper, peer, quota, code?, files?, at }
// `files` (kind 'files' only): the attached files the keeper is to hold, [root CID bytes, sealed size] each.
// Signature: the identity key over  "anamnesis/keeper-statement/1\n" ‖ <statement bytes>, DER.
// The sync protocol's hellos sign a dag-cbor map (first byte 0xa0–0xbf); these bytes begin with the
// text above (first byte 0x61), so a signature made for one can never be passed off as the other.
import * as dagCbor from '@ipld/dag-cbor'
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { parseIdentityBlock, verifySignatureHex } from '../p2p/walletIdentity.ts'
import type { WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { decodeCanonical } from '../p2p/blocks.ts'
import { fileBlockCid } from '../p2p/fileProtocol.ts'
import { CID } from 'multiformats/cid'

const DAG_PB = 0x70

/** The libp2p protocol a keeper answers enrolment, status and removal on. */
export const KEEPER_PROTOCOL = '/anamnesis/keeper/1.0.0'

/** What a statement asks of the keeper. */
export type StatementKind = 'enrol' | 'remove' | 'status' | 'files'

/**
 * Why a keeper refused, as a fixed code (never the keeper's own words): the operator does not accept
 * this patient or code; the statement's signature, identity or addressee is wrong; it is too old or
 * was seen before; the patient's quota is reached; the keeper's disk is full; the request is not
 * one of the protocol's; the patient is not enrolled there (status).
 */
export const REFUSAL_REASONS = ['not-accepted', 'bad-signature', 'stale', 'quota', 'disk-full', 'malformed', 'not-enrolled'] as const
/** One of the refusal codes. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** Whether a value is one of the refusal codes. */
export function isRefusalReason(value: unknown): value is RefusalReason {
  return typeof value === 'string' && (REFUSAL_REASONS as readonly string[]).includes(value)
}

/** A patient's signed word to one keeper. */
export interface KeeperStatement {
  v: 1
  kind: StatementKind
  /** The patient's wallet address, lowercase: the history the statement is about. */
  patient: WalletAddress
  /** The keeper's wallet address, lowercase. */
  keeper: WalletAddress
  /** The keeper's libp2p peer id. */
  peer: string
  /** Bytes of the history the keeper may hold (enrol); 0 otherwise. */
  quota: number
  /** The enrolment code the keeper's operator handed out, when it asks for one. */
  code?: string
  /** The attached files to hold (kind 'files'): each file's root CID and its sealed size in bytes. */
  files?: KeptFile[]
  /** When the patient's device made the statement, in ms since the epoch. */
  at: number
}

/** An attached file a keeper is asked to hold: its root CID (base32) and its sealed size in bytes. */
export interface KeptFile {
  cid: string
  bytes: number
}

/** The most files one statement names: a history's attachments are limited well below this. */
export const MAX_KEPT_FILES = 4096

/** A statement as sent: its bytes, the identity key's signature over them, and the identity block. */
export interface SignedStatement {
  statement: Uint8Array
  signature: Uint8Array
  identity: Uint8Array
}

const PURPOSE = utf8ToBytes('anamnesis/keeper-statement/1\n')
const KINDS: readonly string[] = ['enrol', 'remove', 'status', 'files']
const ADDRESS = /^0x[0-9a-f]{40}$/
const MAX_CODE_LENGTH = 128
const FIELDS = ['at', 'keeper', 'kind', 'patient', 'peer', 'quota', 'v']

/** The bytes the identity key signs for a statement: the purpose, then the statement's bytes. */
export function signedBytes(statement: Uint8Array): Uint8Array {
  return concatBytes(PURPOSE, statement)
}

/** A statement's canonical bytes (no `code` field when there is none). */
export function encodeStatement(statement: KeeperStatement): Uint8Array {
  const { code, files, ...rest } = statement
  return dagCbor.encode({ ...rest, ...(code === undefined ? {} : { code }), ...(files === undefined ? {} : { files: files.map((file) => [CID.parse(file.cid).bytes, file.bytes]) }) })
}

/** The files a statement names, or why they are none: at most MAX_KEPT_FILES pairs of a file's root CID and a size above zero. */
function parseFiles(value: unknown): KeptFile[] | string {
  if (!Array.isArray(value) || value.length > MAX_KEPT_FILES) return 'the statement\'s files are not a list of at most 4,096'
  const files: KeptFile[] = []
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 2) return 'a file is not a CID and a size'
    const [cid, bytes] = item as unknown[]
    const root = fileBlockCid(cid)
    if (root === undefined || root.code !== DAG_PB) return 'a file is not named by a file\'s root CID'
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) return 'a file\'s size is not a number of bytes'
    files.push({ cid: root.toString(), bytes })
  }
  return files
}

/**
 * Signs a statement's bytes with a history identity (the wallet-bound key: no wallet prompt), over
 * `purpose` then the bytes: what every keeper protocol sends (enrolment, cards, links, emergency keys).
 */
export async function signWithPurpose(identity: WalletIdentity, purpose: Uint8Array, bytes: Uint8Array): Promise<SignedStatement> {
  return { statement: bytes, signature: hexToBytes(await identity.sign(identity, concatBytes(purpose, bytes))), identity: identity.bytes }
}

/** Signs a statement with the patient's history identity. */
export function signStatement(identity: WalletIdentity, statement: KeeperStatement): Promise<SignedStatement> {
  return signWithPurpose(identity, PURPOSE, encodeStatement(statement))
}

/**
 * The map in a signed statement's `bytes`, or why it is none: canonical dag-cbor (one encoding per
 * statement, so a signature names one value) whose keys are exactly `fields`, besides any of
 * `optional`. Each protocol then checks its fields' kinds.
 */
export function statementMap(bytes: Uint8Array, fields: readonly string[], name: string, optional: readonly string[] = []): Record<string, unknown> | string {
  let value: unknown
  try {
    value = decodeCanonical(bytes)
  } catch {
    return 'the statement is not canonical dag-cbor'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isBytes(value)) return 'the statement is not a map'
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).filter((key) => !optional.includes(key)).sort()
  if (keys.length !== fields.length || keys.some((key, i) => key !== fields[i])) return `the statement has other fields than ${name}`
  return record
}

/** The statement in `bytes`, or why it is none: canonical dag-cbor with exactly the fields above, each of its kind. */
export function parseStatement(bytes: Uint8Array): KeeperStatement | string {
  const record = statementMap(bytes, FIELDS, 'a keeper statement', ['code', 'files'])
  if (typeof record === 'string') return record
  const { v, kind, patient, keeper, peer, quota, code, files, at } = record
  if (v !== 1) return 'the statement is of another version'
  if (typeof kind !== 'string' || !KINDS.includes(kind)) return 'the statement asks for nothing a keeper does'
  if (typeof patient !== 'string' || !ADDRESS.test(patient)) return 'the statement names no patient wallet'
  if (typeof keeper !== 'string' || !ADDRESS.test(keeper)) return 'the statement names no keeper wallet'
  if (typeof peer !== 'string' || peer.length === 0 || peer.length > 128) return 'the statement names no keeper peer id'
  if (typeof quota !== 'number' || !Number.isSafeInteger(quota) || quota < 0) return 'the quota is not a number of bytes'
  if (code !== undefined && (typeof code !== 'string' || code.length === 0 || code.length > MAX_CODE_LENGTH)) return 'the enrolment code is not a short text'
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return 'the statement has no time'
  if ((kind === 'files') !== (files !== undefined)) return 'files are named by a statement of files, and only there'
  const kept = files === undefined ? undefined : parseFiles(files)
  if (typeof kept === 'string') return kept
  return {
    v,
    kind: kind as StatementKind,
    patient: patient as WalletAddress,
    keeper: keeper as WalletAddress,
    peer,
    quota,
    ...(code === undefined ? {} : { code }),
    ...(kept === undefined ? {} : { files: kept }),
    at
  }
}

/** What a keeper checks a statement against: itself, the time, and the last statement it holds from the patient. */
export interface StatementExpectations {
  keeper: WalletAddress
  peer: string
  now: number
  /** The time of the last statement this keeper accepted from the patient; a statement must be newer. */
  lastAt(patient: WalletAddress): number | undefined
}

/** How old a statement may be when it arrives. */
export const STATEMENT_MAX_AGE_MS = 10 * 60_000
/** How far ahead of the keeper's clock a statement may be (clocks differ a little). */
const STATEMENT_MAX_SKEW_MS = 60_000

/**
 * Checks a signed statement as a keeper receives it: its form (`malformed`); the identity block is
 * a sound wallet identity for the registered domain whose wallet is the statement's patient, its
 * key signed these bytes, and the statement names this keeper and its peer id (`bad-signature`);
 * it is at most 10 minutes old, not ahead of the clock, and newer than the last one accepted from
 * the patient (`stale`, which refuses a replay).
 */
export function checkStatement(signed: { statement: unknown; signature: unknown; identity: unknown }, expected: StatementExpectations): { statement: KeeperStatement } | { refusal: RefusalReason; why: string } {
  const { statement, signature, identity } = signed
  if (!isBytes(statement) || !isBytes(signature) || !isBytes(identity) || signature.length > 80) return { refusal: 'malformed', why: 'the request carries no statement, signature and identity' }
  const parsed = parseStatement(statement)
  if (typeof parsed === 'string') return { refusal: 'malformed', why: parsed }
  const verified = parseIdentityBlock(identity)
  if (typeof verified === 'string') return { refusal: 'bad-signature', why: verified }
  if (verified.address !== parsed.patient) return { refusal: 'bad-signature', why: `the identity is ${verified.address}'s, not the patient's` }
  if (!verifySignatureHex(bytesToHex(signature), verified.publicKeyHex, signedBytes(statement))) return { refusal: 'bad-signature', why: 'the patient\'s key did not sign this statement' }
  if (parsed.keeper !== expected.keeper || parsed.peer !== expected.peer) return { refusal: 'bad-signature', why: 'the statement is addressed to another keeper' }
  if (parsed.at < expected.now - STATEMENT_MAX_AGE_MS || parsed.at > expected.now + STATEMENT_MAX_SKEW_MS) return { refusal: 'stale', why: 'the statement is too old, or from the future' }
  const last = expected.lastAt(parsed.patient)
  if (last !== undefined && parsed.at <= last) return { refusal: 'stale', why: 'the statement is no newer than the last one from this patient (a replay)' }
  return { statement: parsed }
}

/** Real bytes (a decoded "__proto__" key can pass instanceof; only a real view has a buffer). */
export function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && value instanceof Uint8Array
}
