// The tag that marks a record loaded from the demo patient: synthetic, not a medical fact.
import type { HistoryRecord } from '../../history/index.ts'

export const DEMO_TAG = { system: 'https://anamnesis.health/tags', code: 'demo', display: 'Synthetic demo data, not a real record' } as const

/** Whether a record was loaded as demo data. */
export function isDemoRecord(record: HistoryRecord): boolean {
  return record.meta?.tag?.some((tag) => tag.system === DEMO_TAG.system && tag.code === DEMO_TAG.code) === true
}
