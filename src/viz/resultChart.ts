// One result series drawn in the timeline's Results lane: values against a value axis,
// the reference range as a band, and each value's flag shown by shape as well as colour
// (▲ above the range, ▼ below, ● within). Drawn on the timeline's canvas with its time
// scale, so it zooms and pans with the rest; its points are marks like any other, so
// hover, click and the keyboard reach the records behind them.
import { axisLeft } from 'd3-axis'
import { scaleLinear, type ScaleLinear } from 'd3-scale'
import type { Selection } from 'd3-selection'
import { formatRange, formatValue, type ResultPoint, type ResultSeries } from './resultSeries.ts'
import type { ItemMark } from './timelineLayout.ts'
import type { TimelineItem } from './timelineModel.ts'

const RADIUS = 4
/** Points at least this far apart have room for their value written beside them. */
const LABEL_SPACING = 38
/** Average pixels between values below which no line joins them. */
const MIN_LINE_SPACING = 4
const COLORS = {
  band: 'rgba(22, 163, 74, 0.13)',
  bandEdge: 'rgba(21, 128, 61, 0.55)',
  bandText: '#166534',
  grid: '#e2e8f0',
  line: '#64748b',
  normal: '#1d4ed8',
  unjudged: '#475569',
  high: '#c2410c',
  low: '#6d28d9',
  broken: '#b91c1c',
  selected: '#0f172a',
  text: '#1b1f24'
} as const

export interface ChartPoint {
  point: ResultPoint
  item: TimelineItem
}

export interface ResultChart {
  series: ResultSeries
  /** Oldest first; only the points whose record is in the model. */
  points: ChartPoint[]
  byItem: Map<string, ChartPoint>
  y: ScaleLinear<number, number>
  y0: number
  y1: number
}

/** The chart of `series` inside the lane box from `y0` to `y1`: the value axis spans every value and the range, so it holds still while zooming. */
export function buildResultChart(series: ResultSeries, byId: ReadonlyMap<string, TimelineItem>, y0: number, y1: number): ResultChart {
  const points: ChartPoint[] = []
  for (const point of series.points) {
    const item = byId.get(point.itemId)
    if (item !== undefined) points.push({ point, item })
  }
  const values = points.map((p) => p.point.value)
  const { low, high } = series.range ?? {}
  const bounds = [...values, ...(low === undefined ? [] : [low]), ...(high === undefined ? [] : [high])]
  let min = Math.min(...bounds)
  let max = Math.max(...bounds)
  if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1]
  const pad = max > min ? (max - min) * 0.08 : Math.max(Math.abs(max) * 0.1, 1)
  // A measurement that cannot go below zero should not get an axis that does.
  const floor = min >= 0 ? Math.max(0, min - pad) : min - pad
  const y = scaleLinear()
    .domain([floor, max + pad])
    .range([y1 - 6, y0 + 6])
    .nice(6)
  return { series, points, byItem: new Map(points.map((p) => [p.item.id, p])), y, y0, y1 }
}

/** The first index whose time is at least `time`. */
function lowerBound(points: readonly ChartPoint[], time: number): number {
  let lo = 0
  let hi = points.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((points[mid]?.point.time ?? Infinity) < time) lo = mid + 1
    else hi = mid
  }
  return lo
}

export interface ChartFrame {
  /** Hit-testable marks of the points in view, in time order. */
  marks: ItemMark<TimelineItem>[]
  /** The same points, for drawing. */
  shown: { mark: ItemMark<TimelineItem>; at: ChartPoint }[]
  /** One point either side of the view, so the line runs off the edge instead of stopping short. */
  before: ChartPoint | undefined
  after: ChartPoint | undefined
}

