// What a keeper says of a patient's attached files in its status answer, and the patient's reading
// of it. The reason a fetch failed travels as a fixed code (never the keeper's own words), so the
// app says it in its own words and a keeper cannot put text of its choosing on the patient's screen.
//
//   files: { held, bytes, fetching, failed, failure? }   whole numbers; `failure` iff `failed` > 0

/**
 * Why the keeper could not copy a file from the patient's device: the device did not serve it (gone,
 * or it no longer holds it), the copy broke off before it was whole, the file came larger than the
 * statement named, or the keeper's disk is full.
 */
export const FILE_FAILURES = ['not-served', 'interrupted', 'larger-than-stated', 'disk-full'] as const
/** One of the file failure codes. */
export type FileFailure = (typeof FILE_FAILURES)[number]

/** The attached files a keeper holds for the patient's history, and how its last attempts to copy the others went. */
export interface KeptFilesReport {
  /** Files it holds whole, and their sealed bytes. */
  held: number
  bytes: number
  /** Files it is copying from a device of the patient now. */
  fetching: number
  /** Files named whose last copy failed (and that it does not hold): it tries again when they are named again. */
  failed: number
  /** Why the first of those failed. */
  failure?: FileFailure
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/**
 * Reads a status answer's `files`: undefined when the keeper sent none (one that predates attached
 * files), `'malformed'` when it is not exactly the shape above.
 */
export function readKeptFilesReport(value: unknown): KeptFilesReport | undefined | 'malformed' {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return 'malformed'
  const { held, bytes, fetching, failed, failure, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0 || !isCount(held) || !isCount(bytes) || !isCount(fetching) || !isCount(failed)) return 'malformed'
  if (failed === 0) return failure === undefined ? { held, bytes, fetching, failed } : 'malformed'
  if (typeof failure !== 'string' || !(FILE_FAILURES as readonly string[]).includes(failure)) return 'malformed'
  return { held, bytes, fetching, failed, failure: failure as FileFailure }
}
