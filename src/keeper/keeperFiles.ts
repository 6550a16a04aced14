// The attached files a keeper holds for each patient, and its attempts to copy those a patient's
// device names: which of the named files it holds, which it is copying now (each file once, however
// often it is named meanwhile), and which failed at their last attempt and why, so the patient's
// status answer can say so. The failures live in memory: after a restart the keeper knows of none
// until it tries again.
import { FileRefusedError, P2PError, type FileIndex } from '../p2p/index.ts'
import { isDiskFull } from './diskFull.ts'
import { MAX_KEPT_FILES, type KeptFile } from './keeperStatement.ts'
import type { FileFailure, KeptFilesReport } from './keptFilesReport.ts'

/** A file that came larger than the statement naming it said: what came is not kept. */
class LargerThanStated extends Error {
  override name = 'LargerThanStated'
}

/** How one attempt went: files stored whole, files that failed, and the first failure as caught. */
export interface FetchOutcome {
  stored: number
  failed: number
  error?: unknown
}

/** How the named files split: held already, being copied by an earlier attempt, and to copy now. */
export interface NamedFiles {
  held: number
  underWay: number
  wanted: KeptFile[]
}

/** What a keeper's files are kept over: its file index, where each patient's files are recorded, and how to delete a file. */
export interface KeeperFilesOptions<P extends string> {
  index: Pick<FileIndex, 'filesOf' | 'holds' | 'remove'>
  /** The history log a patient's files are recorded under. */
  logOf: (patient: P) => string
  /** Deletes what is held of a file that was not stored whole. */
  discard: (cid: string) => Promise<unknown>
  /** Told as each file is copied: the patient's log is in use. */
  onProgress?: (patient: P) => void
}

/** The keeper's attached files, by patient. */
export interface KeeperFiles<P extends string> {
  /** Bytes of the files held for the patient and of those being copied: what counts against the quota. */
  bytes(patient: P): Promise<number>
  /** Splits the files a statement names; each file once. */
  sort(patient: P, named: readonly KeptFile[]): Promise<NamedFiles>
  /**
   * Copies `files` one after another with `read` (the file's bytes from the device that named them,
   * recorded as held once whole), and resolves when the attempt ends; it never rejects. A file that
   * comes larger than named, or fails, is deleted and remembered as failed until a later copy of it succeeds.
   */
  fetch(patient: P, files: readonly KeptFile[], read: (file: KeptFile) => AsyncIterable<Uint8Array>): Promise<FetchOutcome>
  /** What the patient's status answer says of the files. */
  report(patient: P): Promise<KeptFilesReport>
  /** Forgets the patient (removed): its files are the caller's to delete. */
  forget(patient: P): void
}

/** Why a copy failed, as the code the patient's app puts in its own words. */
function failureOf(error: unknown): FileFailure {
  if (error instanceof LargerThanStated) return 'larger-than-stated'
  if (isDiskFull(error)) return 'disk-full'
  // No connected device of the patient served it: gone before the copy began, or refusing it.
  if (error instanceof FileRefusedError || (error instanceof P2PError && error.code === 'ATTACHMENT_NOT_FOUND')) return 'not-served'
  return 'interrupted'
}

/** The attached files of a keeper's patients, over its file index. */
export function keeperFiles<P extends string>(options: KeeperFilesOptions<P>): KeeperFiles<P> {
  const { index, logOf } = options
  /** Bytes held, read from the index once per patient and kept up to date after. */
  const heldBytes = new Map<P, number>()
  /** Bytes reserved for files being copied, and those files' CIDs. */
  const reserved = new Map<P, number>()
  const copying = new Map<P, Set<string>>()
  /**
   * Files whose last copy failed, in the order they failed: at most MAX_KEPT_FILES a patient (the most
   * one statement names), the oldest forgotten first, so that statements naming file after file that
   * no device serves cannot grow the keeper's memory. A file forgotten is tried again when named again.
   */
  const failures = new Map<P, Map<string, FileFailure>>()

  const held = async (patient: P): Promise<number> => {
    let bytes = heldBytes.get(patient)
    if (bytes === undefined) {
      bytes = (await index.filesOf(logOf(patient))).reduce((sum, file) => sum + file.bytes, 0)
      heldBytes.set(patient, bytes)
    }
    return bytes
  }

  const copyOne = async (patient: P, file: KeptFile, read: (file: KeptFile) => AsyncIterable<Uint8Array>): Promise<void> => {
    let bytes = 0
    for await (const piece of read(file)) {
      bytes += piece.length
      if (bytes > file.bytes) throw new LargerThanStated(`the file is larger than the ${file.bytes} bytes its statement names`)
    }
    heldBytes.set(patient, (await held(patient)) + bytes)
  }

  return {
    bytes: async (patient) => (await held(patient)) + (reserved.get(patient) ?? 0),
    sort: async (patient, named) => {
      const log = logOf(patient)
      const under = copying.get(patient)
      const seen = new Set<string>()
      const split: NamedFiles = { held: 0, underWay: 0, wanted: [] }
      for (const file of named) {
        if (seen.has(file.cid)) continue
        seen.add(file.cid)
        if (under?.has(file.cid) === true) split.underWay += 1
        else if (await index.holds(log, file.cid)) {
          split.held += 1
          // Held after all (another attempt got it): not failed.
          failures.get(patient)?.delete(file.cid)
        } else split.wanted.push(file)
      }
      return split
    },
    fetch: async (patient, files, read) => {
      const log = logOf(patient)
      const total = files.reduce((sum, file) => sum + file.bytes, 0)
      reserved.set(patient, (reserved.get(patient) ?? 0) + total)
      const under = copying.get(patient) ?? new Set<string>()
      copying.set(patient, under)
      for (const file of files) under.add(file.cid)
      const outcome: FetchOutcome = { stored: 0, failed: 0 }
      for (const file of files) {
        options.onProgress?.(patient)
        try {
          await copyOne(patient, file, read)
          outcome.stored += 1
          failures.get(patient)?.delete(file.cid)
        } catch (caught) {
          outcome.failed += 1
          if (!('error' in outcome)) outcome.error = caught
          await index.remove(log, file.cid).catch(() => undefined)
          await options.discard(file.cid).catch(() => undefined)
          // Still copying means it was not forgotten meanwhile: a removed patient's failures are not kept.
          if (copying.get(patient) === under) {
            const failed = failures.get(patient) ?? new Map<string, FileFailure>()
            failed.delete(file.cid)
            failed.set(file.cid, failureOf(caught))
            if (failed.size > MAX_KEPT_FILES) failed.delete(failed.keys().next().value as string)
            failures.set(patient, failed)
          }
        }
        under.delete(file.cid)
      }
      if (copying.get(patient) === under) {
        reserved.set(patient, Math.max(0, (reserved.get(patient) ?? total) - total))
        if (under.size === 0) copying.delete(patient)
      }
      if (failures.get(patient)?.size === 0) failures.delete(patient)
      return outcome
    },
    report: async (patient) => {
      const files = await index.filesOf(logOf(patient))
      const failed = failures.get(patient)
      const first = failed?.values().next().value
      return {
        held: files.length,
        bytes: files.reduce((sum, file) => sum + file.bytes, 0),
        fetching: copying.get(patient)?.size ?? 0,
        failed: failed?.size ?? 0,
        ...(first === undefined ? {} : { failure: first })
      }
    },
    forget: (patient) => {
      heldBytes.delete(patient)
      reserved.delete(patient)
      copying.delete(patient)
      failures.delete(patient)
    }
  }
}