/** The points in view at this zoom, as marks in the Results lane. */
export function chartFrame(chart: ResultChart, x: (time: number) => number, from: number, to: number, include: (item: TimelineItem) => boolean): ChartFrame {
  const start = lowerBound(chart.points, from)
  const end = lowerBound(chart.points, to + 1)
  const shown: ChartFrame['shown'] = []
  for (let i = start; i < end; i++) {
    const at = chart.points[i]
    if (at === undefined || !include(at.item)) continue
    const px = x(at.point.time)
    const py = chart.y(at.point.value)
    shown.push({ at, mark: { kind: 'item', item: at.item, lane: 'results', row: 0, x0: px - RADIUS - 1, x1: px + RADIUS + 1, y0: py - RADIUS - 1, y1: py + RADIUS + 1 } })
  }
  const outside = (i: number, step: number): ChartPoint | undefined => {
    for (let j = i; j >= 0 && j < chart.points.length; j += step) {
      const at = chart.points[j]
      if (at !== undefined && include(at.item)) return at
    }
    return undefined
  }
  return { marks: shown.map((s) => s.mark), shown, before: outside(start - 1, -1), after: outside(end, 1) }
}

export interface ChartStyle {
  width: number
  x: (time: number) => number
  /** Records outside the selected diagnostic chain are drawn faint. */
  faint: (item: TimelineItem) => boolean
  selectedId: string | undefined
}

function marker(ctx: CanvasRenderingContext2D, at: ChartPoint, cx: number, cy: number): void {
  const { interpretation } = at.point
  ctx.fillStyle = interpretation === undefined ? COLORS.unjudged : COLORS[interpretation]
  ctx.strokeStyle = '#fff'
  ctx.lineWidth = 1
  ctx.beginPath()
  const r = RADIUS + 1
  if (interpretation === 'high') {
    ctx.moveTo(cx, cy - r)
    ctx.lineTo(cx + r, cy + r * 0.8)
    ctx.lineTo(cx - r, cy + r * 0.8)
    ctx.closePath()
  } else if (interpretation === 'low') {
    ctx.moveTo(cx, cy + r)
    ctx.lineTo(cx + r, cy - r * 0.8)
    ctx.lineTo(cx - r, cy - r * 0.8)
    ctx.closePath()
  } else ctx.arc(cx, cy, RADIUS, 0, 2 * Math.PI)
  ctx.fill()
  ctx.stroke()
}

