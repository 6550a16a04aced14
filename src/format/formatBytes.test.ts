import { describe, expect, it } from 'vitest'
import { formatBytes } from './formatBytes.ts'

describe('formatBytes', () => {
  it('picks the largest unit that keeps the number at 1 or more, with one decimal at most', () => {
    expect(formatBytes(0)).toBe('0 bytes')
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(812)).toBe('812 bytes')
    expect(formatBytes(812_400)).toBe('812.4 kB')
    expect(formatBytes(3_216_000)).toBe('3.2 MB')
    expect(formatBytes(5_368_709_120)).toBe('5.4 GB')
    expect(formatBytes(2e15)).toBe('2,000 TB')
  })

  it('carries a number that rounds up to 1,000 into the next unit', () => {
    expect(formatBytes(999_960)).toBe('1 MB')
  })
})
