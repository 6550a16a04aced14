import { describe, expect, it } from 'vitest'
import { parseFhirDate, stringProblem } from './fhirPrimitives.ts'

describe('parseFhirDate', () => {
  it('gives partial dates the span they denote', () => {
    expect(parseFhirDate('2019', 'dateTime')).toEqual({ start: Date.UTC(2019, 0, 1), end: Date.UTC(2020, 0, 1), precision: 'year' })
    expect(parseFhirDate('2019-02', 'date')).toEqual({ start: Date.UTC(2019, 1, 1), end: Date.UTC(2019, 2, 1), precision: 'month' })
    expect(parseFhirDate('2019-02-28', 'date')).toEqual({ start: Date.UTC(2019, 1, 28), end: Date.UTC(2019, 2, 1), precision: 'day' })
  })

  it('reads times with their offset', () => {
    const span = parseFhirDate('2024-07-01T10:05:00.25+02:00', 'dateTime')
    expect(span).toEqual({ start: Date.UTC(2024, 6, 1, 8, 5, 0, 250), end: Date.UTC(2024, 6, 1, 8, 5, 0, 251), precision: 'time' })
    expect(parseFhirDate('2016-12-31T23:59:60Z', 'instant')).toMatchObject({ precision: 'time' })
  })

  it.each([
    ['2024-02-29', 'date', undefined],
    ['2023-02-29', 'date', /not a calendar date/],
    ['2024-00', 'dateTime', /no month 0/],
    ['2024-1-1', 'date', /must be a FHIR date/],
    ['2024-01-01T10:00', 'dateTime', /must be a FHIR dateTime/],
    ['2024-01-01T10:00:00', 'dateTime', /must be a FHIR dateTime/],
    ['2024-01-01T24:00:00Z', 'dateTime', /not a time of day/],
    ['2024-01-01T10:00:00+15:00', 'dateTime', /impossible time zone/],
    ['2024-01-01', 'instant', /must be a FHIR instant/],
    ['2024-01-01T10:00:00Z', 'date', /without a time/],
    ['1799-12-31', 'date', /before 1800/]
  ] as const)('%s as %s', (value, kind, problem) => {
    const result = parseFhirDate(value, kind)
    if (problem === undefined) expect(typeof result).toBe('object')
    else expect(result).toMatch(problem)
  })
})

describe('stringProblem', () => {
  it('refuses empty strings, only spaces and control characters, and accepts text with line breaks', () => {
    expect(stringProblem('')).toMatch(/empty/)
    expect(stringProblem(' \n ')).toMatch(/empty/)
    expect(stringProblem('a\u0000b')).toMatch(/control/)
    expect(stringProblem('line one\nline two\ttabbed')).toBeUndefined()
  })
})