/** Draws one frame of the chart: band, grid, line, points and, where there is room, their values. */
export function drawResultChart(ctx: CanvasRenderingContext2D, chart: ResultChart, frame: ChartFrame, style: ChartStyle): void {
  const { y, y0, y1 } = chart
  const [bottom, top] = y.range() as [number, number]
  ctx.save()
  ctx.beginPath()
  ctx.rect(0, y0 - 4, style.width, y1 - y0 + 8)
  ctx.clip()
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, y0 - 4, style.width, y1 - y0 + 8)
  ctx.strokeStyle = COLORS.grid
  ctx.lineWidth = 1
  for (const tick of y.ticks(4)) {
    const ty = Math.round(y(tick)) + 0.5
    ctx.beginPath()
    ctx.moveTo(0, ty)
    ctx.lineTo(style.width, ty)
    ctx.stroke()
  }
  const range = chart.series.range
  if (range !== undefined) {
    const bandTop = range.high === undefined ? top - 6 : y(range.high)
    const bandBottom = range.low === undefined ? bottom + 6 : y(range.low)
    ctx.fillStyle = COLORS.band
    ctx.fillRect(0, bandTop, style.width, bandBottom - bandTop)
    ctx.strokeStyle = COLORS.bandEdge
    ctx.setLineDash([4, 3])
    for (const edge of [range.high, range.low]) {
      if (edge === undefined) continue
      ctx.beginPath()
      ctx.moveTo(0, Math.round(y(edge)) + 0.5)
      ctx.lineTo(style.width, Math.round(y(edge)) + 0.5)
      ctx.stroke()
    }
    ctx.setLineDash([])
    ctx.fillStyle = COLORS.bandText
    ctx.font = '10px system-ui, sans-serif'
    ctx.textBaseline = 'top'
    // A white halo keeps the label legible where values crowd the band's edge.
    const text = `reference range ${formatRange(range)}`
    const ty = Math.max(bandTop, top - 6) + 2
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)'
    ctx.lineWidth = 3
    ctx.strokeText(text, 4, ty)
    ctx.fillText(text, 4, ty)
  }
  // The line joins successive values; it is context, so it stays thin and grey, and where
  // values crowd closer than a few pixels it would only scribble, so they stand alone.
  const line = [frame.before, ...frame.shown.map((s) => s.at), frame.after].filter((p): p is ChartPoint => p !== undefined)
  if (line.length > 1 && style.width / line.length >= MIN_LINE_SPACING) {
    ctx.strokeStyle = COLORS.line
    ctx.lineWidth = 1.25
    ctx.beginPath()
    line.forEach((p, i) => {
      const px = style.x(p.point.time)
      const py = y(p.point.value)
      if (i === 0) ctx.moveTo(px, py)
      else ctx.lineTo(px, py)
    })
    ctx.stroke()
  }
  let previousX = -Infinity
  ctx.font = '10px system-ui, sans-serif'
  ctx.textBaseline = 'middle'
  frame.shown.forEach(({ at, mark }, i) => {
    const cx = (mark.x0 + mark.x1) / 2
    const cy = (mark.y0 + mark.y1) / 2
    ctx.globalAlpha = style.faint(at.item) ? 0.3 : 1
    marker(ctx, at, cx, cy)
    if (at.item.verdict === 'broken') {
      ctx.strokeStyle = COLORS.broken
      ctx.lineWidth = 2.5
      ctx.beginPath()
      ctx.arc(cx, cy, RADIUS + 4, 0, 2 * Math.PI)
      ctx.stroke()
    }
    if (at.item.id === style.selectedId) {
      ctx.strokeStyle = COLORS.selected
      ctx.lineWidth = 2
      ctx.beginPath()
      ctx.arc(cx, cy, RADIUS + 3, 0, 2 * Math.PI)
      ctx.stroke()
    }
    const nextX = frame.shown[i + 1] === undefined ? Infinity : ((frame.shown[i + 1]?.mark.x0 ?? 0) + (frame.shown[i + 1]?.mark.x1 ?? 0)) / 2
    if (cx - previousX >= LABEL_SPACING && nextX - cx >= LABEL_SPACING) {
      const text = formatValue({ ...at.point, unit: '' }, chart.series.decimals)
      const below = at.point.interpretation === 'low' || cy - y0 < 14
      ctx.fillStyle = at.point.interpretation === 'high' ? COLORS.high : at.point.interpretation === 'low' ? COLORS.low : COLORS.text
      ctx.textAlign = 'center'
      ctx.fillText(text, cx, below ? cy + 12 : cy - 11)
      ctx.textAlign = 'start'
    }
    previousX = cx
  })
  ctx.globalAlpha = 1
  ctx.lineWidth = 1
  ctx.restore()
}

/** The value axis, in the label column beside the lane: ticks, and the unit at the top. */
export function drawValueAxis(svg: Selection<SVGSVGElement, unknown, null, undefined>, chart: ResultChart | undefined, right: number): void {
  svg.selectAll('*').remove()
  if (chart === undefined) return
  const g = svg.append('g').attr('transform', `translate(${right},0)`)
  g.call(axisLeft(chart.y).ticks(4).tickSize(4).tickSizeOuter(0))
  g.select('.domain').attr('stroke', '#94a3b8')
  const range = chart.series.range
  if (range !== undefined) {
    // The reference range on the axis too, where values crowding the band cannot hide it.
    const [bottom, top] = chart.y.range() as [number, number]
    const y0 = range.high === undefined ? top - 6 : chart.y(range.high)
    const y1 = range.low === undefined ? bottom + 6 : chart.y(range.low)
    g.append('rect').attr('x', 0).attr('y', y0).attr('width', 4).attr('height', Math.max(1, y1 - y0)).attr('fill', COLORS.bandEdge)
  }
  if (chart.series.unit !== '') {
    g.append('text')
      .attr('x', -6)
      .attr('y', chart.y0 - 2)
      .attr('text-anchor', 'end')
      .attr('fill', COLORS.text)
      .attr('font-size', 10)
      .text(chart.series.unit)
  }
}
