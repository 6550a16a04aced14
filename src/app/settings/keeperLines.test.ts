import { describe, expect, it } from 'vitest'
import type { KeeperView } from '../../session/index.ts'
import { keeperState } from './keeperLines.ts'

const view = (files?: NonNullable<KeeperView['report']>['files']): KeeperView => ({
  address: '/ip4/127.0.0.1/tcp/4100/ws/p2p/12D3KooWKeeper',
  keeper: '0x1111111111111111111111111111111111111111',
  state: 'reachable',
  report: { keeper: '0x1111111111111111111111111111111111111111', quota: 512_000_000, held: { entries: 12, bytes: 40_000 }, lastSyncedAt: Date.UTC(2026, 11, 5, 9, 30), ...(files === undefined ? {} : { files }) }
})

describe('a keeper\'s line in Settings → Keepers', () => {
  it('counts the attached files it holds beside the entries, their bytes within the quota', () => {
    const line = keeperState(view({ held: 2, bytes: 2_420_000, fetching: 0, failed: 0 }))
    expect(line).toMatch(/^Reachable\. Holds 12 entries and 2 attached files \(2\.5 MB of the 512 MB it agreed to keep\), last synced /)
    expect(line).not.toMatch(/could not be copied/)
  })

  it('says how many attached files could not be copied, why, and that it tries again at the next sync', () => {
    expect(keeperState(view({ held: 1, bytes: 1_000_000, fetching: 0, failed: 2, failure: 'interrupted' }))).toMatch(
      / 2 attached files could not be copied to this keeper: the copy from your device broke off before it was whole\. It tries again at the next sync\.$/
    )
    expect(keeperState(view({ held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'disk-full' }))).toMatch(/ 1 attached file could not be copied to this keeper: the keeper's disk is full\. It tries again at the next sync\.$/)
    expect(keeperState(view({ held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'not-served' }))).toMatch(/could not be copied to this keeper: no device of yours that holds them answered it\./)
    expect(keeperState(view({ held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'larger-than-stated' }))).toMatch(/could not be copied to this keeper: a file came larger than your device said it was/)
  })

  it('says a copy is under way, and that a failed one is being tried again', () => {
    expect(keeperState(view({ held: 0, bytes: 0, fetching: 1, failed: 0 }))).toMatch(/ It is copying 1 attached file from your device now\.$/)
    expect(keeperState(view({ held: 0, bytes: 0, fetching: 1, failed: 1, failure: 'interrupted' }))).toMatch(/ 1 attached file could not be copied to this keeper: .*\. It is trying again now\.$/)
  })

  it('says nothing of attached files for a keeper that holds none, or does not report them', () => {
    expect(keeperState(view({ held: 0, bytes: 0, fetching: 0, failed: 0 }))).toMatch(/^Reachable\. Holds 12 entries \(40 kB of the 512 MB it agreed to keep\), last synced [^.]+\.$/)
    expect(keeperState(view())).not.toMatch(/attached/)
  })
})
