// How a writer links the entries it appends when the log has more heads than one entry may
// link (after many concurrent writes, or a writer who wrote entries that follow nothing):
// every entry it writes stays one that readers accept.

import { MAX_LINKS } from './logEntry.ts'

/** What one new entry links to, and the heads still left to merge after it. */
export interface MergeStep {
  /** The entry's `next`: the entry written just before it, if any, then as many heads as fit. */
  next: string[]
  /** Heads not linked yet: the next entry written links them. */
  rest: string[]
}

/**
 * The links of the next entry of an append: the first links up to MAX_LINKS heads, each later
 * one the entry before it and up to MAX_LINKS − 1 heads more, so heads merge in steps and no
 * entry links more than readers accept. The append's own entries carry the merge (no entry is
 * written for it alone); heads left when they run out stay heads, and the next append goes on.
 *
 * @param heads - The heads not merged yet, in the order to merge them.
 * @param previous - The hash of the entry this append wrote just before, if any.
 */
export function mergeStep(heads: readonly string[], previous?: string): MergeStep {
  const room = previous === undefined ? MAX_LINKS : MAX_LINKS - 1
  const linked = heads.slice(0, room)
  return { next: previous === undefined ? linked : [previous, ...linked], rest: heads.slice(room) }
}

/**
 * What each entry of a row of `count` new entries links besides the entry before it, by mergeStep,
 * worked out before any of their hashes is known (the row is then signed in one go), and the heads left.
 */
export function mergeRow(heads: readonly string[], count: number): { linked: string[][]; rest: string[] } {
  const linked: string[][] = []
  let rest = [...heads]
  for (let i = 0; i < count; i++) {
    const step = i === 0 ? mergeStep(rest) : mergeStep(rest, '')
    linked.push(i === 0 ? step.next : step.next.slice(1))
    rest = step.rest
  }
  return { linked, rest }
}
