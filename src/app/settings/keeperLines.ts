// The words Settings → Keepers says of each keeper: how it answered, what it holds of the history
// and of the attached files, and what it could not copy.
import { formatBytes, formatDayAndTime } from '../../format/index.ts'
import type { KeeperReport, KeeperView } from '../../session/index.ts'

type FileFailure = NonNullable<NonNullable<KeeperReport['files']>['failure']>

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** Why the keeper could not copy files from this device, in the patient's words. */
const FAILURE_WORDS: Record<FileFailure, string> = {
  'not-served': 'no device of yours that holds them answered it',
  interrupted: 'the copy from your device broke off before it was whole',
  'larger-than-stated': 'a file came larger than your device said it was, so the keeper did not keep it',
  'disk-full': 'the keeper\'s disk is full'
}

/** What the keeper holds and copies of the attached files, and which it could not copy; empty when it holds none and none failed. */
export function attachedFilesLine(files: KeeperReport['files']): string {
  if (files === undefined) return ''
  const copying = files.fetching > 0 ? ` It is copying ${count(files.fetching, 'attached file', 'attached files')} from your device now.` : ''
  if (files.failed === 0) return copying
  const why = files.failure === undefined ? '' : `: ${FAILURE_WORDS[files.failure]}`
  const next = files.fetching > 0 ? ' It is trying again now.' : ' It tries again at the next sync.'
  return ` ${count(files.failed, 'attached file', 'attached files')} could not be copied to this keeper${why}.${next}`
}

/** One keeper's line in the list: its state, what it holds, and what went wrong. */
export function keeperState(view: KeeperView): string {
  switch (view.state) {
    case 'checking':
      return 'Asking the keeper…'
    case 'unreachable':
      return `Not reachable now: ${view.problem ?? 'no answer'}. It catches up when it is back.`
    case 'refused':
      return `Refused: ${view.problem ?? ''}`
    case 'reachable': {
      const report = view.report
      if (report === undefined) return 'Reachable.'
      const files = report.files === undefined || report.files.held === 0 ? '' : ` and ${count(report.files.held, 'attached file', 'attached files')}`
      // The quota counts the files' bytes with the entries'.
      const bytes = report.held.bytes + (report.files?.bytes ?? 0)
      const held = `Holds ${count(report.held.entries, 'entry', 'entries')}${files} (${formatBytes(bytes)} of the ${formatBytes(report.quota)} it agreed to keep)`
      const synced = report.lastSyncedAt === undefined ? 'nothing synced yet' : `last synced ${formatDayAndTime(new Date(report.lastSyncedAt))}`
      const stopped =
        report.stopped === 'quota'
          ? ' It takes no more of your history: the quota it agreed to is reached. Remove it and enrol one with more room.'
          : report.stopped === 'disk-full'
            ? ' It takes no more of your history: its disk is full. Tell its operator, or enrol another keeper.'
            : ''
      return `Reachable. ${held}, ${synced}.${stopped}${attachedFilesLine(report.files)}`
    }
  }
}
