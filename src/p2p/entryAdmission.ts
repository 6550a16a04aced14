// The checks an entry passes before it joins a history log, whichever way it comes: pulled
// from a peer, loaded after another tab stored it, or re-read by verify().
import { hashOfBytes } from './blocks.ts'
import { decodeLogEntry, signatureCheckOf, type LogEntry, type ProvenSigner } from './logEntry.ts'
import { checkBlocks, verifySignatures } from './verifySignatures.ts'
import type { StoredEntry } from './patientLogApi.ts'
import type { VerifiedIdentity, WalletAddress } from './walletIdentity.ts'

/** What the checks need to know of the log an entry would join. */
export interface AdmissionRules {
  /** The log's address: an entry names the one log it belongs to. */
  address: string
  /** The patient whose history it is: always admitted, and what they build on is endorsed. */
  patient: WalletAddress
  /** The wallet identity an entry names, verified, or undefined when it is unknown or unsound. */
  identityOf(hash: string): Promise<VerifiedIdentity | undefined>
  /** Whether a writer other than the patient holds a live write grant now. */
  mayWrite(writer: WalletAddress): Promise<boolean>
  /**
   * The key version `wallet` has registered now (keys it replaced have lower ones), or undefined
   * when no registry has answered: then no entry is refused on that ground.
   */
  keyVersionOf(wallet: WalletAddress): Promise<number | undefined>
}

/** An entry that was not admitted, by its hash, and why in words a person can read. */
export interface Refusal {
  hash: string
  reason: string
}

/** The entries an entry links to: its next and its refs. */
export const parentsOf = (entry: Pick<LogEntry, 'next' | 'refs'>): string[] => [...entry.next, ...entry.refs]

/**
 * The entry a block holds, or why it holds none: content not matching `hash` when given, or not an
 * entry of this form (decodeLogEntry: canonical dag-cbor, fields, bounded payload and links).
 * Nothing about its writer or signature is checked here.
 * @param hash - The name the block was asked for by; without it, the entry's hash is computed from the bytes alone.
 */
export function entryOfBlock(bytes: Uint8Array, hash?: string): LogEntry | string {
  // The hash is computed once: SHA-256 of every block was a fifth of a doctor's check of 1,000 entries.
  const computed = hashOfBytes(bytes)
  if (hash !== undefined && computed !== hash) return 'its content does not match its hash: the block was altered'
  const entry = decodeLogEntry(bytes, computed)
  return typeof entry === 'string' ? `it is not a log entry: ${entry}` : entry
}

/** entryOfBlock for a block read back from storage, where it may be missing. */
export function entryOfStoredBlock(hash: string, bytes: Uint8Array | undefined): LogEntry | string {
  return bytes === undefined ? 'its block is missing from storage' : entryOfBlock(bytes, hash)
}

/**
 * The entry with its writer's wallet, or why it has none: it is another log's, its identity is
 * unsound, or its key is not the identity's. The signature is not checked here (signatureRefusals).
 */
export async function checkWriter(entry: LogEntry, rules: Pick<AdmissionRules, 'address' | 'identityOf'>): Promise<StoredEntry | string> {
  if (entry.id !== rules.address) return 'it belongs to another log'
  const writer = await rules.identityOf(entry.identity)
  if (writer === undefined) return 'its writer identity is missing, unknown or not bound to a wallet'
  if (writer.publicKeyHex !== entry.key) return 'it is signed with a key that is not its writer identity\'s'
  return { ...entry, writer: writer.address, writerKeyVersion: writer.keyVersion }
}

const SIGNATURE_REFUSAL = 'its signature does not verify'

/** For each entry, why its signature fails, or undefined. All are checked at once: in a browser, in workers off the page's thread. */
export async function signatureRefusals(entries: readonly LogEntry[]): Promise<(string | undefined)[]> {
  const signed = await verifySignatures(entries.map(signatureCheckOf))
  return entries.map((_, i) => (signed[i] === true ? undefined : SIGNATURE_REFUSAL))
}

/**
 * Why the entry's clock is wrong, or undefined. A writer of this log sets it to one more than the
 * latest entry it follows (1 for an entry that follows none); an entry not after its parents, or
 * that jumps ahead of them (a time near 2^53 would leave every later entry no safe time), is
 * refused. `timeOf` gives a parent's time; while a parent is unknown, only "after" is checked,
 * with that parent counted as time 0.
 */
export function clockRefusal(entry: LogEntry, timeOf: (hash: string) => number | undefined): string | undefined {
  const times = parentsOf(entry).map(timeOf)
  const parentTime = Math.max(0, ...times.map((time) => time ?? 0))
  if (entry.clock.time <= parentTime) return 'its clock is not after the entries it follows'
  if (times.every((time) => time !== undefined) && entry.clock.time !== parentTime + 1) return 'its clock jumps ahead of the entries it follows'
  return undefined
}

