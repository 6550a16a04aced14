import { describe, expect, it } from 'vitest'
import type { Address } from 'viem'
import { accessEndings, type GrantEvent } from './accessEndings.ts'
import type { RecordCategory } from './scope.ts'

const doctor: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const other: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const t = (minutes: number): Date => new Date(Date.UTC(2026, 10, 26, 9) + minutes * 60_000)
const granted = (at: number, until: number, categories: readonly RecordCategory[], block: bigint, who = doctor): GrantEvent => ({
  kind: 'granted',
  doctor: who,
  expiry: t(until),
  categories,
  block,
  time: t(at)
})
const revoked = (at: number, block: bigint, who = doctor): GrantEvent => ({ kind: 'revoked', doctor: who, block, time: t(at) })

describe('the ends of access the ledger records', () => {
  it('keeps a revocation of a live grant, which the ledger\'s state forgets, with its block', () => {
    expect(accessEndings([granted(0, 60, ['conditions'], 1n), revoked(10, 2n)], t(20))).toEqual([{ doctor, reason: 'revoked', at: t(10), block: 2n }])
  })

  it('counts an expiry once its time has passed, and not before', () => {
    const events = [granted(0, 60, ['conditions'], 1n)]
    expect(accessEndings(events, t(59))).toEqual([])
    expect(accessEndings(events, t(60))).toEqual([{ doctor, reason: 'expired', at: t(60) }])
  })

  it('sees an expiry that a later grant or revocation came after, and no revocation of an access already ended', () => {
    expect(accessEndings([granted(0, 30, ['conditions'], 1n), granted(45, 90, ['conditions'], 2n), revoked(50, 3n)], t(100))).toEqual([
      { doctor, reason: 'expired', at: t(30) },
      { doctor, reason: 'revoked', at: t(50), block: 3n }
    ])
    expect(accessEndings([granted(0, 30, ['conditions'], 1n), revoked(40, 2n)], t(100))).toEqual([{ doctor, reason: 'expired', at: t(30) }])
  })

  it('counts a renewal that drops a category as an end, and one that keeps every category or adds some as none', () => {
    expect(accessEndings([granted(0, 60, ['conditions', 'allergies'], 1n), granted(10, 60, ['conditions'], 2n)], t(20))).toEqual([{ doctor, reason: 'narrowed', at: t(10), block: 2n }])
    expect(accessEndings([granted(0, 60, ['conditions'], 1n), granted(10, 120, ['conditions', 'allergies'], 2n)], t(20))).toEqual([])
  })

  it('keeps each doctor\'s events apart', () => {
    expect(accessEndings([granted(0, 60, ['conditions'], 1n), granted(1, 60, ['conditions'], 2n, other), revoked(5, 3n, other)], t(20))).toEqual([
      { doctor: other, reason: 'revoked', at: t(5), block: 3n }
    ])
  })
})
