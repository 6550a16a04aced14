import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { encodeBlock, parseHash } from './blocks.ts'
import { anchoredEntries, closure, headsOf, historyRoot, type LogNode } from './historyRoot.ts'

const hash = (n: number): string => encodeBlock({ n }).hash

/** The root as the comment in historyRoot.ts defines it, written out again independently. */
function rootByHand(heads: string[]): string {
  const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)
  const cids = heads.map((h) => parseHash(h)?.bytes ?? new Uint8Array()).sort((a, b) => (bytesToHex(a) < bytesToHex(b) ? -1 : 1))
  const domain = utf8ToBytes('anamnesis/history-root/v1')
  return `0x${bytesToHex(sha256(concatBytes(u32(domain.length), domain, u32(cids.length), ...cids.flatMap((c) => [u32(c.length), c]))))}`
}

/** A log: a chain 0 → 1 → 2 → 3, then two concurrent entries 4 and 5 on 3, merged by 6. */
function sampleLog(): Map<string, LogNode> {
  const nodes: LogNode[] = [
    { hash: hash(0), parents: [], time: 1 },
    { hash: hash(1), parents: [hash(0)], time: 2 },
    { hash: hash(2), parents: [hash(1)], time: 3 },
    { hash: hash(3), parents: [hash(2)], time: 4 },
    { hash: hash(4), parents: [hash(3)], time: 5 },
    { hash: hash(5), parents: [hash(3)], time: 5 },
    { hash: hash(6), parents: [hash(4), hash(5)], time: 6 }
  ]
  return new Map(nodes.map((node) => [node.hash, node]))
}

describe('historyRoot', () => {
  it('is SHA-256 over the domain and the heads\' CID bytes in ascending order, as documented', () => {
    const heads = [hash(3), hash(1), hash(2)]
    expect(historyRoot(heads)).toBe(rootByHand(heads))
    expect(historyRoot(heads)).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('does not depend on the order the heads are listed in, nor on repeats', () => {
    expect(historyRoot([hash(1), hash(2)])).toBe(historyRoot([hash(2), hash(1), hash(2)]))
  })

  it('changes with any head', () => {
    expect(historyRoot([hash(1), hash(2)])).not.toBe(historyRoot([hash(1), hash(3)]))
    expect(historyRoot([hash(1)])).not.toBe(historyRoot([hash(1), hash(2)]))
  })

  it('refuses a string that is not an entry hash', () => {
    expect(() => historyRoot(['QmNotOurs'])).toThrow(/not the hash of a log entry/)
  })
})

describe('heads and closure', () => {
  it('finds the heads and everything behind them', () => {
    const log = sampleLog()
    expect(headsOf(log.values())).toEqual([hash(6)])
    expect(headsOf([...log.values()].slice(0, 6)).sort()).toEqual([hash(4), hash(5)].sort())
    expect(closure([hash(4)], log)).toEqual(new Set([0, 1, 2, 3, 4].map(hash)))
  })
})

describe('anchoredEntries', () => {
  const log = sampleLog()

  it('finds the entries an anchor of a prefix covers', () => {
    const anchor = { root: historyRoot([hash(2)]), entryCount: 3 }
    expect(anchoredEntries(log, anchor)).toEqual(new Set([0, 1, 2].map(hash)))
  })

  it('finds a cut with two heads (both concurrent entries) and the whole log', () => {
    expect(anchoredEntries(log, { root: historyRoot([hash(4), hash(5)]), entryCount: 6n })).toEqual(new Set([0, 1, 2, 3, 4, 5].map(hash)))
    expect(anchoredEntries(log, { root: historyRoot([hash(6)]), entryCount: 7 })?.size).toBe(7)
  })

  it('finds the history behind one of two concurrent entries', () => {
    expect(anchoredEntries(log, { root: historyRoot([hash(5)]).toUpperCase().replace('0X', '0x'), entryCount: 5 })).toEqual(new Set([0, 1, 2, 3, 5].map(hash)))
  })

  it('finds nothing when the root or the count does not match what is here', () => {
    expect(anchoredEntries(log, { root: historyRoot([hash(2)]), entryCount: 4 })).toBeUndefined()
    expect(anchoredEntries(log, { root: historyRoot([hash(99)]), entryCount: 3 })).toBeUndefined()
    expect(anchoredEntries(log, { root: historyRoot([hash(6)]), entryCount: 8 })).toBeUndefined()
    const dropped = new Map(log)
    dropped.delete(hash(1))
    expect(anchoredEntries(dropped, { root: historyRoot([hash(2)]), entryCount: 3 })).toBeUndefined()
  })
})
