// The tag that marks a record loaded from the demo patient: synthetic, not a medical fact.
import type { HistoryRecord } from './recordTypes.ts'

/** The meta.tag every record loaded from the demo patient carries, so the views label it and the user can hide it. */
export const DEMO_TAG = { system: 'https://anamnesis.health/tags', code: 'demo', display: 'Synthetic demo data, not a real record' } as const

/** Whether a record was loaded as demo data. */
export function isDemoRecord(record: HistoryRecord): boolean {
  return record.meta?.tag?.some((tag) => tag.system === DEMO_TAG.system && tag.code === DEMO_TAG.code) === true
}
