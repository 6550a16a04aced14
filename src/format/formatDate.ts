// Dates and times as the app shows them. Every page, sentence and screen-reader label
// that shows a date formats it here, so one change of wording reaches all of them.

const DAY = 86_400_000
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * One formatter per time zone ('' for the device's own), made once: making an Intl.DateTimeFormat
 * costs far more than formatting with it, and a history of 1,000 records formats thousands of dates
 * each time its views are drawn.
 */
const formats = new Map<string, Intl.DateTimeFormat>()

function parts(date: Date | number, timeZone: string | undefined): Record<string, string> {
  let format = formats.get(timeZone ?? '')
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formats.set(timeZone ?? '', format)
  }
  return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]))
}

/**
 * "3 Dec 2026": day, short month name and year, the same in every locale the app runs in.
 * For moments on the chain (grant expiries, audit entries), in `timeZone` or the device's own.
 */
export function formatDay(date: Date | number, timeZone?: string): string {
  const { day = '', month = '1', year = '' } = parts(date, timeZone)
  return `${Number(day)} ${months[Number(month) - 1] ?? month} ${year}`
}

/** "3 Dec 2026, 14:05". */
export function formatDayAndTime(date: Date | number, timeZone?: string): string {
  const { hour = '', minute = '' } = parts(date, timeZone)
  return `${formatDay(date, timeZone)}, ${hour}:${minute}`
}

/**
 * "1 Sep 2021": the day of a record's date, `time` in ms since 1970. A record's dates are
 * calendar days (a FHIR date without a time is read as a UTC day), so they are read in UTC
 * whatever the device's zone, and written as {@link formatDay} writes every day.
 */
export function formatRecordDay(time: number): string {
  return formatDay(time, 'UTC')
}

/**
 * A record's period: "since 3 Mar 2021" while it goes on, "3 Mar 2021 to 9 Apr 2021" when it
 * lasted more than two days (up to `now` at the latest), else its one day.
 */
export function formatRecordPeriod(start: number, end: number, now: number): string {
  if (end === Infinity) return `since ${formatRecordDay(start)}`
  if (end - start > 2 * DAY) return `${formatRecordDay(start)} to ${formatRecordDay(Math.min(end, now))}`
  return formatRecordDay(start)
}
