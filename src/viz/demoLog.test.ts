import { describe, expect, it } from 'vitest'
import { demoPatient } from '../history/index.ts'
import { demoLog } from './demoLog.ts'

describe('demoLog', () => {
  it('is deterministic: the same seed gives the same blocks and hashes', () => {
    const a = demoLog(demoPatient({ seed: 7, records: 300 }))
    const b = demoLog(demoPatient({ seed: 7, records: 300 }))
    expect(JSON.stringify(a.blocks)).toBe(JSON.stringify(b.blocks))
    const c = demoLog(demoPatient({ seed: 8, records: 300 }))
    expect(c.blocks.map((block) => block.entryHash)).not.toEqual(a.blocks.map((block) => block.entryHash))
  })

  it('links the blocks by hash, with forks that merge, and verdicts from the anchor', () => {
    const demo = demoLog(demoPatient({ records: 500 }), { tamper: true })
    expect(demo.blocks.map((b) => b.entry)).toEqual(demo.entries)
    const hashes = new Set<string>()
    for (const block of demo.blocks) {
      for (const previous of block.previous) expect(hashes.has(previous)).toBe(true)
      hashes.add(block.entryHash)
    }
    expect(hashes.size).toBe(demo.blocks.length)
    expect(demo.blocks.some((b) => b.previous.length === 2)).toBe(true)
    expect(demo.blocks.filter((b) => b.verdict === 'broken')).toHaveLength(1)
    expect(demo.blocks.at(-1)?.verdict).toBe('unanchored')
    expect(demo.blocks[0]?.verdict).toBe('verified')
    expect(demoLog(demoPatient({ records: 500 })).blocks.some((b) => b.verdict === 'broken')).toBe(false)
  })
})
