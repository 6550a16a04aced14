import { describe, expect, it } from 'vitest'
import { historyVerdicts } from './historyVerdicts.ts'

describe('historyVerdicts', () => {
  const anchored = new Set(['a', 'b', 'c'])

  it('calls a sound entry the anchor covers verified, and a later one unanchored', () => {
    expect(historyVerdicts([{ hash: 'a', content: { entryId: 'e1' } }, { hash: 'z', content: { entryId: 'e2' } }], anchored)).toEqual([
      { hash: 'a', entryId: 'e1', verdict: 'verified' },
      { hash: 'z', entryId: 'e2', verdict: 'unanchored' }
    ])
  })

  it('calls an entry broken when its block or its content fails, anchored or not', () => {
    expect(
      historyVerdicts(
        [
          { hash: 'b', problem: 'its content does not match its hash: the block was altered' },
          { hash: 'c', content: { problem: 'its content is not a valid entry: …' } }
        ],
        anchored
      )
    ).toEqual([
      { hash: 'b', verdict: 'broken', reason: 'its content does not match its hash: the block was altered' },
      { hash: 'c', verdict: 'broken', reason: 'its content is not a valid entry: …' }
    ])
  })

  it('judges an entry this device cannot decrypt on its block alone', () => {
    expect(historyVerdicts([{ hash: 'a', content: { noKey: 'unreadable here: no key for its epoch' } }], anchored)).toEqual([
      { hash: 'a', verdict: 'verified', reason: 'unreadable here: no key for its epoch' }
    ])
  })

  it('has nothing verified without an anchor', () => {
    expect(historyVerdicts([{ hash: 'a', content: { entryId: 'e1' } }], undefined)[0]?.verdict).toBe('unanchored')
  })
})
