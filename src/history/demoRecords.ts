// The demo patient's records, made the user's own: the same synthetic history, its
// subject changed to the user, every record tagged as demo data so the views label it
// and the user can hide it. Only the latest version of each record is taken.
import { latestVersions } from './amendments.ts'
import { DEMO_PATIENT, demoPatient } from './demoPatient.ts'
import { DEMO_TAG } from './demoTag.ts'
import type { HistoryRecord } from './recordTypes.ts'

/** The demo patient's records (the latest version of each, of a `records`-entry history) about `patient`, tagged as demo data. */
export function demoRecordsFor(patient: string, records: number): HistoryRecord[] {
  const demo = demoPatient({ records })
  return latestVersions(demo.entries).map((entry) => {
    const record = moveToPatient(entry.record, patient)
    record.meta = { ...record.meta, tag: [...(record.meta?.tag ?? []), { ...DEMO_TAG }] }
    return record
  })
}

/**
 * A copy of a demo record about `patient`: only references to the demo patient change
 * (subject, patient), never text that happens to contain the demo patient's address.
 */
export function moveToPatient(record: HistoryRecord, patient: string): HistoryRecord {
  const from = `Patient/${DEMO_PATIENT}`.toLowerCase()
  const to = `Patient/${patient.toLowerCase()}`
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy)
    if (typeof value !== 'object' || value === null) return value
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, key === 'reference' && typeof inner === 'string' && inner.toLowerCase() === from ? to : copy(inner)])
    )
  }
  return copy(record) as HistoryRecord
}
