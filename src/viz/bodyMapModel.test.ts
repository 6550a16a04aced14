import { describe, expect, it } from 'vitest'
import { summarizeBodyMap, regionLabel, regionsOfItem } from './bodyMapModel.ts'
import { DEMO_PATIENT, syntheticPatient } from './syntheticPatient.ts'
import { buildTimelineModel, type TimelineItem } from './timelineModel.ts'

const demo = syntheticPatient({ records: 600 })
const model = buildTimelineModel(demo.blocks, { patient: DEMO_PATIENT, now: demo.now })

const withSites = (item: TimelineItem, sites: TimelineItem['sites']): TimelineItem => ({ ...item, sites })

describe('summarizeBodyMap', () => {
  const summary = summarizeBodyMap(model.items)

  it('names the left knee as a screen reader should hear it', () => {
    const knee = summary.regions.get('knee-left')
    expect(knee).toBeDefined()
    if (knee === undefined) return
    expect(knee.conditions).toBe(2)
    expect(knee.activeConditions).toBe(1)
    expect(regionLabel(knee)).toMatch(/^Left knee, 2 conditions, 1 active, \d+ other records$/)
    expect(summary.regions.get('knee-right')?.items.filter((i) => i.label === 'Osteoarthritis of knee')).toEqual([])
  })

  it('counts a region’s records in every region above it', () => {
    const knee = summary.regions.get('knee-left')?.items ?? []
    const leg = summary.regions.get('leg-left')?.items ?? []
    const body = summary.regions.get('body')?.items ?? []
    for (const item of knee) {
      expect(leg).toContain(item)
      expect(body).toContain(item)
    }
  })

  it('keeps left and right apart, and puts a bilateral site on both sides', () => {
    const [item] = model.items
    if (item === undefined) throw new Error('no items')
    expect(regionsOfItem(withSites(item, [{ code: '72696002', laterality: 'right' }])).regions).toEqual(['knee-right'])
    expect(regionsOfItem(withSites(item, [{ code: '72696002', laterality: 'bilateral' }])).regions).toEqual(['knee-left', 'knee-right'])
  })

  it('lists a paired site without a side apart, and an unknown code in the tray', () => {
    const [item] = model.items
    if (item === undefined) throw new Error('no items')
    const odd = [withSites(item, [{ code: '72696002' }]), withSites({ ...item, id: 'x' }, [{ code: '999999999' }])]
    const tray = summarizeBodyMap(odd)
    expect(tray.sideNotRecorded.get('knee')).toHaveLength(1)
    expect(tray.unlocated).toHaveLength(1)
    expect(tray.regions.get('knee-left')?.items).toEqual([])
  })

  it('loses no record that has a site', () => {
    const placed = new Set([...(summary.regions.get('body')?.items ?? []), ...summary.unlocated, ...[...summary.sideNotRecorded.values()].flat()])
    expect(placed.size + summary.withoutSite).toBe(model.items.length)
  })
})
