import { describe, expect, it } from 'vitest'
import { formatDay, formatDayAndTime, formatRecordDay, formatRecordPeriod } from './formatDate.ts'

const DAY = 86_400_000

describe('formatDay and formatDayAndTime', () => {
  it('formats days the same way in every time zone it is given', () => {
    const instant = new Date(Date.UTC(2026, 8, 30, 23, 30))
    expect(formatDay(instant, 'UTC')).toBe('30 Sep 2026')
    expect(formatDay(instant, 'Asia/Tokyo')).toBe('1 Oct 2026')
    expect(formatDayAndTime(instant, 'America/New_York')).toBe('30 Sep 2026, 19:30')
  })

  it('takes a time in ms as well as a Date', () => {
    expect(formatDay(Date.UTC(2026, 11, 3, 14, 5), 'UTC')).toBe('3 Dec 2026')
    expect(formatDayAndTime(Date.UTC(2026, 11, 3, 14, 5), 'UTC')).toBe('3 Dec 2026, 14:05')
  })
})

describe('formatRecordDay and formatRecordPeriod', () => {
  const start = Date.UTC(2021, 2, 3)

  it('reads a record day in UTC, in en-GB words', () => {
    expect(formatRecordDay(Date.UTC(2024, 4, 1))).toBe('1 May 2024')
    expect(formatRecordDay(Date.UTC(2024, 4, 1, 23, 59))).toBe('1 May 2024')
    expect(formatRecordDay(Date.UTC(2021, 8, 1))).toBe('1 Sep 2021')
  })

  it('says since when a record is ongoing, from and to when it lasted, else its day', () => {
    expect(formatRecordPeriod(start, Infinity, start + 400 * DAY)).toBe('since 3 Mar 2021')
    expect(formatRecordPeriod(start, start + 37 * DAY, start + 400 * DAY)).toBe('3 Mar 2021 to 9 Apr 2021')
    expect(formatRecordPeriod(start, start + 37 * DAY, start + 10 * DAY)).toBe('3 Mar 2021 to 13 Mar 2021')
    expect(formatRecordPeriod(start, start + 2 * DAY, start + 400 * DAY)).toBe('3 Mar 2021')
  })
})
