// The timeline, drawn: marks on a canvas (10,000 records stay smooth while zooming),
// the time axis in SVG, lane names in HTML, an overview strip with a brush, and a
// keyboard-operable listbox over the canvas whose one active option names the mark
// in focus. Zoom and pan with d3-zoom from decades down to hours; hit-testing with a
// d3-quadtree over the marks of the current frame.
import { axisBottom, axisTop } from 'd3-axis'
import { brushX, type BrushBehavior, type D3BrushEvent } from 'd3-brush'
import { quadtree, type Quadtree } from 'd3-quadtree'
import { scaleTime, type ScaleTime } from 'd3-scale'
import { pointer, select } from 'd3-selection'
import { zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom'
import { formatRecordDay, formatRecordPeriod } from '../format/index.ts'
import { shortHash } from './historyBlock.ts'
import { buildResultChart, chartFrame, drawResultChart, drawValueAxis, type ResultChart } from './resultChart.ts'
import { describePoint, resultSeries, type ResultSeries } from './resultSeries.ts'
import { laneBoxes, layoutTimeline, type LaneSpec, type Mark, type TimelineLayout } from './timelineLayout.ts'
import { chainItems, LANES, type LaneId, type TimelineItem, type TimelineModel } from './timelineModel.ts'

const HOUR = 3_600_000
const MIN_SPAN = 2 * HOUR
const LABEL_WIDTH = 150
const AXIS_HEIGHT = 30
const OVERVIEW_HEIGHT = 44
/** The Results lane's height in rows while it charts a series: room for a value axis. */
const CHART_ROWS = 9
const COLORS = {
  active: '#9a3412',
  resolved: '#475569',
  event: '#1d4ed8',
  broken: '#b91c1c',
  laneBand: '#f4f5f7',
  laneLine: '#d5d9de',
  chain: '#7c2d92',
  focus: '#ffbf47',
  dim: 'rgba(255,255,255,0.72)',
  text: '#1b1f24'
} as const

export interface TimelineCallbacks {
  /** A record was chosen (click, Enter); undefined when the selection is cleared. */
  onSelect?: (item: TimelineItem | undefined) => void
  /** The visible time range changed (after zooming, panning or brushing settles). */
  onRangeChange?: (range: [number, number], whole: boolean) => void
}

export interface TimelineHandle {
  setModel(model: TimelineModel): void
  /** Only these records are drawn (a region selected on the body map); undefined shows all. */
  setFilter(ids: ReadonlySet<string> | undefined): void
  select(id: string | undefined, options?: { reveal?: boolean }): void
  zoomTo(range: [number, number], duration?: number): void
  range(): [number, number]
  /**
   * Charts one result series (a `ResultSeries` key from `resultSeries`) in the Results
   * lane: values over time with their reference range. Undefined goes back to marks.
   */
  showSeries(key: string | undefined): void
  destroy(): void
}

type TimelineMark = Mark<TimelineItem>

const CHART_LANES: readonly LaneSpec[] = LANES.map((lane) => ({ id: lane.id, rows: lane.id === 'results' ? CHART_ROWS : lane.rows }))


/** What a screen reader hears for a mark: record, type, state, dates, whether it is a conflicting copy, block and verdict. */
export function describeMark(mark: TimelineMark, now: number): string {
  if (mark.kind === 'aggregate') {
    const first = mark.items[0]
    const last = mark.items[mark.items.length - 1]
    const broken = mark.items.filter((item) => item.verdict === 'broken').length
    const lane = LANES.find((l) => l.id === mark.lane)?.label ?? mark.lane
    return `${mark.items.length} ${lane.toLowerCase()} from ${first === undefined ? '' : formatRecordDay(first.start)} to ${last === undefined ? '' : formatRecordDay(last.start)}${broken > 0 ? `, ${broken} broken block${broken === 1 ? '' : 's'}` : ''}; press Enter to zoom in`
  }
  const { item } = mark
  const when = formatRecordPeriod(item.start, item.end, now)
  const state = item.state === 'event' ? '' : `, ${item.state}`
  const copy = item.copyOf === undefined ? '' : `, a conflicting copy written by ${item.entry.writer}`
  return `${item.label}, ${item.typeName}${state}, ${when}${copy}, block ${shortHash(item.block.entryHash)} ${item.verdict}`
}

export function createTimeline(container: HTMLElement, callbacks: TimelineCallbacks = {}): TimelineHandle {
  container.classList.add('tl')
  container.innerHTML = ''
  const root = select(container)
  const body = root.append('div').attr('class', 'tl-body')
  const labels = body.append('div').attr('class', 'tl-labels').attr('aria-hidden', 'true')
  const stage = body.append('div').attr('class', 'tl-stage')
  const canvas = stage.append('canvas').attr('class', 'tl-canvas').attr('aria-hidden', 'true')
  const axisSvg = stage.append('svg').attr('class', 'tl-axis').attr('aria-hidden', 'true')
  const axisG = axisSvg.append('g').attr('transform', `translate(0,${AXIS_HEIGHT - 5})`)
  const listbox = stage
    .append('div')
    .attr('class', 'tl-listbox')
    .attr('role', 'listbox')
    .attr('tabindex', '0')
    .attr('aria-label', 'Timeline of records. Arrow keys move between records, Enter selects, plus and minus zoom.')
  const option = listbox.append('div').attr('role', 'option').attr('id', `tl-option-${Math.random().toString(36).slice(2)}`).attr('class', 'visually-hidden').attr('aria-selected', 'false')
    .text('No record chosen yet: use the arrow keys')
  const overview = root.append('svg').attr('class', 'tl-overview').attr('role', 'group').attr('aria-label', 'Overview of the whole history: drag to choose the time shown')
  const valueAxis = labels.append('svg').style('position', 'absolute').style('left', '0').style('top', '0').style('overflow', 'visible').style('pointer-events', 'none')
  const overviewMarks = overview.append('g')
  const overviewAxis = overview.append('g').attr('aria-hidden', 'true')
  const brushG = overview.append('g').attr('class', 'tl-brush')

  let model: TimelineModel | undefined
  let filter: ReadonlySet<string> | undefined
  let byLane = new Map<LaneId, TimelineItem[]>()
  let series: ResultSeries[] = []
  let seriesKey: string | undefined
  let chart: ResultChart | undefined
  let width = 600
  let height = 200
  let base: ScaleTime<number, number> = scaleTime()
  let x: ScaleTime<number, number> = scaleTime()
  let layout: TimelineLayout<TimelineItem> | undefined
  let tree: Quadtree<TimelineMark> | undefined
  let wide: TimelineMark[] = []
  let selected: TimelineItem | undefined
  let hovered: TimelineMark | undefined
  let active: TimelineMark | undefined
  let chainIds = new Set<string>()
  let frame = 0
  let rangeTimer: ReturnType<typeof setTimeout> | undefined
  let brushing = false
  let brushReady = false

  const zoom: ZoomBehavior<HTMLDivElement, unknown> = d3zoom<HTMLDivElement, unknown>()
    .filter((event: Event) => !(event instanceof KeyboardEvent) && !(event.type === 'mousedown' && (event as MouseEvent).button !== 0))
    .on('zoom', (event: D3ZoomEvent<HTMLDivElement, unknown>) => {
      x = event.transform.rescaleX(base)
      if (!brushing) syncBrush()
      requestDraw()
      announceRange()
    })
  const listboxEl = listbox.node() as HTMLDivElement
  listbox.call(zoom).on('dblclick.zoom', null)

  const brush: BrushBehavior<unknown> = brushX().on('brush end', (event: D3BrushEvent<unknown>) => {
    if (event.sourceEvent === undefined || event.sourceEvent === null || model === undefined) return
    const sel = event.selection as [number, number] | null
    const domain = base.domain().map(Number) as [number, number]
    const overviewX = scaleTime().domain(domain).range([0, width])
    const range: [number, number] = sel === null ? domain : [+overviewX.invert(sel[0]), +overviewX.invert(sel[1])]
    brushing = true
    applyRange(range)
    brushing = false
  })

  function applyRange([from, to]: [number, number]): void {
    const span = Math.max(to - from, MIN_SPAN)
    const [d0, d1] = base.domain().map(Number) as [number, number]
    const k = (d1 - d0) / span
    const tx = -base(new Date(from)) * k
    listbox.call((sel) => zoom.transform(sel, zoomIdentity.translate(tx, 0).scale(k)))
  }

  function syncBrush(): void {
    if (model === undefined || !brushReady) return
    const domain = base.domain().map(Number) as [number, number]
    const overviewX = scaleTime().domain(domain).range([0, width])
    const [v0, v1] = x.domain().map(Number) as [number, number]
    const whole = v0 <= domain[0] + 1 && v1 >= domain[1] - 1
    brushG.call((g) => brush.move(g, whole ? null : [Math.max(0, overviewX(v0)), Math.min(width, overviewX(v1))]))
  }

  function announceRange(): void {
    if (rangeTimer !== undefined) clearTimeout(rangeTimer)
    rangeTimer = setTimeout(() => {
      const domain = base.domain().map(Number) as [number, number]
      const [v0, v1] = x.domain().map(Number) as [number, number]
      callbacks.onRangeChange?.([v0, v1], v0 <= domain[0] + 1 && v1 >= domain[1] - 1)
    }, 120)
  }

  /** Each lane's records under the filter; a Results lane that charts a series draws its points itself. */
  function fillLanes(): void {
    const items = model?.items ?? []
    byLane = new Map(LANES.map((lane) => [lane.id, lane.id === 'results' && chart !== undefined ? [] : items.filter((item) => item.lane === lane.id && (filter === undefined || filter.has(item.id)))]))
  }

  function lanes(): readonly LaneSpec[] {
    return chart === undefined ? LANES : CHART_LANES
  }

  function resolveChart(): void {
    const chosen = seriesKey === undefined ? undefined : series.find((s) => s.key === seriesKey)
    const box = laneBoxes(CHART_LANES, { top: AXIS_HEIGHT }).find((b) => b.id === 'results')
    chart = chosen === undefined || model === undefined || box === undefined ? undefined : buildResultChart(chosen, model.byId, box.y0, box.y1)
  }

  function requestDraw(): void {
    if (frame !== 0) return
    frame = requestAnimationFrame(() => {
      frame = 0
      draw()
    })
  }

  // The stage's width as the resize observer last reported it. It is never read from the element:
  // clientWidth would force the page's layout in the middle of a redraw, after the page's other
  // views changed the DOM (some 35 ms for a doctor's first view of a history), and the page is laid
  // out again for the frame anyway. Until the observer's first report, the width is provisional.
  let observedWidth: number | undefined
  const stageWidth = (): number => Math.max(200, observedWidth ?? width)

  function resize(): void {
    width = stageWidth()
    const laneHeight = laneBoxes(lanes(), { top: AXIS_HEIGHT }).at(-1)?.y1 ?? AXIS_HEIGHT
    height = laneHeight + 8
    const ratio = window.devicePixelRatio || 1
    const c = canvas.node() as HTMLCanvasElement
    c.width = Math.round(width * ratio)
    c.height = Math.round(height * ratio)
    canvas.style('width', `${width}px`).style('height', `${height}px`)
    axisSvg.attr('width', width).attr('height', AXIS_HEIGHT)
    listbox.style('width', `${width}px`).style('height', `${height}px`)
    stage.style('height', `${height}px`)
    overview.attr('width', width + LABEL_WIDTH).attr('height', OVERVIEW_HEIGHT)
    overviewMarks.attr('transform', `translate(${LABEL_WIDTH},0)`)
    overviewAxis.attr('transform', `translate(${LABEL_WIDTH},${OVERVIEW_HEIGHT - 16})`)
    brushG.attr('transform', `translate(${LABEL_WIDTH},0)`)
    brush.extent([
      [0, 0],
      [width, OVERVIEW_HEIGHT - 16]
    ])
    brushG.call(brush)
    brushReady = true
    const current: ZoomTransform = (listboxEl as unknown as { __zoom?: ZoomTransform }).__zoom ?? zoomIdentity
    base = scaleTime().domain(base.domain()).range([0, width])
    zoom.extent([
      [0, 0],
      [width, height]
    ])
    x = current.rescaleX(base)
    drawLabels()
    drawOverview()
    draw()
  }

  function drawLabels(): void {
    const boxes = laneBoxes(lanes(), { top: AXIS_HEIGHT })
    const charted = (id: LaneId): boolean => id === 'results' && chart !== undefined
    labels.style('height', `${height}px`)
    labels
      .selectAll('div')
      .data(boxes)
      .join('div')
      .attr('class', 'tl-lane-label')
      .style('top', (d) => `${d.y0}px`)
      .style('height', (d) => `${d.y1 - d.y0}px`)
      // Room on the right for the value axis, and the name of what is charted.
      .style('right', (d) => (charted(d.id) ? '46px' : null))
      .style('white-space', (d) => (charted(d.id) ? 'pre-line' : null))
      .style('overflow-wrap', (d) => (charted(d.id) ? 'anywhere' : null))
      .text((d) => (charted(d.id) ? `Results:\n${chart?.series.label ?? ''}` : (LANES.find((l) => l.id === d.id)?.label ?? d.id)))
    valueAxis.attr('width', LABEL_WIDTH).attr('height', height)
    drawValueAxis(valueAxis, chart, LABEL_WIDTH - 4)
  }

  function drawOverview(): void {
    if (model === undefined) return
    const overviewX = scaleTime().domain(base.domain()).range([0, width])
    const bins = new Array<number>(Math.max(1, Math.floor(width / 3))).fill(0)
    for (const item of model.items) {
      const i = Math.floor(overviewX(item.start) / 3)
      if (i >= 0 && i < bins.length) bins[i] = (bins[i] ?? 0) + 1
    }
    const max = Math.max(1, ...bins)
    overviewMarks
      .selectAll('rect')
      .data(bins)
      .join('rect')
      .attr('x', (_d, i) => i * 3)
      .attr('width', 2)
      .attr('y', (d) => OVERVIEW_HEIGHT - 18 - (Math.sqrt(d / max) * (OVERVIEW_HEIGHT - 22)))
      .attr('height', (d) => Math.sqrt(d / max) * (OVERVIEW_HEIGHT - 22))
      .attr('fill', '#64748b')
    overviewAxis.call(axisBottom(overviewX).ticks(Math.max(2, Math.floor(width / 90))).tickSizeOuter(0))
  }

  function itemColor(item: TimelineItem): string {
    if (item.verdict === 'broken') return COLORS.broken
    return item.state === 'active' ? COLORS.active : item.state === 'resolved' ? COLORS.resolved : COLORS.event
  }

  function markCenter(mark: TimelineMark): [number, number] {
    return [(Math.max(mark.x0, 0) + Math.min(mark.x1, width)) / 2, (mark.y0 + mark.y1) / 2]
  }

  function draw(): void {
    const started = performance.now()
    const c = canvas.node() as HTMLCanvasElement
    const ctx = c.getContext('2d')
    if (ctx === null || model === undefined) return
    const ratio = window.devicePixelRatio || 1
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, width, height)
    layout = layoutTimeline(byLane, lanes(), { x: (t) => x(t), left: -4, right: width + 4, now: model.now, top: AXIS_HEIGHT })
    const [from, to] = x.domain().map(Number) as [number, number]
    const pad = (to - from) * (8 / width)
    const points = chart === undefined ? undefined : chartFrame(chart, (t) => x(t), from - pad, to + pad, (item) => filter === undefined || filter.has(item.id))
    if (points !== undefined) layout.marks.push(...points.marks)
    tree = undefined
    wide = layout.marks.filter((m) => m.x1 - m.x0 > 24)
    for (const [i, lane] of layout.lanes.entries()) {
      if (i % 2 === 0) {
        ctx.fillStyle = COLORS.laneBand
        ctx.fillRect(0, lane.y0 - 4, width, lane.y1 - lane.y0 + 8)
      }
    }
    // Now: where ongoing bars end.
    const nowX = x(model.now)
    ctx.strokeStyle = '#94a3b8'
    ctx.setLineDash([3, 3])
    ctx.beginPath()
    ctx.moveTo(nowX, AXIS_HEIGHT)
    ctx.lineTo(nowX, height)
    ctx.stroke()
    ctx.setLineDash([])
    ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, monospace'
    ctx.textBaseline = 'middle'
    const focusChain = chainIds.size > 0
    if (chart !== undefined && points !== undefined) {
      drawResultChart(ctx, chart, points, { width, x: (t) => x(t), faint: (item) => focusChain && !chainIds.has(item.id), selectedId: selected?.id })
    }
    for (const mark of layout.marks) if (chart === undefined || mark.lane !== 'results') drawMark(ctx, mark, focusChain)
    if (selected !== undefined) drawLinks(ctx)
    const outline = (mark: TimelineMark | undefined, color: string, lineWidth: number): void => {
      if (mark === undefined) return
      ctx.strokeStyle = color
      ctx.lineWidth = lineWidth
      ctx.strokeRect(Math.max(mark.x0, -2) - 2, mark.y0 - 2, Math.min(mark.x1, width + 2) - Math.max(mark.x0, -2) + 4, mark.y1 - mark.y0 + 4)
      ctx.lineWidth = 1
    }
    outline(hovered, '#0b5cad', 2)
    if (document.activeElement === listboxEl) outline(active, COLORS.focus, 3)
    axisG.call(axisTop(x).ticks(Math.max(2, Math.floor(width / 100))).tickSizeOuter(0))
    performance.measure('timeline.frame', { start: started, end: performance.now() })
  }

  function drawMark(ctx: CanvasRenderingContext2D, mark: TimelineMark, focusChain: boolean): void {
    const x0 = Math.max(mark.x0, -2)
    const x1 = Math.min(mark.x1, width + 2)
    const h = mark.y1 - mark.y0
    if (mark.kind === 'aggregate') {
      const broken = mark.items.some((i) => i.verdict === 'broken')
      ctx.fillStyle = broken ? COLORS.broken : '#334155'
      ctx.globalAlpha = focusChain ? 0.25 : 1
      ctx.fillRect(x0, mark.y0 + 2, x1 - x0, h - 4)
      ctx.globalAlpha = 1
      if (x1 - x0 > 22) {
        ctx.fillStyle = '#fff'
        ctx.fillText(`${mark.items.length}`, x0 + 3, mark.y0 + h / 2)
      }
      return
    }
    const { item } = mark
    const inChain = chainIds.has(item.id)
    const color = itemColor(item)
    ctx.globalAlpha = focusChain && !inChain ? 0.22 : 1
    if (item.state === 'resolved') {
      // Resolved: hollow, so state shows without colour.
      ctx.fillStyle = '#fff'
      ctx.fillRect(x0, mark.y0, x1 - x0, h)
      ctx.strokeStyle = color
      ctx.lineWidth = 1.5
      ctx.strokeRect(x0 + 0.75, mark.y0 + 0.75, x1 - x0 - 1.5, h - 1.5)
      ctx.lineWidth = 1
    } else {
      ctx.fillStyle = color
      ctx.fillRect(x0, mark.y0, x1 - x0, h)
      if (item.end === Infinity && mark.x1 <= width) {
        // Ongoing: an arrow head at "now".
        ctx.beginPath()
        ctx.moveTo(mark.x1, mark.y0 - 1)
        ctx.lineTo(mark.x1 + 6, mark.y0 + h / 2)
        ctx.lineTo(mark.x1, mark.y1 + 1)
        ctx.fill()
      }
    }
    if (item.verdict === 'unanchored') {
      ctx.strokeStyle = '#0f172a'
      ctx.setLineDash([2, 2])
      ctx.strokeRect(x0 + 0.5, mark.y0 + 0.5, x1 - x0 - 1, h - 1)
      ctx.setLineDash([])
    }
    if (item.verdict === 'broken') {
      ctx.strokeStyle = COLORS.broken
      ctx.lineWidth = 3
      ctx.strokeRect(x0 - 2, mark.y0 - 2, x1 - x0 + 4, h + 4)
      ctx.lineWidth = 1
    }
    const textWidth = x1 - x0
    if (textWidth > 18) {
      const light = item.state !== 'resolved'
      ctx.fillStyle = light ? '#fff' : COLORS.text
      const prefix = item.verdict === 'broken' ? '✕ ' : ''
      const hash = shortHash(item.block.entryHash)
      const text = textWidth > 250 ? `${prefix}${hash} · ${item.label}` : textWidth > 64 ? `${prefix}${hash}` : prefix === '' ? '' : '✕'
      if (text !== '') {
        ctx.save()
        ctx.beginPath()
        ctx.rect(x0, mark.y0, x1 - x0, h)
        ctx.clip()
        ctx.fillText(text, Math.max(x0, 0) + 3, mark.y0 + h / 2 + 0.5)
        ctx.restore()
      }
    }
    ctx.globalAlpha = 1
  }

  /** The selected block's links: to the blocks it follows (hash links) and along its diagnostic chain. */
  function drawLinks(ctx: CanvasRenderingContext2D): void {
    if (layout === undefined || model === undefined || selected === undefined) return
    const centers = new Map<string, [number, number]>()
    // A bar's links leave from its start (the diagnosis date), not the middle of what is in view.
    const anchor = (mark: TimelineMark): [number, number] => (mark.x1 - mark.x0 > 16 && mark.x0 >= 0 ? [mark.x0 + 4, (mark.y0 + mark.y1) / 2] : markCenter(mark))
    for (const mark of layout.marks) {
      if (mark.kind === 'item') centers.set(mark.item.id, anchor(mark))
      else for (const item of mark.items) centers.set(item.id, markCenter(mark))
    }
    const curve = (a: [number, number], b: [number, number]): void => {
      ctx.beginPath()
      ctx.moveTo(a[0], a[1])
      const mid = (a[0] + b[0]) / 2
      ctx.bezierCurveTo(mid, a[1], mid, b[1], b[0], b[1])
      ctx.stroke()
    }
    ctx.strokeStyle = COLORS.chain
    ctx.lineWidth = 2
    for (const index of selected.chains) {
      for (const link of model.chains[index]?.links ?? []) {
        const a = centers.get(link.from)
        const b = centers.get(link.to)
        if (a !== undefined && b !== undefined) curve(a, b)
      }
    }
    // Hash links: the blocks this one follows in the log, wherever their records sit.
    const from = centers.get(selected.id)
    if (from !== undefined) {
      ctx.strokeStyle = '#0f172a'
      ctx.setLineDash([4, 3])
      ctx.lineWidth = 1.5
      const byHash = new Map(model.items.map((item) => [item.block.entryHash, item]))
      for (const hash of selected.block.previous) {
        const target = byHash.get(hash)
        const to = target === undefined ? undefined : centers.get(target.id)
        if (to !== undefined) curve(from, to)
      }
      ctx.setLineDash([])
    }
    ctx.lineWidth = 1
  }

  function ensureTree(): void {
    if (tree !== undefined || layout === undefined) return
    tree = quadtree<TimelineMark>()
      .x((m) => markCenter(m)[0])
      .y((m) => markCenter(m)[1])
      .addAll(layout.marks)
  }

  function hit(px: number, py: number): TimelineMark | undefined {
    ensureTree()
    const inside = (m: TimelineMark): boolean => px >= m.x0 - 2 && px <= m.x1 + 2 && py >= m.y0 - 2 && py <= m.y1 + 2
    const near = tree?.find(px, py, 14)
    if (near !== undefined && inside(near)) return near
    return wide.find(inside)
  }

  /** A charted value is read as the value of its series (a blood pressure's systolic), not as its whole record. */
  function describe(mark: TimelineMark, now: number): string {
    const at = mark.kind === 'item' && mark.lane === 'results' ? chart?.byItem.get(mark.item.id) : undefined
    if (at === undefined || chart === undefined) return describeMark(mark, now)
    return `${describePoint(chart.series, at.point)}, ${at.item.typeName}, block ${shortHash(at.item.block.entryHash)} ${at.item.verdict}`
  }

  function setActive(mark: TimelineMark | undefined): void {
    active = mark
    if (mark === undefined || model === undefined) {
      option.text('No record here at this zoom').attr('aria-selected', 'false')
      listbox.attr('aria-activedescendant', null)
    } else {
      const isSelected = mark.kind === 'item' && mark.item.id === selected?.id
      option.text(`${describe(mark, model.now)}${isSelected ? ', selected' : ''}`).attr('aria-selected', String(isSelected))
      listbox.attr('aria-activedescendant', option.attr('id'))
    }
    requestDraw()
  }

  function marksInLane(lane: LaneId): TimelineMark[] {
    return (layout?.marks ?? []).filter((m) => m.lane === lane && m.x1 >= 0 && m.x0 <= width).sort((a, b) => a.x0 - b.x0 || a.row - b.row)
  }

  function activate(mark: TimelineMark): void {
    if (mark.kind === 'aggregate') {
      const first = mark.items[0]
      const last = mark.items[mark.items.length - 1]
      if (first !== undefined && last !== undefined) {
        const pad = Math.max((last.start - first.start) * 0.15, 12 * HOUR)
        zoomTo([first.start - pad, last.start + pad], 500)
      }
      return
    }
    selectItem(mark.item.id === selected?.id ? undefined : mark.item, true)
  }

  function selectItem(item: TimelineItem | undefined, notify: boolean): void {
    selected = item
    chainIds = new Set()
    if (item !== undefined && model !== undefined) for (const index of item.chains) for (const { item: member } of chainItems(model, index)) chainIds.add(member.id)
    if (item !== undefined) chainIds.add(item.id)
    if (item === undefined) chainIds = new Set()
    if (notify) callbacks.onSelect?.(item)
    if (active !== undefined) setActive(active)
    requestDraw()
  }

  function zoomTo([from, to]: [number, number], duration = 600): void {
    const span = Math.max(to - from, MIN_SPAN)
    const [d0, d1] = base.domain().map(Number) as [number, number]
    const k = Math.max(1, (d1 - d0) / span)
    const tx = -base(new Date(from)) * k
    const target = zoomIdentity.translate(Math.min(0, tx), 0).scale(k)
    if (duration <= 0) listbox.call((sel) => zoom.transform(sel, target))
    else listbox.transition().duration(duration).call((t) => zoom.transform(t, target))
  }

  listbox
    .on('pointermove', (event: PointerEvent) => {
      const [px, py] = pointer(event, listboxEl)
      const mark = hit(px, py)
      if (mark !== hovered) {
        hovered = mark
        listbox.style('cursor', mark === undefined ? 'grab' : 'pointer')
        listbox.attr('title', mark === undefined || model === undefined ? null : describe(mark, model.now))
        requestDraw()
      }
    })
    .on('pointerleave', () => {
      hovered = undefined
      requestDraw()
    })
    .on('click', (event: MouseEvent) => {
      const [px, py] = pointer(event, listboxEl)
      const mark = hit(px, py)
      if (mark === undefined) return
      setActive(mark)
      activate(mark)
    })
    .on('focus', () => {
      if (active === undefined) {
        const first = layout?.marks.find((m) => m.x1 >= 0 && m.x0 <= width)
        setActive(first)
      } else requestDraw()
    })
    .on('blur', () => requestDraw())
    .on('keydown', (event: KeyboardEvent) => {
      if (model === undefined || layout === undefined) return
      const current = active
      const laneIndex = LANES.findIndex((l) => l.id === (current?.lane ?? LANES[0].id))
      let next: TimelineMark | undefined
      switch (event.key) {
        case 'ArrowRight':
        case 'ArrowLeft': {
          const marks = marksInLane(current?.lane ?? LANES[0].id)
          const i = current === undefined ? -1 : marks.indexOf(current)
          next = marks[Math.max(0, Math.min(marks.length - 1, i + (event.key === 'ArrowRight' ? 1 : -1)))]
          break
        }
        case 'ArrowDown':
        case 'ArrowUp': {
          const step = event.key === 'ArrowDown' ? 1 : -1
          for (let l = laneIndex + step; l >= 0 && l < LANES.length && next === undefined; l += step) {
            const lane = LANES[l]
            if (lane === undefined) break
            const marks = marksInLane(lane.id)
            const cx = current === undefined ? width / 2 : markCenter(current)[0]
            next = marks.reduce<TimelineMark | undefined>((best, m) => (best === undefined || Math.abs(markCenter(m)[0] - cx) < Math.abs(markCenter(best)[0] - cx) ? m : best), undefined)
          }
          break
        }
        case 'Enter':
        case ' ':
          if (current !== undefined) activate(current)
          event.preventDefault()
          return
        case '+':
        case '=':
        case '-': {
          const [v0, v1] = x.domain().map(Number) as [number, number]
          const centre = current === undefined ? (v0 + v1) / 2 : current.kind === 'item' ? current.item.start : (v0 + v1) / 2
          const factor = event.key === '-' ? 2 : 0.5
          zoomTo([centre - ((v1 - v0) * factor) / 2, centre + ((v1 - v0) * factor) / 2], 250)
          event.preventDefault()
          return
        }
        case 'Escape':
          selectItem(undefined, true)
          return
        default:
          return
      }
      event.preventDefault()
      if (next !== undefined) setActive(next)
    })

  const resizeObserver = new ResizeObserver((entries) => {
    const box = entries.at(-1)?.contentRect
    if (box !== undefined) observedWidth = Math.round(box.width)
    resize()
  })
  resizeObserver.observe(stage.node() as HTMLDivElement)

  return {
    setModel(next) {
      model = next
      series = resultSeries(next.items).series
      resolveChart()
      fillLanes()
      const [from, to] = next.extent
      const pad = (to - from) * 0.02
      width = stageWidth()
      base = scaleTime().domain([from - pad, to + pad]).range([0, width])
      x = base.copy()
      // The zoom's extent given, so that resetting it does not measure the element.
      zoom.extent([
        [0, 0],
        [width, height]
      ])
      listbox.call((sel) => zoom.transform(sel, zoomIdentity))
      zoom.scaleExtent([1, Math.max(1, (to - from) / MIN_SPAN)])
      // A stage not measured yet is sized and drawn by the observer's first report, which comes in
      // the frame that first lays it out, before that frame is painted (never, while it is hidden).
      if (observedWidth !== undefined) resize()
    },
    setFilter(ids) {
      filter = ids
      fillLanes()
      active = undefined
      requestDraw()
    },
    select(id, options = {}) {
      const item = id === undefined ? undefined : model?.byId.get(id)
      selectItem(item, false)
      if (item !== undefined && model !== undefined && options.reveal === true) {
        const members = item.chains.flatMap((index) => chainItems(model as TimelineModel, index).map((m) => m.item))
        const span = [item, ...members]
        const from = Math.min(...span.map((m) => m.start))
        const to = Math.max(...span.map((m) => (m.end === Infinity ? Math.min(model?.now ?? m.start, m.start + 365 * 86_400_000) : m.end)))
        const pad = Math.max((to - from) * 0.12, 3 * 86_400_000)
        zoomTo([from - pad, to + pad], 600)
        setTimeout(() => {
          const mark = layout?.marks.find((m) => m.kind === 'item' && m.item.id === item.id)
          if (mark !== undefined) setActive(mark)
        }, 700)
      }
    },
    zoomTo,
    range: () => x.domain().map(Number) as [number, number],
    showSeries(key) {
      if (key === seriesKey) return
      seriesKey = key
      resolveChart()
      fillLanes()
      // The Results lane's marks change shape and place: what was hovered or in focus there is gone.
      if (active?.lane === 'results') setActive(undefined)
      hovered = undefined
      resize()
    },
    destroy() {
      resizeObserver.disconnect()
      if (frame !== 0) cancelAnimationFrame(frame)
      if (rangeTimer !== undefined) clearTimeout(rangeTimer)
      listbox.on('.zoom', null)
      container.innerHTML = ''
    }
  }
}

