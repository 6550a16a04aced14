import { scaleTime } from 'd3-scale'
import { describe, expect, it } from 'vitest'
import { DEMO_PATIENT, demoPatient } from '../history/index.ts'
import { demoLog } from './demoLog.ts'
import { laneBoxes, layoutTimeline, type Mark } from './timelineLayout.ts'
import { buildTimelineModel, LANES, type LaneId, type TimelineItem } from './timelineModel.ts'

const demo = demoLog(demoPatient({ records: 3000 }))
const model = buildTimelineModel(demo.blocks, { patient: DEMO_PATIENT, now: demo.now })
const byLane = new Map<LaneId, TimelineItem[]>(LANES.map((lane) => [lane.id, model.items.filter((item) => item.lane === lane.id)]))
const WIDTH = 900

function layoutBetween(from: number, to: number) {
  const x = scaleTime().domain([from, to]).range([0, WIDTH])
  return layoutTimeline(byLane, LANES, { x: (t) => x(t), left: 0, right: WIDTH, now: demo.now })
}
const itemsOf = (mark: Mark<TimelineItem>): TimelineItem[] => (mark.kind === 'item' ? [mark.item] : mark.items)

const views = {
  'the whole life': model.extent,
  'one decade': [Date.UTC(2010, 0, 1), Date.UTC(2020, 0, 1)],
  'one month': [Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1)],
  'one day': [Date.UTC(2024, 2, 10), Date.UTC(2024, 2, 11)]
} as const

describe('layoutTimeline', () => {
  it('stacks lanes without overlap, in the order given, at a fixed height', () => {
    const boxes = laneBoxes(LANES)
    for (let i = 1; i < boxes.length; i++) expect(boxes[i]?.y0).toBeGreaterThan(boxes[i - 1]?.y1 ?? Infinity)
    expect(boxes.map((b) => b.id)).toEqual(LANES.map((l) => l.id))
    for (const [from, to] of Object.values(views)) expect(layoutBetween(from, to).lanes).toEqual(boxes)
  })

  it.each(Object.entries(views))('never overlaps two marks on %s', (_name, [from, to]) => {
    const { marks, lanes } = layoutBetween(from, to)
    for (const mark of marks) {
      const box = lanes.find((l) => l.id === mark.lane)
      expect(box).toBeDefined()
      expect(mark.y0).toBeGreaterThanOrEqual(box?.y0 ?? Infinity)
      expect(mark.y1).toBeLessThanOrEqual(box?.y1 ?? -Infinity)
      expect(mark.x1).toBeGreaterThan(mark.x0)
    }
    const rows = new Map<string, Mark<TimelineItem>[]>()
    for (const mark of marks) rows.set(`${mark.lane}/${mark.row}`, [...(rows.get(`${mark.lane}/${mark.row}`) ?? []), mark])
    for (const row of rows.values()) {
      const sorted = [...row].sort((a, b) => a.x0 - b.x0)
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]?.x0).toBeGreaterThan(sorted[i - 1]?.x1 ?? Infinity)
    }
  })

  it.each(Object.entries(views))('shows every record in view exactly once, in its own lane, on %s', (_name, [from, to]) => {
    const { marks } = layoutBetween(from, to)
    const shown = marks.flatMap(itemsOf)
    expect(new Set(shown.map((i) => i.id)).size).toBe(shown.length)
    for (const mark of marks) for (const item of itemsOf(mark)) expect(item.lane).toBe(mark.lane)
    const inView = model.items.filter((item) => item.start <= to && (item.end === Infinity ? demo.now : item.end) >= from)
    for (const item of inView) expect(shown).toContain(item)
  })

  it('orders records by time along each row', () => {
    const { marks } = layoutBetween(...views['one decade'])
    const rows = new Map<string, Mark<TimelineItem>[]>()
    for (const mark of marks) if (mark.kind === 'item') rows.set(`${mark.lane}/${mark.row}`, [...(rows.get(`${mark.lane}/${mark.row}`) ?? []), mark])
    for (const row of rows.values()) {
      for (let i = 1; i < row.length; i++) {
        const [a, b] = [row[i - 1], row[i]]
        if (a?.kind === 'item' && b?.kind === 'item') expect(b.item.start).toBeGreaterThanOrEqual(a.item.start)
      }
    }
  })

  it('aggregates dense periods at coarse zoom and opens them up when zoomed in', () => {
    const coarse = layoutBetween(...views['the whole life'])
    const aggregates = coarse.marks.flatMap((m) => (m.kind === 'aggregate' ? [m] : []))
    expect(aggregates.length).toBeGreaterThan(0)
    expect(coarse.marks.length).toBeLessThan(model.items.length / 2)
    expect(Math.max(...aggregates.map((m) => m.items.length))).toBeGreaterThan(5)
    const fine = layoutBetween(...views['one day'])
    expect(fine.marks.filter((m) => m.kind === 'aggregate')).toEqual([])
  })

  it('keeps a point event at least minWidth wide', () => {
    const { marks } = layoutBetween(...views['the whole life'])
    for (const mark of marks) expect(mark.x1 - mark.x0).toBeGreaterThanOrEqual(6 - 1e-9)
  })
})
