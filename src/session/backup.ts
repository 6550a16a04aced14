// The patient's encrypted backup: "Download an encrypted backup" writes every block of the
// history as one file (src/p2p backupFile.ts), ciphertext only; "Restore from a backup" reads
// one, on this device or a fresh one, opening the history with the wallet first if need be, and
// imports it through the checks a sync uses, all or nothing. The page binds the cells and hands
// the bytes to the browser; everything else is here.
import { encodeBackupFile, readBackupFile, type ImportResult, type PatientLog } from '../p2p/index.ts'
import { errorMessage } from '../errors/index.ts'
import { formatBytes } from '../format/index.ts'
import { createCell, type Cell } from './cell.ts'
import { SessionError } from './SessionError.ts'
import type { Clock } from './sessionPorts.ts'
import type { WriteGate } from './writeGate.ts'

/**
 * The largest file a restore reads: the whole file is held in memory while it is checked. A
 * history of 10,000 records with attachments kept apart is a few tens of MB.
 */
export const MAX_BACKUP_BYTES = 500_000_000

/** What a backup needs of the open history's log. */
export type BackupLog = Pick<PatientLog, 'address' | 'patient' | 'exportBlocks' | 'importBlocks'>

/** A backup ready to save: its file name and bytes. */
export interface BackupFile {
  name: string
  bytes: Uint8Array
}

/** A file the patient chose to restore: its size, known before it is read, and its bytes. */
export interface ChosenFile {
  size: number
  bytes(): Promise<Uint8Array>
}

export type DownloadStep = { step: 'idle' } | { step: 'writing' } | { step: 'done'; name: string; entries: number; bytes: number } | { step: 'failed'; error: string }

export type RestoreStep =
  | { step: 'idle' }
  | { step: 'reading' }
  | { step: 'opening' }
  | { step: 'checking' }
  | ({ step: 'done' } & ImportResult)
  | { step: 'failed'; error: string }

/** The file name of a backup made at `now`: it says what it is and its day (UTC), e.g. anamnesis-backup-2026-12-05.car. */
export function backupFileName(now: number): string {
  return `anamnesis-backup-${new Date(now).toISOString().slice(0, 10)}.car`
}

/**
 * The backup of `log` made at `now`: every block of the history as one CAR file.
 * @throws {SessionError} `BACKUP_EMPTY` when the history holds nothing yet; the stores' errors.
 */
export async function makeBackup(log: BackupLog, now: number): Promise<BackupFile & { entries: number }> {
  const blocks = await log.exportBlocks()
  if (blocks.entries.length === 0) throw new SessionError('BACKUP_EMPTY', 'Your history is empty on this device: there is nothing to back up yet.')
  return { name: backupFileName(now), bytes: await encodeBackupFile(blocks), entries: blocks.entries.length }
}

/**
 * Restores a backup file into `log`: checks the file (every block against its CID, the history
 * the patient's: readBackupFile) and imports its entries through the log's admission, all or nothing.
 * @throws {P2PError} `BACKUP_INVALID` for a damaged file, or another wallet's history; `ENTRIES_REFUSED`
 *   for entries that fail the checks; in either case nothing was imported.
 */
export async function restoreInto(log: BackupLog, file: Uint8Array): Promise<ImportResult> {
  const blocks = await readBackupFile(file, { address: log.address, patient: log.patient })
  return await log.importBlocks(blocks)
}

/** Download and restore as the Settings page and the empty history use them. */
export interface BackupFlow {
  download: Cell<DownloadStep>
  restore: Cell<RestoreStep>
  /** Makes the backup of the open history; undefined when it failed (the reason is in `download`). */
  makeBackup(): Promise<BackupFile | undefined>
  /** Restores the chosen file, opening the history with the wallet first when it is not open here; the outcome is in `restore`. */
  restoreFrom(file: ChosenFile): Promise<void>
}

export interface BackupFlowOptions {
  /** The own history's log, when it is open on this device. */
  log(): BackupLog | undefined
  /** Opens the own history (the wallet signs when this device lacks its keys); resolves when it settled, open or not. */
  open(): Promise<void>
  /** Why the history did not open, when it did not, for the refusal's message. */
  whyNotOpen(): string | undefined
  clock: Clock
  /** Where a restore counts as a write under way. */
  writes?: WriteGate
}

/** The backup flow of the own history. */
export function createBackupFlow(options: BackupFlowOptions): BackupFlow {
  const download = createCell<DownloadStep>({ step: 'idle' })
  const restore = createCell<RestoreStep>({ step: 'idle' })
  const write = <T>(work: () => Promise<T>): Promise<T> => (options.writes === undefined ? work() : options.writes.track(work))

  return {
    download,
    restore,
    async makeBackup() {
      const log = options.log()
      if (log === undefined) {
        download.set({ step: 'failed', error: 'Open your history on this device first (My history): the backup is made from it.' })
        return undefined
      }
      download.set({ step: 'writing' })
      try {
        const { name, bytes, entries } = await makeBackup(log, options.clock.now())
        download.set({ step: 'done', name, entries, bytes: bytes.length })
        return { name, bytes }
      } catch (error) {
        download.set({ step: 'failed', error: errorMessage(error) })
        return undefined
      }
    },
    restoreFrom: (file) =>
      write(async () => {
        try {
          if (file.size > MAX_BACKUP_BYTES) {
            throw new SessionError('BACKUP_TOO_LARGE', `This file is ${formatBytes(file.size)}, larger than any backup this device can restore (${formatBytes(MAX_BACKUP_BYTES)}). Nothing was imported.`)
          }
          restore.set({ step: 'reading' })
          const bytes = await file.bytes()
          let log = options.log()
          if (log === undefined) {
            restore.set({ step: 'opening' })
            await options.open()
            log = options.log()
          }
          if (log === undefined) {
            const why = options.whyNotOpen()
            throw new SessionError('HISTORY_NOT_OPEN', `Your history did not open on this device${why === undefined ? '' : `: ${why}`}. Open it (My history), then restore the backup. Nothing was imported.`)
          }
          restore.set({ step: 'checking' })
          restore.set({ step: 'done', ...(await restoreInto(log, bytes)) })
        } catch (error) {
          restore.set({ step: 'failed', error: errorMessage(error) })
        }
      })
  }
}
