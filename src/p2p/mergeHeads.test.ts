import { describe, expect, it } from 'vitest'
import { MAX_LINKS } from './logEntry.ts'
import { mergeRow, mergeStep } from './mergeHeads.ts'

const heads = Array.from({ length: 200 }, (_, i) => `head-${String(i).padStart(3, '0')}`)

/** The `next` of each of `count` entries appended in a row, and the heads left after them. */
function append(from: readonly string[], count: number): { links: string[][]; left: string[] } {
  const links: string[][] = []
  let rest = [...from]
  for (let i = 0; i < count; i++) {
    const step = mergeStep(rest, i === 0 ? undefined : `entry-${i - 1}`)
    links.push(step.next)
    rest = step.rest
  }
  return { links, left: rest }
}

describe('mergeStep', () => {
  it('merges 200 heads over four entries, none linking more than a reader accepts', () => {
    const { links, left } = append(heads, 4)
    expect(links.map((next) => next.length)).toEqual([64, 64, 64, 11])
    expect(links.every((next) => next.length <= MAX_LINKS)).toBe(true)
    // Each later entry follows the one before it, so the four are one chain over every head.
    expect(links.slice(1).map((next) => next[0])).toEqual(['entry-0', 'entry-1', 'entry-2'])
    expect(links.flat().filter((hash) => hash.startsWith('head-')).sort()).toEqual(heads)
    expect(left).toEqual([])
    // After that, an entry follows the one before it alone, as with one head.
    expect(append(heads, 6).links.slice(4)).toEqual([['entry-3'], ['entry-4']])
  })

  it('leaves the heads a short append cannot link for the next append to merge', () => {
    const first = append(heads, 1)
    expect(first.links[0]).toEqual(heads.slice(0, 64))
    // The log then has the new entry and the 136 heads it did not link: the next append goes on.
    const next = append(['entry-new', ...first.left], 3)
    expect(next.links.map((links) => links.length)).toEqual([64, 64, 11])
    expect(next.left).toEqual([])
  })

  it('links every head when there are no more than a reader accepts', () => {
    expect(mergeStep(heads.slice(0, 64))).toEqual({ next: heads.slice(0, 64), rest: [] })
    expect(mergeStep(heads.slice(0, 3), 'entry-0')).toEqual({ next: ['entry-0', ...heads.slice(0, 3)], rest: [] })
  })

  it('links the same heads when a row is worked out before its hashes are known (mergeRow)', () => {
    for (const [count, from] of [[1, heads], [4, heads], [6, heads], [3, heads.slice(0, 2)], [2, []]] as const) {
      const { links, left } = append(from, count)
      const row = mergeRow(from, count)
      expect(row.linked).toEqual(links.map((next, i) => (i === 0 ? next : next.slice(1))))
      expect(row.rest).toEqual(left)
    }
  })
})
