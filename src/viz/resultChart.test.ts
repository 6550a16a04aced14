import { scaleTime } from 'd3-scale'
import { describe, expect, it } from 'vitest'
import { buildResultChart, chartFrame } from './resultChart.ts'
import { resultSeries } from './resultSeries.ts'
import { DEMO_PATIENT, demoPatient } from '../history/index.ts'
import { demoLog } from './demoLog.ts'
import { buildTimelineModel } from './timelineModel.ts'

const demo = demoLog(demoPatient({ records: 2000 }))
const model = buildTimelineModel(demo.blocks, { patient: DEMO_PATIENT, now: demo.now })
const { series } = resultSeries(model.items)
const systolic = series.find((s) => s.label === 'Systolic blood pressure')
if (systolic === undefined) throw new Error('the demo patient has no systolic blood pressure')

describe('resultChart', () => {
  it('puts every value and the whole reference range inside the lane, higher values higher', () => {
    const chart = buildResultChart(systolic, model.byId, 200, 350)
    expect(chart.points).toHaveLength(systolic.points.length)
    for (const { point } of chart.points) {
      expect(chart.y(point.value)).toBeGreaterThanOrEqual(200)
      expect(chart.y(point.value)).toBeLessThanOrEqual(350)
    }
    expect(chart.y(systolic.range?.low ?? NaN)).toBeLessThanOrEqual(350)
    expect(chart.y(systolic.range?.high ?? NaN)).toBeGreaterThanOrEqual(200)
    expect(chart.y(160)).toBeLessThan(chart.y(120))
  })

  it('gives the points in view as marks around each value, in time order, and only the records not filtered out', () => {
    const chart = buildResultChart(systolic, model.byId, 200, 350)
    const [from, to] = [Date.UTC(2015, 0, 1), Date.UTC(2020, 0, 1)]
    const x = scaleTime().domain([from, to]).range([0, 1000])
    const frame = chartFrame(chart, (t) => x(t), from, to, () => true)
    const inView = systolic.points.filter((p) => p.time >= from && p.time <= to)
    expect(frame.marks.map((m) => m.item.id)).toEqual(inView.map((p) => p.itemId))
    for (const { mark, at } of frame.shown) {
      expect((mark.x0 + mark.x1) / 2).toBeCloseTo(x(at.point.time))
      expect((mark.y0 + mark.y1) / 2).toBeCloseTo(chart.y(at.point.value))
      expect(mark.lane).toBe('results')
    }
    expect(frame.before?.point.time).toBeLessThan(from)
    expect(frame.after?.point.time).toBeGreaterThan(to)
    const kept = new Set(inView.slice(0, 3).map((p) => p.itemId))
    expect(chartFrame(chart, (t) => x(t), from, to, (item) => kept.has(item.id)).marks).toHaveLength(3)
  })
})
