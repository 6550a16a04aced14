// One log entry's plaintext: a record, who wrote it and when, and, for a
// correction, the entry it corrects. Serialised as canonical JSON (UTF-8), so the
// bytes a peer sends are the only form of that entry; parsed back with full validation.
import { HistoryError } from './HistoryError.ts'
import { canonicalJson } from './canonicalJson.ts'
import { describeValue, isPlainObject } from './fhirDatatypes.ts'
import { CLOCK_TOLERANCE_MS } from './fhirPrimitives.ts'
import type { HistoryRecord } from './recordTypes.ts'
import { validateRecord, type ValidateRecordOptions } from './validateRecord.ts'

/** The version of the entry format this app writes and reads (an entry's `v`). */
export const ENTRY_VERSION = 1
/** One entry stays below the size of one block; larger attachments belong in blocks of their own. */
export const MAX_ENTRY_BYTES = 1024 * 1024

/** A wallet address, lowercase: the form the history and the envelopes' binding use. */
export type Address = `0x${string}`

/** One entry of a patient's log: a record, who wrote it and when, and, for a correction, the entry it corrects. */
export interface HistoryEntry<R extends HistoryRecord = HistoryRecord> {
  v: typeof ENTRY_VERSION
  /** Random UUID naming this entry (not the record: corrections get their own). Sealed into the envelope's binding. */
  id: string
  /** The FHIR record; a correction keeps the record's resourceType and id. */
  record: R
  writer: Address
  /** When the writer wrote it, as the writer's clock says: an ISO 8601 instant in UTC. */
  writtenAt: string
  /** For a correction: the id of the entry it corrects. */
  amends?: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const INSTANT_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const EARLIEST_WRITE = Date.UTC(2000, 0, 1)
const ENTRY_KEYS = new Set(['v', 'id', 'record', 'writer', 'writtenAt', 'amends'])
/**
 * The canonical text of each entry this app has just created, kept so that sealing it does not
 * write the record in canonical form a second time. Entries are not changed after they are
 * created (the log holds them as written), so the text stays the entry's.
 */
const canonicalTexts = new WeakMap<HistoryEntry, string>()
/**
 * Records checked ahead of their entry (vetRecord), with the patient they were checked for and the
 * present they were checked against (one object for each such pair: an import checks thousands of
 * records for the same). They are frozen when checked, so the check stays true of them.
 */
const vettedRecords = new WeakMap<object, Vetted>()
interface Vetted {
  patient: string | undefined
  now: number
}
let lastVetted: Vetted | undefined

function invalid(field: string, problem: string): never {
  throw new HistoryError('INVALID_ENTRY', `${field} ${problem}.`, { field })
}

/**
 * A wallet address in the history's form (lowercase).
 *
 * @param field - Where the value comes from, for the message.
 * @throws {HistoryError} `INVALID_ENTRY` when it is not 0x and 40 hex digits.
 */
export function toAddress(value: unknown, field = 'entry.writer'): Address {
  if (typeof value !== 'string' || !ADDRESS.test(value)) return invalid(field, `must be a wallet address (0x and 40 hex digits); got ${describeValue(value)}`)
  return value.toLowerCase() as Address
}

/**
 * The FHIR Patient id of a patient: their lowercase wallet address.
 *
 * @throws {HistoryError} `INVALID_ENTRY` when `address` is not a wallet address.
 */
export function patientId(address: string): string {
  return toAddress(address, 'patient')
}

/**
 * The reference every record of this patient's history uses as its subject: `Patient/<lowercase address>`.
 *
 * @throws {HistoryError} `INVALID_ENTRY` when `address` is not a wallet address.
 */
export function patientReference(address: string): { reference: string } {
  return { reference: `Patient/${patientId(address)}` }
}

/** What an entry is checked against: the present, and the history's patient. */
export interface EntryOptions {
  /** The present, for date checks. Default: Date.now(). */
  now?: number
  /** The history's patient (wallet address); records about anyone else are refused. */
  patient?: string
}

/** What {@link createEntry} needs: the record, its writer's address and, for a correction, the id of the entry it corrects. */
export interface CreateEntryInput extends EntryOptions {
  record: unknown
  writer: string
  amends?: string
}

/**
 * Checks a record as {@link createEntry} will (validateRecord) ahead of writing it, gives its
 * canonical JSON, and freezes it: an import checks every record for its preview, and the entries it
 * then writes are not checked again. What was checked is what is written: a frozen record cannot
 * change in between. (The text is not kept for the entry: thousands of texts held from the preview to
 * the write cost the garbage collector more than writing them again does.)
 *
 * @param options - The present and the history's patient (a FHIR Patient id), as for validateRecord;
 *   an entry skips the check only for the same patient and a present no earlier.
 * @throws {HistoryError} As validateRecord, and `INVALID_ENTRY` for a value JSON cannot carry.
 */
export function vetRecord(value: unknown, options: Required<Pick<ValidateRecordOptions, 'now'>> & Pick<ValidateRecordOptions, 'patient'>): { record: HistoryRecord; text: string } {
  const record = validateRecord(value, options)
  const text = canonicalJson(record, 'record')
  deepFreeze(record)
  if (lastVetted === undefined || lastVetted.patient !== options.patient || lastVetted.now !== options.now) lastVetted = { patient: options.patient, now: options.now }
  vettedRecords.set(record, lastVetted)
  return { record, text }
}

function deepFreeze(value: object): void {
  const stack: object[] = [value]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    Object.freeze(next)
    for (const inner of Object.values(next)) if (typeof inner === 'object' && inner !== null) stack.push(inner as object)
  }
}

