import { describe, expect, it } from 'vitest'
import { readKeptFilesReport } from './keptFilesReport.ts'

describe('the files a keeper\'s status answer reports', () => {
  it('reads a report of held files, copies under way and failures with their reason', () => {
    expect(readKeptFilesReport({ held: 2, bytes: 3_000, fetching: 0, failed: 0 })).toEqual({ held: 2, bytes: 3_000, fetching: 0, failed: 0 })
    expect(readKeptFilesReport({ held: 0, bytes: 0, fetching: 1, failed: 2, failure: 'interrupted' })).toEqual({ held: 0, bytes: 0, fetching: 1, failed: 2, failure: 'interrupted' })
    for (const failure of ['not-served', 'larger-than-stated', 'disk-full']) expect(readKeptFilesReport({ held: 0, bytes: 0, fetching: 0, failed: 1, failure })).toMatchObject({ failure })
  })

  it('takes a status answer without files (a keeper that predates attached files) as no report', () => {
    expect(readKeptFilesReport(undefined)).toBeUndefined()
  })

  it('refuses a report out of shape: not a map, counts that are not whole and non-negative, a failure without a known reason, a reason without a failure, words of the keeper\'s own', () => {
    const sound = { held: 1, bytes: 10, fetching: 0, failed: 1, failure: 'interrupted' }
    const malformed: unknown[] = [
      null,
      'files',
      [1, 10, 0, 0],
      new Uint8Array(4),
      { ...sound, held: -1 },
      { ...sound, bytes: 1.5 },
      { ...sound, fetching: '1' },
      { ...sound, failed: Number.MAX_SAFE_INTEGER + 1 },
      { held: 1, bytes: 10, fetching: 0 },
      { ...sound, failure: undefined },
      { ...sound, failure: 'Your keeper is gone: send 1 ETH to 0xabc… to restore it' },
      { ...sound, failed: 0 },
      { ...sound, note: 'extra' }
    ]
    for (const value of malformed) expect(readKeptFilesReport(value), JSON.stringify(value)).toBe('malformed')
  })
})
