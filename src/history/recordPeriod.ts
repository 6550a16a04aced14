// When a record happened, as a span of time the timeline and the time-range query
// share: [start, end) in ms since 1970, end = Infinity while it is still going on.
import { parseFhirDate, type DateSpan } from './fhirPrimitives.ts'
import type { HistoryEntry } from './historyEntry.ts'
import type { HistoryRecord } from './recordTypes.ts'

/** A span of time [start, end) in ms since 1970; end is Infinity while it is still going on. */
export interface TimeSpan {
  start: number
  end: number
}

type Dated = { dateTime?: string | undefined; period?: { start?: string; end?: string } | undefined; instant?: string | undefined }

function span(value: string | undefined): DateSpan | undefined {
  if (value === undefined) return undefined
  const parsed = parseFhirDate(value, value.includes('T') ? 'dateTime' : 'date')
  return typeof parsed === 'string' ? undefined : parsed
}

function spanOf(dated: Dated): TimeSpan | undefined {
  const point = span(dated.dateTime) ?? span(dated.instant)
  if (point !== undefined) return { start: point.start, end: point.end }
  const start = span(dated.period?.start)
  const end = span(dated.period?.end)
  if (start === undefined && end === undefined) return undefined
  return { start: start?.start ?? end?.start ?? 0, end: end?.end ?? Infinity }
}

const ongoing = (s: TimeSpan | undefined, isOngoing: boolean): TimeSpan | undefined => (s === undefined ? undefined : isOngoing ? { start: s.start, end: Infinity } : s)

const statusCode = (concept: { coding?: { code?: string }[] } | undefined): string[] => (concept?.coding ?? []).map((c) => c.code ?? '')

/** When a record happened, from its own dates (ongoing while its status says so), or undefined when it has none. */
export function recordPeriod(record: HistoryRecord): TimeSpan | undefined {
  switch (record.resourceType) {
    case 'Condition': {
      const onset = spanOf({ dateTime: record.onsetDateTime, period: record.onsetPeriod }) ?? spanOf({ dateTime: record.recordedDate })
      const abatement = spanOf({ dateTime: record.abatementDateTime, period: record.abatementPeriod })
      if (onset === undefined) return abatement
      if (abatement !== undefined) return { start: onset.start, end: Math.max(onset.start + 1, abatement.end === Infinity ? abatement.start : abatement.end) }
      const active = statusCode(record.clinicalStatus).some((c) => ['active', 'recurrence', 'relapse'].includes(c))
      return ongoing(onset, active && record.onsetPeriod?.end === undefined)
    }
    case 'AllergyIntolerance': {
      const onset = spanOf({ dateTime: record.onsetDateTime, period: record.onsetPeriod }) ?? spanOf({ dateTime: record.recordedDate })
      return ongoing(onset, statusCode(record.clinicalStatus).includes('active'))
    }
    case 'MedicationStatement': {
      const effective = spanOf({ dateTime: record.effectiveDateTime, period: record.effectivePeriod }) ?? spanOf({ dateTime: record.dateAsserted })
      if (record.effectivePeriod !== undefined) return effective
      return ongoing(effective, record.status === 'active')
    }
    case 'MedicationRequest': {
      const authored = spanOf({ dateTime: record.authoredOn })
      const validity = spanOf({ period: record.dispenseRequest?.validityPeriod })
      if (validity !== undefined) return { start: authored?.start ?? validity.start, end: validity.end }
      return ongoing(authored, record.status === 'active')
    }
    case 'Observation':
      return spanOf({ dateTime: record.effectiveDateTime, period: record.effectivePeriod, instant: record.effectiveInstant ?? record.issued })
    case 'DiagnosticReport':
      return spanOf({ dateTime: record.effectiveDateTime, period: record.effectivePeriod, instant: record.issued })
    case 'Procedure':
      return spanOf({ dateTime: record.performedDateTime, period: record.performedPeriod })
    case 'Immunization':
      return spanOf({ dateTime: record.occurrenceDateTime, instant: record.recorded })
    case 'FamilyMemberHistory':
      return spanOf({ dateTime: record.date })
    case 'Encounter': {
      const period = spanOf({ period: record.period })
      return period === undefined || period.end !== Infinity ? period : ongoing(period, record.status === 'in-progress' || record.status === 'onleave')
    }
    case 'ServiceRequest':
      return spanOf({ dateTime: record.authoredOn }) ?? spanOf({ dateTime: record.occurrenceDateTime, period: record.occurrencePeriod })
    case 'ClinicalImpression':
      return spanOf({ dateTime: record.effectiveDateTime, period: record.effectivePeriod }) ?? spanOf({ dateTime: record.date })
    case 'Basic':
      return spanOf({ dateTime: record.created })
    case 'DocumentReference':
      return spanOf({ period: record.context?.period, instant: record.date })
    case 'Media':
      return spanOf({ dateTime: record.createdDateTime, period: record.createdPeriod, instant: record.issued })
  }
}

/** The span of an entry's record, or the moment it was written when the record has no dates. */
export function entryPeriod(entry: HistoryEntry): TimeSpan {
  const written = Date.parse(entry.writtenAt)
  return recordPeriod(entry.record) ?? { start: written, end: written + 1 }
}