/** Whether vetRecord checked this record for this patient (or for any, when `patient` is not given) at or before `now`. */
function vetted(record: unknown, patient: string | undefined, now: number): boolean {
  const check = typeof record === 'object' && record !== null ? vettedRecords.get(record) : undefined
  if (check === undefined || check.now > now) return false
  // A record checked for this patient passed the same checks as it would now: a date not after the
  // present then is not after it now, and nothing else depends on the present.
  return patient === undefined || check.patient === patientId(patient)
}

/**
 * A new entry for a record: copied to plain JSON, with a fresh id and the time, then validated (a
 * record vetRecord checked for this patient is not checked again).
 *
 * @throws {HistoryError} `INVALID_ENTRY` for a value JSON cannot carry or a malformed writer or
 *   `amends`, and `UNKNOWN_RECORD_TYPE`, `MISSING_FIELD`, `INVALID_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT` for the record.
 */
export function createEntry(input: CreateEntryInput): HistoryEntry {
  const now = input.now ?? Date.now()
  const recordText = canonicalJson(input.record, 'record')
  const entry: HistoryEntry = {
    v: ENTRY_VERSION,
    id: globalThis.crypto.randomUUID(),
    record: JSON.parse(recordText) as HistoryRecord,
    writer: toAddress(input.writer),
    writtenAt: new Date(now).toISOString(),
    ...(input.amends === undefined ? {} : { amends: input.amends })
  }
  const checked = vetted(input.record, input.patient, now) ? checkEntryFields(entry, now) : validateEntry(entry, { ...input, now })
  // The entry's own fields are checked above (a UUID, an address, an instant, the version): only
  // the record can need escaping, and its canonical text is at hand, so the entry's is put together
  // around it instead of walking the record again when it is sealed.
  const { v, id, writer, writtenAt, amends } = checked
  const amendsText = amends === undefined ? '' : `"amends":${JSON.stringify(amends)},`
  canonicalTexts.set(checked, `{${amendsText}"id":${JSON.stringify(id)},"record":${recordText},"v":${v},"writer":${JSON.stringify(writer)},"writtenAt":${JSON.stringify(writtenAt)}}`)
  return checked
}

/**
 * Checks a value as a history entry (its own fields, then its record) and returns it typed.
 *
 * @throws {HistoryError} `INVALID_ENTRY` for an unknown field, a wrong version, id, writer,
 *   time of writing or `amends`, and `UNKNOWN_RECORD_TYPE`, `MISSING_FIELD`, `INVALID_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT` for the record.
 */
