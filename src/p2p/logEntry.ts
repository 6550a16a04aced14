// Entries of the history log, byte for byte OrbitDB's v2 entries, so a stock OrbitDB peer
// reads and verifies them: the writer signs the dag-cbor of { id, payload, next, refs,
// clock, v }, and the block holds that plus { key, identity, sig }. Here payload is
// always bytes: one encrypted record envelope (src/crypto encodeEnvelope).
import { hexToBytes } from '@noble/hashes/utils.js'
import * as dagCbor from '@ipld/dag-cbor'
import { verifySecp256k1 } from '../crypto/index.ts'
import { decodeCanonical, encodeBlock, hashOfBytes, parseHash } from './blocks.ts'
import type { WalletIdentity } from './walletIdentity.ts'

/** OrbitDB's entry format version: the only one read or written. */
export const ENTRY_VERSION = 2 as const
/** An envelope holds one record of at most 1 MiB plus its padding; anything larger is not ours. */
export const MAX_PAYLOAD_BYTES = 1_200_000
/** The most entries an entry's `next` (and, apart, its `refs`) may name: readers refuse an entry that links more. */
export const MAX_LINKS = 64
const HEX = /^(?:[0-9a-f]{2})+$/

/** A decoded entry of the history log: the fields its block holds, and its hash and bytes. */
export interface LogEntry {
  /** The log's address: an entry belongs to one log. */
  id: string
  /** One encrypted record envelope, at most MAX_PAYLOAD_BYTES. */
  payload: Uint8Array
  /** Hashes of the entries this one follows (the heads when it was written). */
  next: string[]
  /** Further back-references; this project writes none, peers may. */
  refs: string[]
  /** Lamport clock: `id` is the writer's public key, `time` exceeds every entry in `next`. */
  clock: { id: string; time: number }
  v: typeof ENTRY_VERSION
  /** The writer's public key, hex. */
  key: string
  /** Hash of the writer's identity block. */
  identity: string
  /** Signature over the signed part, hex DER. */
  sig: string
  /** The block's hash, computed from `bytes`. */
  hash: string
  /** The block as stored and sent: canonical dag-cbor. */
  bytes: Uint8Array
}

/** The part of an entry its writer signs: the dag-cbor of { id, payload, next, refs, clock, v }. */
export function signedPart(entry: Pick<LogEntry, 'id' | 'payload' | 'next' | 'refs' | 'clock' | 'v'>): Uint8Array {
  const { id, payload, next, refs, clock, v } = entry
  return dagCbor.encode({ id, payload, next, refs, clock, v })
}

/** What a new entry is made of. */
export interface CreateLogEntryInput {
  /** The writer's identity; its in-memory key signs. */
  identity: WalletIdentity
  /** The address of the log the entry belongs to. */
  logId: string
  /** The encrypted record envelope. */
  payload: Uint8Array
  /** The hashes of the entries it follows: the log's heads, or the entry appended just before it. */
  next: string[]
  /** Its Lamport time: above every entry in `next`. */
  time: number
}

/**
 * A new signed entry. Signing happens here, with the identity's in-memory key. Nothing is
 * checked of the input: the caller gives the heads and a time above theirs.
 */
export async function createLogEntry({ identity, logId, payload, next, time }: CreateLogEntryInput): Promise<LogEntry> {
  const unsigned = { id: logId, payload, next, refs: [] as string[], clock: { id: identity.publicKey, time }, v: ENTRY_VERSION as typeof ENTRY_VERSION }
  const sig = await identity.sign(identity, signedPart(unsigned))
  const stored = { ...unsigned, key: identity.publicKey, identity: identity.hash, sig }
  const block = encodeBlock(stored)
  return { ...stored, hash: block.hash, bytes: block.bytes }
}

const isHashList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string' && parseHash(item) !== undefined)

/**
 * Reads an entry from its block bytes (its hash is computed here, never taken from a
 * peer). Returns why it is not an entry of this form, or the entry; the signature is
 * checked separately (verifyEntrySignature). Checked: canonical dag-cbor, exactly the nine
 * fields, version 2, a payload of bytes up to MAX_PAYLOAD_BYTES, at most 64 next and 64 refs
 * that are all log entry hashes, a clock of an id and a time that is a safe integer from 1, a 33-byte hex key,
 * an identity hash and a hex signature. Not checked here: which log `id` names, that the
 * clock's id is the key, and whether the key is the identity's (entryAdmission.ts checkWriter).
 * @param hash - hashOfBytes(bytes) when the caller computed it already; never a hash a peer named.
 */