/**
 * Why an entry is signed with a retired identity, or undefined: its writer has replaced the keys
 * its identity was derived for (rules.keyVersionOf names a later version). Whoever holds the old
 * key derivation signature can still sign with that identity, so such an entry stands only where
 * the writer's current keys vouch for it (endorsed by the patient's current identity).
 */
export async function retiredRefusal(entry: Pick<StoredEntry, 'writer' | 'writerKeyVersion'>, rules: Pick<AdmissionRules, 'keyVersionOf'>): Promise<string | undefined> {
  const current = await rules.keyVersionOf(entry.writer)
  if (current === undefined || entry.writerKeyVersion >= current) return undefined
  return `it is signed with keys that ${entry.writer} replaced (key version ${entry.writerKeyVersion}; version ${current} is the registered one)`
}

/**
 * Whether the patient's entries build on `entry`'s ancestors as its writer: signed by the patient's
 * current identity. An entry of a retired identity endorses nothing, or whoever holds the old keys
 * would vouch for himself.
 */
export async function endorses(entry: Pick<StoredEntry, 'writer' | 'writerKeyVersion'>, rules: Pick<AdmissionRules, 'patient' | 'keyVersionOf'>): Promise<boolean> {
  return entry.writer === rules.patient && (await retiredRefusal(entry, rules)) === undefined
}

/**
 * Adds to `endorsed` every entry the patient's entries `from` build on, directly or not:
 * the patient's device accepted those, so they are admitted whatever their writer's grant
 * (or key version) says now. `from` are entries of the patient's current identity (endorses). `parentsOfHash` gives the parents of an entry the walk may pass through, or
 * undefined where it stops; what is endorsed already is not walked again.
 */
export function endorseAncestors(from: Iterable<LogEntry>, parentsOfHash: (hash: string) => readonly string[] | undefined, endorsed: Set<string>): void {
  const stack = [...from].flatMap(parentsOf)
  while (stack.length > 0) {
    const hash = stack.pop()
    if (hash === undefined || endorsed.has(hash)) continue
    const parents = parentsOfHash(hash)
    if (parents === undefined) continue
    endorsed.add(hash)
    stack.push(...parents)
  }
}

/**
 * Why the entry's writer may not add it, or undefined: an endorsed entry is admitted; one signed
 * with keys its writer replaced is not (retiredRefusal); otherwise the patient always may, anyone
 * else needs a live grant now (rules.mayWrite), whenever the entry says it was written.
 * @param endorsed - Whether the patient's current entries build on this one (endorseAncestors).
 */
export async function writeAccessRefusal(entry: Pick<StoredEntry, 'writer' | 'writerKeyVersion'>, endorsed: boolean, rules: AdmissionRules): Promise<string | undefined> {
  if (endorsed) return undefined
  const retired = await retiredRefusal(entry, rules)
  if (retired !== undefined) return retired
  const { writer } = entry
  if (writer === rules.patient || (await rules.mayWrite(writer))) return undefined
  return `${writer} has no live grant to write to this history`
}

/** What checkOffered found in a frame of blocks. */
export interface OfferedCheck {
  /** Entries that passed form, log, identity, key and signature (or came from the signer the peer proved: ProvenSigner); links and write access are left to the log's state. */
  checked: StoredEntry[]
  refused: Refusal[]
  /** How many offered entries the log holds already. */
  known: number
}

/**
 * Checks blocks a peer offered, everything that needs nothing of the log's state: form, log,
 * writer identity, key and signature. Entries `held` by the log are only counted. The hash of
 * each entry is computed from its bytes; links, clock and write access are left to the receiver.
 * Reading the blocks and checking their signatures runs in a worker in a browser (checkBlocks).
 * @param held - Whether the log holds an entry already.
 * @param proven - The patient's identity when the peer proved its key on this connection: its
 *   entries are taken as signed (ProvenSigner); every other check still applies to them.
 */
export async function checkOffered(blocks: readonly Uint8Array[], rules: AdmissionRules, held: (hash: string) => boolean, proven?: ProvenSigner): Promise<OfferedCheck> {
  const refused: Refusal[] = []
  const checked: StoredEntry[] = []
  let known = 0
  for (const block of await checkBlocks(blocks, proven)) {
    if ('refusal' in block) {
      refused.push({ hash: block.hash, reason: block.refusal })
      continue
    }
    const { entry, signed } = block
    if (held(entry.hash)) {
      known += 1
      continue
    }
    const result = await checkWriter(entry, rules)
    if (typeof result === 'string') refused.push({ hash: entry.hash, reason: result })
    else if (!signed) refused.push({ hash: entry.hash, reason: SIGNATURE_REFUSAL })
    else checked.push(result)
  }
  return { checked, refused, known }
}
