// The demo patient's records, made the user's own: the same synthetic history, its
// subject changed to the user, every record tagged as demo data so the views label it
// and the user can hide it. Only the latest version of each record is taken.
import { latestVersions, type HistoryRecord } from '../../history/index.ts'
import { DEMO_PATIENT, syntheticPatient } from '../../viz/index.ts'
import { DEMO_TAG } from './demoTag.ts'

export function demoRecordsFor(patient: string, records: number): HistoryRecord[] {
  const demo = syntheticPatient({ records })
  const subject = patient.toLowerCase()
  return latestVersions(demo.entries).map((entry) => {
    const record = JSON.parse(JSON.stringify(entry.record).replaceAll(DEMO_PATIENT.toLowerCase(), subject)) as HistoryRecord
    record.meta = { ...record.meta, tag: [...(record.meta?.tag ?? []), { ...DEMO_TAG }] }
    return record
  })
}