export function decodeLogEntry(bytes: Uint8Array, hash = hashOfBytes(bytes)): LogEntry | string {
  let value: unknown
  try {
    value = decodeCanonical(bytes)
  } catch (error) {
    return error instanceof Error ? error.message : 'the block is not dag-cbor'
  }
  if (typeof value !== 'object' || value === null) return 'the block is not an object'
  const fields = value as Record<string, unknown>
  const keys = Object.keys(fields)
  if (keys.length !== 9) return 'the block does not have the fields of a log entry'
  const { id, payload, next, refs, clock, v, key, identity, sig } = fields
  // Only a number is named: String() of a peer's object can throw (a map with a key "toString").
  if (v !== ENTRY_VERSION) return typeof v === 'number' ? `the entry version is ${v}, not ${ENTRY_VERSION}` : `the entry has no version number (${ENTRY_VERSION})`
  if (typeof id !== 'string') return 'the entry names no log'
  if (!(payload instanceof Uint8Array) || payload.length > MAX_PAYLOAD_BYTES) return 'the payload is not an envelope of bytes'
  if ([next, refs].some((links) => Array.isArray(links) && links.length > MAX_LINKS)) return `the entry links to more than ${MAX_LINKS} entries`
  if (!isHashList(next) || !isHashList(refs)) return 'the entry links are malformed'
  if (typeof clock !== 'object' || clock === null) return 'the entry has no clock'
  const { id: clockId, time } = clock as Record<string, unknown>
  if (typeof clockId !== 'string' || typeof time !== 'number' || !Number.isSafeInteger(time) || time < 1) return 'the entry clock is malformed'
  // Exactly id and time: the signature covers the clock as { id, time }, so a field beside them
  // would make a second block, under another hash, that the same signature verifies.
  if (Object.keys(clock).length !== 2) return 'the entry clock has other fields than id and time'
  if (typeof key !== 'string' || key.length !== 66 || !HEX.test(key)) return 'the entry key is not a compressed public key'
  if (typeof identity !== 'string' || parseHash(identity) === undefined) return 'the entry names no identity'
  if (typeof sig !== 'string' || !HEX.test(sig)) return 'the entry signature is malformed'
  return { id, payload, next, refs, clock: { id: clockId, time }, v, key, identity, sig, hash, bytes }
}

/** Whether the entry's signature is its key's, over its signed part. */
export function verifyEntrySignature(entry: LogEntry): boolean {
  return verifySecp256k1(hexToBytes(entry.sig), hexToBytes(entry.key), signedPart(entry))
}

/**
 * A block a peer sent, read and checked as far as it can be without the log: its hash (computed
 * here), its form (decodeLogEntry) and its signature. The entry's bytes are the block's.
 */
export type CheckedBlock = { hash: string; refusal: string } | { entry: LogEntry; signed: boolean }

/**
 * The patient's identity, as the peer that sends the blocks proved it holds its key: its hello is
 * signed with that key for this history and both peer ids (syncProtocol.ts), which the connection's
 * encryption binds to every byte (Noise; over WebRTC, DTLS whose fingerprint came over Noise-secured
 * signalling). An entry of that identity and key is that peer's own word, as a signature would make
 * it: whoever proved the key can sign anything with it.
 */
export interface ProvenSigner {
  /** The identity block's hash, as entries name it. */
  identity: string
  /** Its compressed public key, in hex, as entries carry it. */
  key: string
}

/**
 * Reads a block a peer sent and checks its signature (checkBlocks runs this in a worker): the
 * hash is computed once, from the bytes; a block that holds no entry of this form is refused with
 * why, and its signature is not checked. An entry of the `proven` signer's identity and key is
 * taken as signed without the check: the peer that sent it proved that key (ProvenSigner).
 */
export function checkBlock(bytes: Uint8Array, proven?: ProvenSigner): CheckedBlock {
  const hash = hashOfBytes(bytes)
  const entry = decodeLogEntry(bytes, hash)
  if (typeof entry === 'string') return { hash, refusal: `it is not a log entry: ${entry}` }
  const provenSigner = proven !== undefined && entry.identity === proven.identity && entry.key === proven.key
  return { entry, signed: provenSigner || verifyEntrySignature(entry) }
}

/** One signature to check, as OrbitDB makes them: ECDSA secp256k1 over SHA-256 of `data`. */
export interface SignatureCheck {
  /** DER-encoded; a high-S signature does not verify. */
  signature: Uint8Array
  /** The compressed secp256k1 public key. */
  publicKey: Uint8Array
  data: Uint8Array
}

/** What checking the entry's signature takes, for checking many at once (verifySignatures.ts). */
export function signatureCheckOf(entry: LogEntry): SignatureCheck {
  return { signature: hexToBytes(entry.sig), publicKey: hexToBytes(entry.key), data: signedPart(entry) }
}
