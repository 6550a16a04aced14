// The encrypted backup as the pages use it: signals over src/session's backup flow, bound to the
// wallet's own history (opened with the wallet when a restore needs it), and the browser's side
// of it: the bytes handed to the browser as a download, a chosen File read as bytes.
import { createSignal, type Accessor } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { loadBackup, systemClock, type BackupFlow, type DownloadStep, type RestoreStep } from '../../session/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { offerDownload } from '../ui/offerDownload.ts'
import type { HistorySession } from './createHistorySession.ts'

export type { DownloadStep, RestoreStep }

export interface BackupControls {
  download: Accessor<DownloadStep>
  restore: Accessor<RestoreStep>
  /** Makes the backup of the open history and hands it to the browser as a file to save. */
  saveBackup(): Promise<void>
  /** Restores a file the patient chose. */
  restoreFrom(file: File): Promise<void>
}

/** The MIME type of a CAR file (IANA: application/vnd.ipld.car). */
const CAR_TYPE = 'application/vnd.ipld.car'

export function createBackupControls(app: Pick<AppStore, 'writes'>, session: Pick<HistorySession, 'own' | 'state' | 'unlock'>): BackupControls {
  const [download, setDownload] = createSignal<DownloadStep>({ step: 'idle' })
  const [restore, setRestore] = createSignal<RestoreStep>({ step: 'idle' })
  let flow: Promise<BackupFlow> | undefined
  // The flow (and the CAR code with it) loads when the patient first uses a backup, not with the page.
  const flowNow = (): Promise<BackupFlow> =>
    (flow ??= loadBackup().then(({ createBackupFlow }) => {
      const created = createBackupFlow({
        log: () => session.own()?.log,
        open: () => session.unlock(),
        whyNotOpen: () => {
          const state = session.state()
          return state.state === 'failed' ? state.error : state.state === 'locked' ? state.reason : undefined
        },
        clock: systemClock,
        writes: app.writes
      })
      created.download.subscribe((step) => setDownload(() => step))
      created.restore.subscribe((step) => setRestore(() => step))
      return created
    }))
  const loading = (error: unknown): void => {
    flow = undefined
    setDownload({ step: 'failed', error: `The backup could not load: ${errorMessage(error)}` })
  }

  return {
    download,
    restore,
    async saveBackup() {
      setDownload({ step: 'writing' })
      try {
        const made = await (await flowNow()).makeBackup()
        if (made !== undefined) offerDownload(made.name, made.bytes, CAR_TYPE)
      } catch (error) {
        loading(error)
      }
    },
    async restoreFrom(file) {
      setRestore({ step: 'reading' })
      try {
        await (await flowNow()).restoreFrom({ size: file.size, bytes: async () => new Uint8Array(await file.arrayBuffer()) })
      } catch (error) {
        flow = undefined
        setRestore({ step: 'failed', error: `The backup could not load: ${errorMessage(error)}` })
      }
    }
  }
}