export function validateEntry(value: unknown, options: EntryOptions = {}): HistoryEntry {
  const now = options.now ?? Date.now()
  const entry = checkEntryFields(value, now)
  const checked = validateRecord(entry.record, { now, ...(options.patient === undefined ? {} : { patient: patientId(options.patient) }) })
  return { ...entry, record: checked }
}

/** Checks an entry's own fields (not its record) and returns a copy of it typed. */
function checkEntryFields(value: unknown, now: number): HistoryEntry {
  if (!isPlainObject(value)) return invalid('entry', `must be an object; got ${describeValue(value)}`)
  for (const key of Object.keys(value)) if (!ENTRY_KEYS.has(key)) invalid(`entry.${key}`, 'is not a field of a history entry')
  const { v, id, writer, writtenAt, amends } = value
  if (v !== ENTRY_VERSION) invalid('entry.v', `must be ${ENTRY_VERSION}; got ${describeValue(v)} (written by a newer app?)`)
  if (typeof id !== 'string' || !UUID.test(id)) invalid('entry.id', `must be a lowercase UUID; got ${describeValue(id)}`)
  if (typeof writer !== 'string' || toAddress(writer) !== writer) invalid('entry.writer', `must be a lowercase wallet address; got ${describeValue(writer)}`)
  if (typeof writtenAt !== 'string' || !INSTANT_UTC.test(writtenAt) || Number.isNaN(Date.parse(writtenAt))) {
    invalid('entry.writtenAt', `must be a UTC instant like 2026-11-03T09:30:00.000Z; got ${describeValue(writtenAt)}`)
  }
  const at = Date.parse(writtenAt)
  if (at < EARLIEST_WRITE || at > now + CLOCK_TOLERANCE_MS) invalid('entry.writtenAt', `is not a plausible time of writing: ${writtenAt}`)
  if (amends !== undefined && (typeof amends !== 'string' || !UUID.test(amends))) invalid('entry.amends', `must be the UUID of the entry corrected; got ${describeValue(amends)}`)
  if (amends === id) invalid('entry.amends', 'points at the entry itself')
  return { ...(value as unknown as HistoryEntry) }
}

// One coder each for the module: entries are written and opened by the thousand. The decoder keeps a
// leading byte order mark as text, so bytes that start with one are not the entry's canonical form.
const utf8Encoder = new TextEncoder()
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * An entry's bytes: its canonical JSON in UTF-8, the only form a peer accepts.
 *
 * @throws {HistoryError} `INVALID_ENTRY` for a value JSON cannot carry.
 */
export function serializeEntry(entry: HistoryEntry): Uint8Array {
  return utf8Encoder.encode(canonicalTexts.get(entry) ?? canonicalJson(entry))
}

/**
 * Parses and validates an entry's bytes as they come from a peer (after decryption).
 *
 * @throws {HistoryError} `TOO_LARGE` above {@link MAX_ENTRY_BYTES}, `INVALID_ENTRY` for bytes
 *   that are not UTF-8 JSON or an invalid entry, `NOT_CANONICAL` when the bytes are not the
 *   entry's canonical JSON, and `UNKNOWN_RECORD_TYPE`, `MISSING_FIELD`, `INVALID_FIELD`, `UNKNOWN_FIELD` or `WRONG_PATIENT` for the record.
 */
export function parseEntry(bytes: Uint8Array, options: EntryOptions = {}): HistoryEntry {
  if (bytes.length > MAX_ENTRY_BYTES) throw new HistoryError('TOO_LARGE', `An entry is at most ${MAX_ENTRY_BYTES} bytes; this one has ${bytes.length}.`)
  let text: string
  let value: unknown
  try {
    text = strictUtf8Decoder.decode(bytes)
    value = JSON.parse(text)
  } catch (cause) {
    throw new HistoryError('INVALID_ENTRY', 'An entry is not UTF-8 JSON.', { cause })
  }
  const entry = validateEntry(value, options)
  if (canonicalJson(entry) !== text) throw new HistoryError('NOT_CANONICAL', 'An entry is not in canonical JSON form (sorted keys, no spaces): it was not written by this app.')
  return entry
}
