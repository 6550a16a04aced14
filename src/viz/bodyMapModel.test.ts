import { describe, expect, it } from 'vitest'
import { summarizeBodyMap, regionLabel, regionsOfItem } from './bodyMapModel.ts'
import { childrenOf, isOnFigure, REGION_BY_ID, REGIONS } from './bodyMapRegions.ts'
import { DEMO_PATIENT, demoPatient } from '../history/index.ts'
import { demoLog } from './demoLog.ts'
import { buildTimelineModel, type TimelineItem } from './timelineModel.ts'

const demo = demoLog(demoPatient({ records: 600 }))
const model = buildTimelineModel(demo.blocks, { patient: DEMO_PATIENT, now: demo.now })

const withSites = (item: TimelineItem, sites: TimelineItem['sites']): TimelineItem => ({ ...item, sites })

const summary = (): ReturnType<typeof summarizeBodyMap> => summarizeBodyMap(model.items)

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

describe('the female and male figures', () => {
  const [first] = model.items
  if (first === undefined) throw new Error('no items')
  const at = (id: string, code: string, laterality?: 'left' | 'right' | 'bilateral'): TimelineItem => withSites({ ...first, id }, [{ code, ...(laterality === undefined ? {} : { laterality }) }])

  it('gives the female figure a uterus and two ovaries under the abdomen and pelvis, and breasts under the chest', () => {
    for (const id of ['uterus', 'ovary-left', 'ovary-right']) {
      expect(REGION_BY_ID.get(id)?.parent, id).toBe('abdomen')
      expect(REGION_BY_ID.get(id)?.figures, id).toEqual(['female'])
    }
    expect(REGION_BY_ID.get('breast-left')?.parent).toBe('chest')
    expect(REGION_BY_ID.get('breast-left')?.figures).toEqual(['male', 'female'])
    expect(childrenOf('abdomen', 'female').map((r) => r.id)).toEqual(expect.arrayContaining(['uterus', 'ovary-left', 'ovary-right']))
    expect(childrenOf('abdomen', 'female').map((r) => r.id)).not.toContain('prostate')
  })

  it('keeps the male-only organs off the female figure and the female-only ones off the male', () => {
    for (const id of ['prostate', 'testis-left', 'testis-right']) {
      expect(isOnFigure(id, 'female'), id).toBe(false)
      expect(isOnFigure(id, 'male'), id).toBe(true)
    }
    for (const id of ['uterus', 'ovary', 'ovary-left']) {
      expect(isOnFigure(id, 'male'), id).toBe(false)
      expect(isOnFigure(id, 'female'), id).toBe(true)
    }
  })

  it('keeps the ids of the regions both figures share', () => {
    const shared = REGIONS.filter((r) => r.figures.length === 2).map((r) => r.id)
    expect(shared).toEqual(expect.arrayContaining(['body', 'knee-left', 'heart', 'kidney-left', 'kidney-right', 'bladder', 'breast-right']))
    expect(summarizeBodyMap(model.items, 'female').regions.get('knee-left')?.items).toEqual(summary().regions.get('knee-left')?.items)
  })

  it('places a uterus and a left ovary on the female figure, counted up the tree', () => {
    const items = [at('u', '35039007'), at('o', '43981004'), at('b', '15497006', 'bilateral')]
    const female = summarizeBodyMap(items, 'female')
    expect(female.unlocated).toEqual([])
    expect(female.regions.get('uterus')?.items.map((i) => i.id)).toEqual(['u'])
    expect(female.regions.get('ovary-left')?.items.map((i) => i.id).sort()).toEqual(['b', 'o'])
    expect(female.regions.get('ovary-right')?.items.map((i) => i.id)).toEqual(['b'])
    expect(female.regions.get('abdomen')?.items).toHaveLength(3)
    expect(female.regions.has('prostate')).toBe(false)
  })

  it('puts a record in a region the shown figure lacks in the tray, never losing it', () => {
    const items = [at('u', '35039007'), at('o', '20837000'), at('p', '41216001'), at('t', '40689003', 'left'), at('x', '40689003')]
    const male = summarizeBodyMap(items, 'male')
    expect(male.unlocated.map((i) => i.id)).toEqual(['u', 'o'])
    expect(male.regions.has('uterus')).toBe(false)
    expect(male.regions.get('testis-left')?.items.map((i) => i.id)).toEqual(['t'])
    const female = summarizeBodyMap(items, 'female')
    expect(female.unlocated.map((i) => i.id)).toEqual(['p', 't', 'x'])
    expect(female.sideNotRecorded.size).toBe(0)
  })

  it('loses no record that has a site on either figure', () => {
    for (const figure of ['male', 'female'] as const) {
      const s = summarizeBodyMap(model.items, figure)
      const placed = new Set([...(s.regions.get('body')?.items ?? []), ...s.unlocated, ...[...s.sideNotRecorded.values()].flat()])
      expect(placed.size + s.withoutSite, figure).toBe(model.items.length)
    }
  })
})
