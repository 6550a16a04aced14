// What a recipient's screen shows of a shared link's files: an International Patient Summary as its
// sections (the emergency reader's words), any other Bundle as its records by category, each
// checked as the history checks a record before a word of it is shown. Nothing is shown as markup.
import { readSummary, type ReadSummary } from '../../emergency/index.ts'
import { CATEGORIES, categoryOf, recordPeriod, validateRecord, type Category } from '../../history/index.ts'
import { formatRecordDay } from '../../format/index.ts'
import { recordLabel, recordTypeName } from '../../viz/index.ts'

/** One record as the recipient reads it. */
export interface SharedRow {
  label: string
  kind: string
  when: string
}

/** The shared records, read: a summary's sections, records by category, and how many entries were left out. */
export interface SharedRecords {
  summary?: ReadSummary
  groups: { category: Category; rows: SharedRow[] }[]
  /** Entries that are no record this app shows (the Patient, Provenance, unknown or invalid resources). */
  left: number
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Reads the FHIR resources a link held. */
export function readSharedRecords(resources: readonly unknown[]): SharedRecords {
  const rows = new Map<Category, { row: SharedRow; start: number }[]>()
  let left = 0
  let summary: ReadSummary | undefined
  for (const resource of resources) {
    if (!isObject(resource)) continue
    if (summary === undefined && resource.resourceType === 'Bundle' && resource.type === 'document') {
      try {
        summary = readSummary(new TextEncoder().encode(JSON.stringify(resource)))
        continue
      } catch {
        // Not an IPS: its entries are read as records below.
      }
    }
    const entries = resource.resourceType === 'Bundle' && Array.isArray(resource.entry) ? resource.entry.map((entry) => (isObject(entry) ? entry.resource : undefined)) : [resource]
    for (const value of entries) {
      if (isObject(value) && (value.resourceType === 'Patient' || value.resourceType === 'Provenance')) continue
      try {
        const record = validateRecord(value)
        const span = recordPeriod(record)
        const category = categoryOf(record)
        const list = rows.get(category) ?? []
        list.push({ row: { label: recordLabel(record), kind: recordTypeName(record), when: span === undefined ? '' : formatRecordDay(span.start) }, start: span?.start ?? 0 })
        rows.set(category, list)
      } catch {
        left += 1
      }
    }
  }
  const groups = CATEGORIES.filter((category) => rows.has(category)).map((category) => ({
    category,
    rows: (rows.get(category) ?? []).sort((a, b) => b.start - a.start).map(({ row }) => row)
  }))
  return { ...(summary === undefined ? {} : { summary }), groups, left }
}
