// FHIR R4 primitive types as the history checks them: the regular expressions of
// the specification, plus calendar and range checks the regexes cannot express.

const ID = /^[A-Za-z0-9\-.]{1,64}$/
const CODE = /^[^\s]+( [^\s]+)*$/
const URI = /^\S+$/
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
// Control characters other than tab, line feed and carriage return.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?$/i
const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}))?)?)?$/
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?$/

/** Earliest year a record may mention: family history reaches back to great-grandparents. */
export const EARLIEST_YEAR = 1800
/** How far in the future a past event may lie, for clocks and time zones that disagree. */
export const CLOCK_TOLERANCE_MS = 26 * 60 * 60 * 1000
/** The longest FHIR string the history accepts, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 1_000_000

/** Whether a string is a FHIR id: 1 to 64 letters, digits, "-" or ".". */
export const isFhirId = (value: string): boolean => ID.test(value)
/** Whether a string is a FHIR code: no leading, trailing or double spaces, no other whitespace. */
export const isFhirCode = (value: string): boolean => CODE.test(value)
/** Whether a string is a FHIR uri: any text without whitespace. */
export const isUri = (value: string): boolean => URI.test(value)
/** Whether a string is an absolute URI: a scheme, a colon, and no whitespace. */
export const isAbsoluteUri = (value: string): boolean => ABSOLUTE_URI.test(value)
/** Whether a string is padded base64. */
export const isBase64 = (value: string): boolean => BASE64.test(value)
/** Whether a string is a MIME type ("application/pdf"), parameters allowed. */
export const isMimeType = (value: string): boolean => MIME.test(value)
/** Whether a string is a FHIR time of day, hh:mm:ss with optional fractions. */
export const isFhirTime = (value: string): boolean => TIME.test(value)

/** Why a string is not a FHIR string (blank, too long, or with control characters), or undefined when it is one. */
export function stringProblem(value: string): string | undefined {
  if (value.trim().length === 0) return 'must not be empty or only spaces'
  if (value.length > MAX_STRING_LENGTH) return `is longer than ${MAX_STRING_LENGTH} characters`
  if (CONTROL.test(value)) return 'contains control characters'
  return undefined
}

/** How precise a FHIR date is: to the year, month, day, or a time of day. */
export type DatePrecision = 'year' | 'month' | 'day' | 'time'

/** A FHIR date, dateTime or instant as the span of time it denotes: [start, end) in ms since 1970. */
export interface DateSpan {
  start: number
  end: number
  precision: DatePrecision
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * Parses a FHIR date/dateTime/instant. Partial dates (`2019`, `2019-04`) span their
 * whole year or month; dates without a time are read as UTC days.
 *
 * @returns The span it denotes, or why the value is not a `kind` (a string), e.g. an impossible
 *   calendar date, a year before {@link EARLIEST_YEAR} or an impossible time zone offset.
 */
export function parseFhirDate(value: string, kind: 'date' | 'dateTime' | 'instant'): DateSpan | string {
  const shape =
    kind === 'date' ? 'a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)'
    : kind === 'instant' ? 'a FHIR instant (YYYY-MM-DDThh:mm:ss with Z or an offset)'
    : 'a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with Z or an offset)'
  const m = DATE_TIME.exec(value)
  if (m === null) return `must be ${shape}; got "${value}"`
  const [, y, mo, d, h, mi, s, fraction, zone] = m
  if (kind === 'date' && h !== undefined) return `must be ${shape}, without a time; got "${value}"`
  if (kind === 'instant' && h === undefined) return `must be ${shape}; got "${value}"`
  const year = Number(y)
  const month = mo === undefined ? undefined : Number(mo)
  const day = d === undefined ? undefined : Number(d)
  if (month !== undefined && (month < 1 || month > 12)) return `has no month ${month}: "${value}"`
  if (month !== undefined && day !== undefined && (day < 1 || day > daysInMonth(year, month))) return `is not a calendar date: "${value}"`
  if (year < EARLIEST_YEAR) return `is before ${EARLIEST_YEAR}: "${value}"`
  if (month === undefined) return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1), precision: 'year' }
  if (day === undefined) return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1), precision: 'month' }
  if (h === undefined || mi === undefined || s === undefined || zone === undefined) {
    return { start: Date.UTC(year, month - 1, day), end: Date.UTC(year, month - 1, day + 1), precision: 'day' }
  }
  const hour = Number(h)
  const minute = Number(mi)
  const second = Math.min(Number(s), 59)
  if (hour > 23 || minute > 59 || Number(s) > 60) return `is not a time of day: "${value}"`
  let offset = 0
  if (zone !== 'Z') {
    const zh = Number(zone.slice(1, 3))
    const zm = Number(zone.slice(4, 6))
    if (zh > 14 || zm > 59 || (zh === 14 && zm > 0)) return `has an impossible time zone offset: "${value}"`
    offset = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm) * 60_000
  }
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000)
  const start = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset
  return { start, end: start + 1, precision: 'time' }
}
