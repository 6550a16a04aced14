// Reading a file a patient brings (a FHIR R4 Bundle of any type, NDJSON, or one resource) into
// the resources it holds, each with where it sits in the file, and what could not be read, by
// entry or line. The file is untrusted: it is refused whole, before parsing, above the size limit,
// and every failure is a HistoryError with a message the patient can act on.
import { HistoryError } from './HistoryError.ts'
import { isPlainObject } from './fhirDatatypes.ts'

/** The largest file the import reads: 50 MB, refused before it is parsed. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024
/** The most resources one file may hold. */
export const MAX_IMPORT_RESOURCES = 100_000
/** The deepest nesting of objects and lists a resource may have; FHIR resources stay far below it. */
export const MAX_RESOURCE_DEPTH = 32

/** One resource read from the file, with where it sits ("entry 3", "line 12") and its fullUrl in a Bundle. */
export interface FileResource {
  resource: Record<string, unknown>
  where: string
  fullUrl?: string
}

/** A part of the file that could not be read, by entry or line, and why. */
export interface UnreadablePart {
  where: string
  problem: string
}

/** What a file holds: its form, the resources read and the parts that could not be. */
export interface ImportFile {
  /** The file's name as the patient chose it. */
  name: string
  format: 'bundle' | 'ndjson' | 'resource'
  /** The Bundle's type (transaction, collection, searchset, document, …). */
  bundleType?: string
  /** The system the file says it comes from (the Bundle's meta.source), when it says. */
  source?: string
  resources: FileResource[]
  unreadable: UnreadablePart[]
}

const unreadableFile = (message: string, cause?: unknown): HistoryError =>
  new HistoryError('UNREADABLE_FILE', message, cause === undefined ? {} : { cause })

/** Whether `value` nests objects and lists deeper than `limit` (walked without recursion, so a hostile file cannot exhaust the stack). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue
    if (next.depth >= limit) return true
    for (const inner of Object.values(next.value)) if (typeof inner === 'object' && inner !== null) stack.push({ value: inner, depth: next.depth + 1 })
  }
  return false
}

/** Why a parsed value is not a FHIR resource this reader can take, or undefined when it is one. */
function resourceProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'is not a JSON object'
  if (typeof value.resourceType !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(value.resourceType)) return 'has no resourceType: it is not a FHIR resource'
  if (nestsDeeperThan(value, MAX_RESOURCE_DEPTH)) return `nests deeper than ${MAX_RESOURCE_DEPTH} levels`
  return undefined
}

function readBundle(bundle: Record<string, unknown>, name: string): ImportFile {
  const entries = bundle.entry
  if (entries !== undefined && !Array.isArray(entries)) throw unreadableFile(`${name} is a FHIR Bundle whose entry is not a list: it cannot be read.`)
  const list: unknown[] = entries ?? []
  if (list.length > MAX_IMPORT_RESOURCES) throw unreadableFile(`${name} holds ${list.length.toLocaleString('en')} entries; the import takes at most ${MAX_IMPORT_RESOURCES.toLocaleString('en')} per file.`)
  const meta = isPlainObject(bundle.meta) ? bundle.meta : {}
  const file: ImportFile = {
    name,
    format: 'bundle',
    ...(typeof bundle.type === 'string' ? { bundleType: bundle.type } : {}),
    ...(typeof meta.source === 'string' ? { source: meta.source } : {}),
    resources: [],
    unreadable: []
  }
  list.forEach((entry, i) => {
    const where = `entry ${i + 1}`
    if (!isPlainObject(entry)) return file.unreadable.push({ where, problem: 'is not a JSON object' })
    // A transaction's DELETE, or a search's count-only entry, carries no resource.
    if (entry.resource === undefined) return file.unreadable.push({ where, problem: 'holds no resource' })
    const problem = resourceProblem(entry.resource)
    if (problem !== undefined) return file.unreadable.push({ where, problem: `its resource ${problem}` })
    file.resources.push({ resource: entry.resource as Record<string, unknown>, where, ...(typeof entry.fullUrl === 'string' ? { fullUrl: entry.fullUrl } : {}) })
  })
  return file
}

function readNdjson(text: string, name: string): ImportFile {
  const file: ImportFile = { name, format: 'ndjson', resources: [], unreadable: [] }
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    const where = `line ${i + 1}`
    if (file.resources.length + file.unreadable.length >= MAX_IMPORT_RESOURCES) {
      throw unreadableFile(`${name} holds more than ${MAX_IMPORT_RESOURCES.toLocaleString('en')} lines; the import takes at most that many resources per file.`)
    }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return file.unreadable.push({ where, problem: 'is not JSON' })
    }
    const problem = resourceProblem(value)
    if (problem !== undefined) return file.unreadable.push({ where, problem })
    file.resources.push({ resource: value as Record<string, unknown>, where })
  })
  if (file.resources.length === 0) throw unreadableFile(`${name} is not FHIR: no line of it is a FHIR resource in JSON.`)
  return file
}

/**
 * Reads a file to import: a FHIR R4 JSON Bundle (any type), NDJSON (one resource per line) or a
 * single resource. Parts that cannot be read are listed, not thrown.
 *
 * @param name - The file's name, for messages and for where the records came from.
 * @throws {HistoryError} `TOO_LARGE` above {@link MAX_IMPORT_BYTES} (checked before parsing) or
 *   with more than {@link MAX_IMPORT_RESOURCES} resources, and `UNREADABLE_FILE` for a file that is
 *   not UTF-8 text, not JSON or NDJSON, or not FHIR.
 */
export function readImportFile(bytes: Uint8Array, name: string): ImportFile {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new HistoryError('TOO_LARGE', `${name} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; the import reads files of at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch (cause) {
    throw unreadableFile(`${name} is not a text file (not UTF-8): a FHIR file is JSON text.`, cause)
  }
  const trimmed = text.trim()
  if (trimmed === '') throw unreadableFile(`${name} is empty.`)
  let value: unknown
  try {
    value = JSON.parse(trimmed)
  } catch (cause) {
    // One JSON value per line is NDJSON; a single broken line is simply not JSON.
    if (trimmed.startsWith('{') && trimmed.includes('\n')) return readNdjson(text, name)
    throw unreadableFile(`${name} is not JSON: a FHIR file is JSON (a Bundle or a resource) or NDJSON (one resource per line).`, cause)
  }
  if (!isPlainObject(value) || typeof value.resourceType !== 'string') {
    throw unreadableFile(`${name} is JSON but not FHIR: it has no resourceType, so it is neither a Bundle nor a resource.`)
  }
  if (value.resourceType === 'Bundle') return readBundle(value, name)
  const problem = resourceProblem(value)
  if (problem !== undefined) throw unreadableFile(`${name} is not a FHIR resource this app can read: it ${problem}.`)
  return { name, format: 'resource', resources: [{ resource: value, where: 'the resource' }], unreadable: [] }
}
