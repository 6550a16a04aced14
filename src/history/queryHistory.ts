// Queries over the latest versions: by category, record type, time range and body site.
import { latestVersions, type AmendmentOptions } from './amendments.ts'
import { bodySitesOf, type Laterality } from './bodySite.ts'
import { categoryOf, type Category } from './categories.ts'
import { CONDITION_VERIFICATION, ALLERGY_VERIFICATION } from './codeSystems.ts'
import { parseFhirDate } from './fhirPrimitives.ts'
import { HistoryError } from './HistoryError.ts'
import type { HistoryEntry } from './historyEntry.ts'
import { entryPeriod } from './recordPeriod.ts'
import type { HistoryRecord, RecordType } from './recordTypes.ts'

/** What {@link queryHistory} selects: every condition given must hold; records marked entered-in-error are left out unless asked for. */
export interface HistoryQuery {
  categories?: readonly Category[]
  types?: readonly RecordType[]
  /** Records whose time span overlaps [from, to]: ms since 1970 or a FHIR date/dateTime. */
  from?: number | string
  to?: number | string
  /**
   * SNOMED CT body structure code(s). With a laterality, a site on that side or on
   * both sides matches; without one, every side does.
   */
  bodySite?: { code: string | readonly string[]; laterality?: Laterality }
  /** Records marked entered-in-error are left out unless this is true. */
  includeEnteredInError?: boolean
}

function toTime(value: number | string, bound: 'from' | 'to'): number {
  if (typeof value === 'number') return value
  const span = parseFhirDate(value, value.includes('T') ? 'dateTime' : 'date')
  if (typeof span === 'string') throw new HistoryError('INVALID_FIELD', `query.${bound} ${span}.`, { field: `query.${bound}` })
  return bound === 'from' ? span.start : span.end - 1
}

/** Whether a record is marked entered-in-error, by its status or, for a Condition or AllergyIntolerance, its verification status. */
export function isEnteredInError(record: HistoryRecord): boolean {
  if ('status' in record && record.status === 'entered-in-error') return true
  if (record.resourceType === 'Condition' || record.resourceType === 'AllergyIntolerance') {
    const system = record.resourceType === 'Condition' ? CONDITION_VERIFICATION : ALLERGY_VERIFICATION
    return (record.verificationStatus?.coding ?? []).some((c) => c.system === system && c.code === 'entered-in-error')
  }
  return false
}

/**
 * The latest versions that match, in time order (then by when they were written).
 *
 * @throws {HistoryError} `INVALID_FIELD` when `from` or `to` is a string that is not a FHIR date or dateTime.
 */
export function queryHistory(entries: readonly HistoryEntry[], query: HistoryQuery = {}, options: AmendmentOptions = {}): HistoryEntry[] {
  const from = query.from === undefined ? -Infinity : toTime(query.from, 'from')
  const to = query.to === undefined ? Infinity : toTime(query.to, 'to')
  const codes = query.bodySite === undefined ? undefined : new Set(typeof query.bodySite.code === 'string' ? [query.bodySite.code] : query.bodySite.code)
  const side = query.bodySite?.laterality
  return latestVersions(entries, options)
    .filter((entry) => {
      const { record } = entry
      if (query.includeEnteredInError !== true && isEnteredInError(record)) return false
      if (query.categories !== undefined && !query.categories.includes(categoryOf(record))) return false
      if (query.types !== undefined && !query.types.includes(record.resourceType)) return false
      if (from !== -Infinity || to !== Infinity) {
        const span = entryPeriod(entry)
        if (span.end <= from || span.start > to) return false
      }
      if (codes !== undefined) {
        const sites = bodySitesOf(record).filter((site) => codes.has(site.code))
        if (!sites.some((site) => side === undefined || site.laterality === side || site.laterality === 'bilateral')) return false
      }
      return true
    })
    .map((entry) => ({ entry, span: entryPeriod(entry) }))
    .sort((a, b) => a.span.start - b.span.start || (a.entry.writtenAt < b.entry.writtenAt ? -1 : a.entry.writtenAt > b.entry.writtenAt ? 1 : 0))
    .map(({ entry }) => entry)
}
