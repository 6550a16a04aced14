// Settings: the encrypted backup of the patient's own history, to download and to restore; the
// restore control also stands on an empty "My history", where a new device starts.
import { Show, type JSX } from 'solid-js'
import { formatBytes } from '../../format/index.ts'
import { createBackupControls, type BackupControls, type RestoreStep } from '../session/createBackupControls.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'

/** What the restore is doing or did, in words; nothing while idle or failed. */
function restoreWords(step: RestoreStep): string {
  switch (step.step) {
    case 'reading':
      return 'Reading the backup file…'
    case 'opening':
      return 'Opening your history on this device: your wallet may ask you to sign…'
    case 'checking':
      return 'Checking every block of the backup and importing it…'
    case 'done':
      return step.added === 0
        ? `Nothing new: your history already holds all ${step.held.toLocaleString('en')} blocks of this backup.`
        : `Restored ${step.added.toLocaleString('en')} blocks from the backup${step.held > 0 ? ` (${step.held.toLocaleString('en')} were here already)` : ''}. Your history shows them now.`
    default:
      return ''
  }
}

/** A labelled file input that restores the chosen backup; `id` keeps two on one page apart. */
export function RestoreBackup(props: { controls: BackupControls; id: string }): JSX.Element {
  const busy = (): boolean => ['reading', 'opening', 'checking'].includes(props.controls.restore().step)
  const choose = (input: HTMLInputElement): void => {
    const file = input.files?.[0]
    // Cleared, so choosing the same file again restores it again.
    input.value = ''
    if (file !== undefined) void props.controls.restoreFrom(file)
  }
  return (
    <div class="restore-backup">
      <label for={props.id}>Restore from a backup</label>{' '}
      <input id={props.id} type="file" accept=".car,application/vnd.ipld.car" disabled={busy()} onChange={(event) => choose(event.currentTarget)} />
      <p role="status" aria-live="polite">
        {restoreWords(props.controls.restore())}
      </p>
      <ErrorBanner
        message={(() => {
          const step = props.controls.restore()
          return step.step === 'failed' ? step.error : undefined
        })()}
        prefix="The backup was not restored: "
      />
    </div>
  )
}

export function BackupSection(): JSX.Element {
  const history = useHistorySession()
  const controls = createBackupControls(useApp(), history)
  const downloadWords = (): string => {
    const step = controls.download()
    if (step.step === 'writing') return 'Writing the backup…'
    if (step.step === 'done') return `Saved ${step.name}: ${step.entries.toLocaleString('en')} blocks, ${formatBytes(step.bytes)}.`
    return ''
  }

  return (
    <section aria-labelledby="backup-heading">
      <h2 id="backup-heading">Encrypted backup</h2>
      <p class="hint">
        A backup file holds every block of your history as this device keeps it: encrypted records, and the keys to read them only wrapped for your wallet's key. Keep it
        anywhere (a USB stick, a cloud drive): only your wallet, and those you gave a key, can read what it holds. On a new device, connect the same wallet and restore it; a backup restored twice, or
        older than what the device holds, adds nothing and removes nothing.
      </p>
      <p>
        <button type="button" disabled={history.own() === undefined || controls.download().step === 'writing'} onClick={() => void controls.saveBackup()}>
          Download an encrypted backup
        </button>
      </p>
      <Show when={history.own() === undefined}>
        <p class="hint">Open your history on this device first (My history) to back it up. Restoring a backup opens it for you.</p>
      </Show>
      <p role="status" aria-live="polite">
        {downloadWords()}
      </p>
      <ErrorBanner
        message={(() => {
          const step = controls.download()
          return step.step === 'failed' ? step.error : undefined
        })()}
        prefix="No backup was made: "
      />
      <Show when={history.state().state !== 'no-wallet'} fallback={<p class="hint">Connect a wallet to restore a backup: it is the key to your history.</p>}>
        <RestoreBackup controls={controls} id="restore-backup-settings" />
      </Show>
    </section>
  )
}
