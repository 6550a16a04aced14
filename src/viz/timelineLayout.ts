// Where the timeline's marks go at one zoom: lanes stacked top to bottom, and in each
// lane rows packed first-fit so no two marks overlap. When a lane is too dense for its
// rows at this zoom (decades on one screen), the marks that do not fit merge into
// aggregate marks on the lane's last row, which open up into records as you zoom in.
import type { LaneId } from './timelineModel.ts'

export interface LayoutItem {
  index: number
  lane: LaneId
  start: number
  end: number
}

export interface LaneSpec {
  id: LaneId
  rows: number
}

export interface LaneBox {
  id: LaneId
  y0: number
  y1: number
  rows: number
}

interface MarkBase {
  lane: LaneId
  row: number
  x0: number
  x1: number
  y0: number
  y1: number
}
export interface ItemMark<T> extends MarkBase {
  kind: 'item'
  item: T
}
export interface AggregateMark<T> extends MarkBase {
  kind: 'aggregate'
  items: T[]
}
export type Mark<T> = ItemMark<T> | AggregateMark<T>

export interface LayoutOptions {
  /** Time (ms) → x (px). */
  x: (time: number) => number
  /** The visible x range; marks wholly outside it are left out. */
  left: number
  right: number
  /** Where ongoing bars (end = Infinity) end. */
  now: number
  /** Narrowest mark, so a point event stays visible and clickable. */
  minWidth?: number
  /** Space between two marks on one row. */
  gap?: number
  rowHeight?: number
  rowGap?: number
  laneGap?: number
  top?: number
}

export interface TimelineLayout<T> {
  lanes: LaneBox[]
  marks: Mark<T>[]
  height: number
}

/** The lanes' vertical boxes: they depend only on the lane specs, so lanes never jump while zooming. */
export function laneBoxes(lanes: readonly LaneSpec[], options: Pick<LayoutOptions, 'rowHeight' | 'rowGap' | 'laneGap' | 'top'> = {}): LaneBox[] {
  const rowHeight = options.rowHeight ?? 14
  const rowGap = options.rowGap ?? 3
  const laneGap = options.laneGap ?? 10
  let y = options.top ?? 0
  return lanes.map((lane) => {
    const y0 = y
    const y1 = y0 + lane.rows * rowHeight + (lane.rows - 1) * rowGap
    y = y1 + laneGap
    return { id: lane.id, y0, y1, rows: lane.rows }
  })
}

interface Placed<T> {
  item: T
  x0: number
  x1: number
}

/** First-fit into `rows` rows; what does not fit is returned as overflow. */
function pack<T>(placed: readonly Placed<T>[], rows: number, gap: number): { rowsOf: Placed<T>[][]; overflow: Placed<T>[] } {
  const rowsOf: Placed<T>[][] = Array.from({ length: rows }, () => [])
  const rowEnd: number[] = new Array<number>(rows).fill(-Infinity)
  const overflow: Placed<T>[] = []
  for (const p of placed) {
    let row = -1
    for (let r = 0; r < rows; r++) {
      if ((rowEnd[r] ?? Infinity) + gap <= p.x0) {
        row = r
        break
      }
    }
    if (row < 0) overflow.push(p)
    else {
      rowsOf[row]?.push(p)
      rowEnd[row] = p.x1
    }
  }
  return { rowsOf, overflow }
}

/** Lays out `items` (each lane's items sorted by start) for one zoom. */
export function layoutTimeline<T extends LayoutItem>(itemsByLane: ReadonlyMap<LaneId, readonly T[]>, lanes: readonly LaneSpec[], options: LayoutOptions): TimelineLayout<T> {
  const minWidth = options.minWidth ?? 6
  const gap = options.gap ?? 2
  const rowHeight = options.rowHeight ?? 14
  const rowGap = options.rowGap ?? 3
  const boxes = laneBoxes(lanes, options)
  const marks: Mark<T>[] = []
  for (const box of boxes) {
    const items = itemsByLane.get(box.id) ?? []
    const placed: Placed<T>[] = []
    for (const item of items) {
      const x0 = options.x(item.start)
      if (x0 > options.right) break
      const x1 = Math.max(options.x(item.end === Infinity ? Math.max(options.now, item.start) : item.end), x0 + minWidth)
      if (x1 < options.left) continue
      placed.push({ item, x0, x1 })
    }
    const yOf = (row: number): [number, number] => [box.y0 + row * (rowHeight + rowGap), box.y0 + row * (rowHeight + rowGap) + rowHeight]
    let { rowsOf, overflow } = pack(placed, box.rows, gap)
    if (overflow.length > 0 && box.rows > 1) ({ rowsOf, overflow } = pack(placed, box.rows - 1, gap))
    rowsOf.forEach((row, r) => {
      const [y0, y1] = yOf(r)
      for (const p of row) marks.push({ kind: 'item', item: p.item, lane: box.id, row: r, x0: p.x0, x1: p.x1, y0, y1 })
    })
    if (overflow.length > 0) {
      const row = box.rows === 1 ? 0 : box.rows - 1
      const [y0, y1] = yOf(row)
      // A single-row lane that overflows aggregates everything, so nothing overlaps.
      const pool = box.rows === 1 ? placed : overflow
      if (box.rows === 1) for (let i = marks.length - 1; i >= 0 && marks[i]?.lane === box.id; i--) marks.splice(i, 1)
      const sorted = [...pool].sort((a, b) => a.x0 - b.x0)
      let current: AggregateMark<T> | undefined
      for (const p of sorted) {
        if (current !== undefined && p.x0 <= current.x1 + gap) {
          current.items.push(p.item)
          current.x1 = Math.max(current.x1, p.x1)
        } else {
          current = { kind: 'aggregate', items: [p.item], lane: box.id, row, x0: p.x0, x1: p.x1, y0, y1 }
          marks.push(current)
        }
      }
    }
  }
  // An aggregate of one is just that record, on a row no other item uses.
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i]
    const [only] = mark?.kind === 'aggregate' && mark.items.length === 1 ? mark.items : []
    if (mark !== undefined && only !== undefined) marks[i] = { kind: 'item', item: only, lane: mark.lane, row: mark.row, x0: mark.x0, x1: mark.x1, y0: mark.y0, y1: mark.y1 }
  }
  const last = boxes[boxes.length - 1]
  return { lanes: boxes, marks, height: last === undefined ? 0 : last.y1 }
}
