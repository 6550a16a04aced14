// The body map, drawn in SVG: the anatomogram's figure from the front with its organs,
// the same silhouette from the back, and the surface regions over both. d3-zoom moves
// from the whole body to a part (left leg) and a region or organ (left knee, heart) with
// smooth transitions; at each level the regions one step down are buttons with names
// that say what they hold. Markers show how many records sit where, and their state.
// The figure (male or female) is chosen at creation and can be changed; regions shared by
// both keep their ids, and the regions a figure lacks are not drawn.
import { easeCubicInOut } from 'd3-ease'
import { select, type Selection } from 'd3-selection'
import 'd3-transition'
import { zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom'
import { FIGURES, SURFACE_BACK, SURFACE_FRONT } from './art/bodyArt.generated.ts'
import { regionLabel, type BodyMapSummary } from './bodyMapModel.ts'
import { BACK_OFFSET, childrenOf, MAP_HEIGHT, MAP_WIDTH, REGION_BY_ID, REGIONS, regionBox, type Figure, type Region, type ShapeRef } from './bodyMapRegions.ts'

export interface BodyMapOptions {
  /** The figure drawn: 'male' unless said. */
  figure?: Figure
  /** The user entered a region (click or Enter): the map zooms there and the timeline filters to it. */
  onEnter?: (regionId: string) => void
  /** Hover or focus moved to a region, or off all regions. */
  onPreview?: (regionId: string | undefined) => void
}

export interface BodyMapHandle {
  /** The summary should be of the figure shown (summarizeBodyMap(items, figure)). */
  setSummary(summary: BodyMapSummary): void
  /** Redraws the map as the other figure, staying in the region shown if that figure has it, else going to the whole body. */
  setFigure(figure: Figure): void
  figure(): Figure
  /** Zooms to a region (the whole body when 'body'); resolves when the transition ends. */
  zoomTo(regionId: string, duration?: number): Promise<void>
  focusRegion(regionId: string): void
  current(): string
  destroy(): void
}

function polygonPoints(shape: Extract<ShapeRef, { kind: 'surface' }>): string[] {
  const source = shape.view === 'front' ? SURFACE_FRONT : SURFACE_BACK
  return source.filter((p) => p.muscle === shape.muscle && (shape.side === undefined || p.side === shape.side)).map((p) => p.points.map((pt) => pt.join(',')).join(' '))
}

/** Appends a region's shapes to `g`, each in map coordinates. */
function appendShapes(g: Selection<SVGGElement, Region, null, undefined>, region: Region, figure: Figure): void {
  for (const shape of region.shapes) {
    if (shape.kind === 'organ') {
      for (const organ of FIGURES[figure].organs[shape.uberon]?.shapes ?? []) {
        if (shape.side !== undefined && organ.side !== shape.side) continue
        g.append('path').attr('class', 'bm-shape bm-organ').attr('d', organ.d).attr('transform', `matrix(${organ.m.join(' ')})`)
      }
      continue
    }
    const holder = g.append('g').attr('transform', shape.view === 'back' ? `translate(${BACK_OFFSET},0)` : null)
    if (shape.kind === 'box') {
      const [x0, y0, x1, y1] = shape.box
      holder
        .append('rect')
        .attr('class', 'bm-shape bm-box')
        .attr('x', x0)
        .attr('y', y0)
        .attr('width', x1 - x0)
        .attr('height', y1 - y0)
        .attr('clip-path', `url(#bm-clip-${shape.view})`)
    } else {
      for (const points of polygonPoints(shape)) holder.append('polygon').attr('class', 'bm-shape bm-surface').attr('points', points)
    }
  }
}

export function createBodyMap(container: HTMLElement, options: BodyMapOptions = {}): BodyMapHandle {
  const callbacks = options
  let figure: Figure = options.figure ?? 'male'
  container.innerHTML = ''
  const svg = select(container)
    .append('svg')
    .attr('class', 'bm')
    .attr('viewBox', `-6 -14 ${MAP_WIDTH + 12} ${MAP_HEIGHT + 22}`)
    .attr('role', 'group')
  const defs = svg.append('defs')
  const world = svg.append('g').attr('class', 'bm-world')
  let regionLayer = world.append('g')
  let regionGroups = regionLayer.selectAll<SVGGElement, Region>('g.bm-region')
  let markerLayer = world.append('g')

  /** Draws the art of the current figure, replacing any drawn before. */
  function draw(): void {
    const art = FIGURES[figure]
    svg.attr('aria-label', `Body map, ${figure} figure, front and back`)
    defs.selectAll('*').remove()
    world.selectAll('*').remove()
    defs.append('clipPath').attr('id', 'bm-clip-front').append('path').attr('d', art.silhouette)
    defs.append('clipPath').attr('id', 'bm-clip-back').append('path').attr('d', art.silhouette).attr('transform', `translate(${art.width},0) scale(-1,1)`)

    // The art: silhouettes, then regions (and organs), then the anatomogram's line drawing on top.
    world.append('path').attr('class', 'bm-silhouette').attr('d', art.silhouette)
    world.append('path').attr('class', 'bm-silhouette').attr('d', art.silhouette).attr('transform', `translate(${BACK_OFFSET + art.width},0) scale(-1,1)`)
    const caption = (text: string, x: number): void => {
      world.append('text').attr('class', 'bm-caption').attr('x', x).attr('y', -5).attr('text-anchor', 'middle').text(text)
    }
    caption('Front', art.width / 2)
    caption('Back', BACK_OFFSET + art.width / 2)
    const sides = (x: number, left: boolean): void => {
      world.append('text').attr('class', 'bm-side').attr('x', x + 4).attr('y', 6).text(left ? 'Left' : 'Right')
      world.append('text').attr('class', 'bm-side').attr('x', x + art.width - 4).attr('y', 6).attr('text-anchor', 'end').text(left ? 'Right' : 'Left')
    }
    sides(0, false)
    sides(BACK_OFFSET, true)

    // Surface regions below organs, parts below their regions, so the deepest shape is on top.
    const ordered = REGIONS.filter((r) => r.id !== 'body' && r.figures.includes(figure)).sort((a, b) => (a.shapes.some((s) => s.kind === 'organ') ? 1 : 0) - (b.shapes.some((s) => s.kind === 'organ') ? 1 : 0) || a.depth - b.depth)
    regionLayer = world.append('g').attr('class', 'bm-regions')
    regionGroups = regionLayer
      .selectAll<SVGGElement, Region>('g.bm-region')
      .data(ordered, (r) => r.id)
      .join('g')
      .attr('class', (r) => `bm-region bm-depth-${r.depth}${r.shapes.some((s) => s.kind === 'organ') ? ' bm-is-organ' : ''}`)
      .attr('data-region', (r) => r.id)
    regionGroups.each(function (region) {
      appendShapes(select<SVGGElement, Region>(this), region, figure)
    })
    world.append('path').attr('class', 'bm-outline').attr('d', art.outline)
    world.append('path').attr('class', 'bm-outline-back').attr('d', art.silhouette).attr('transform', `translate(${BACK_OFFSET + art.width},0) scale(-1,1)`)
    markerLayer = world.append('g').attr('class', 'bm-markers').attr('aria-hidden', 'true')
    bindEvents()
  }

  let focus = 'body'
  let summary: BodyMapSummary | undefined
  let scale = 1

  const svgEl = svg.node() as SVGSVGElement
  const zoom: ZoomBehavior<SVGSVGElement, unknown> = d3zoom<SVGSVGElement, unknown>()
    .scaleExtent([1, 14])
    .filter((event: Event) => event.type === 'wheel' || event.type.startsWith('touch') || (event.type === 'mousedown' && (event as MouseEvent).button === 0 && (event as MouseEvent).shiftKey))
    .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => {
      const started = performance.now()
      world.attr('transform', event.transform.toString())
      scale = event.transform.k
      markerLayer.selectAll<SVGGElement, unknown>('g.bm-marker').attr('transform', function () {
        return `translate(${this.dataset.x ?? 0},${this.dataset.y ?? 0}) scale(${1 / scale})`
      })
      performance.measure('bodymap.frame', { start: started, end: performance.now() })
    })
  svg.call(zoom)

  function refresh(): void {
    const focusRegion = REGION_BY_ID.get(focus)
    const leaf = focusRegion !== undefined && childrenOf(focus, figure).length === 0
    // At a leaf (the left knee) its siblings stay reachable, so one can step along the leg.
    const parentOfButtons = leaf ? focusRegion.parent : focus
    regionGroups.each(function (region) {
      const g = select(this)
      const isButton = region.parent === parentOfButtons
      const here = summary?.regions.get(region.id)
      const count = here?.items.length ?? 0
      g.classed('bm-button', isButton)
        .classed('bm-has-records', count > 0)
        .classed('bm-has-active', (here?.active ?? 0) > 0)
        .classed('bm-current', region.id === focus)
        .classed('bm-context', !isButton)
        .attr('role', isButton ? 'button' : null)
        .attr('tabindex', isButton ? 0 : -1)
        .attr('aria-label', isButton ? (here === undefined ? region.name : regionLabel(here)) : null)
        .attr('aria-pressed', isButton ? String(region.id === focus) : null)
        .attr('aria-hidden', isButton ? null : 'true')
    })
    drawMarkers(parentOfButtons ?? 'body')
  }

  function drawMarkers(parentId: string): void {
    const shown = childrenOf(parentId, figure)
      .map((region) => ({ region, here: summary?.regions.get(region.id) }))
      .filter((d) => (d.here?.items.length ?? 0) > 0)
    const markers = markerLayer
      .selectAll<SVGGElement, (typeof shown)[number]>('g.bm-marker')
      .data(shown, (d) => d.region.id)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'bm-marker')
        g.append('circle').attr('r', 7)
        g.append('text').attr('text-anchor', 'middle').attr('dy', '0.35em')
        return g
      })
    markers.each(function (d) {
      const [x0, y0, x1, y1] = regionBox(d.region.id, figure)
      this.dataset.x = String((x0 + x1) / 2)
      this.dataset.y = String((y0 + y1) / 2)
    })
    markers
      .attr('transform', function () {
        return `translate(${this.dataset.x ?? 0},${this.dataset.y ?? 0}) scale(${1 / scale})`
      })
      .classed('bm-marker-active', (d) => (d.here?.active ?? 0) > 0)
    markers.select('text').text((d) => String(d.here?.items.length ?? 0))
  }

  function transformFor(regionId: string): ZoomTransform {
    if (regionId === 'body') return zoomIdentity
    const [x0, y0, x1, y1] = regionBox(regionId, figure)
    const { width, height } = svgEl.viewBox.baseVal
    // A region with parts fills the view; a leaf (a knee, the heart) keeps its neighbours in sight.
    const pad = childrenOf(regionId, figure).length > 0 ? 0.18 : 0.9
    const k = Math.min(14, Math.max(1, Math.min(width / ((x1 - x0) * (1 + 2 * pad)), height / ((y1 - y0) * (1 + 2 * pad)))))
    const cx = (x0 + x1) / 2
    const cy = (y0 + y1) / 2
    const vx = svgEl.viewBox.baseVal.x + width / 2
    const vy = svgEl.viewBox.baseVal.y + height / 2
    return zoomIdentity.translate(vx - cx * k, vy - cy * k).scale(k)
  }

  function zoomTo(regionId: string, duration = 750): Promise<void> {
    focus = REGION_BY_ID.get(regionId)?.figures.includes(figure) === true ? regionId : 'body'
    refresh()
    const target = transformFor(focus)
    if (duration <= 0) {
      svg.call((sel) => zoom.transform(sel, target))
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      svg
        .transition()
        .duration(duration)
        .ease(easeCubicInOut)
        .call((t) => zoom.transform(t, target))
        .on('end interrupt', () => resolve())
    })
  }

  function bindEvents(): void {
    regionGroups
      .on('click', (event: MouseEvent, region) => {
        if (!select(event.currentTarget as SVGGElement).classed('bm-button')) return
        callbacks.onEnter?.(region.id)
      })
      .on('keydown', (event: KeyboardEvent, region) => {
        if (event.key !== 'Enter' && event.key !== ' ') return
        event.preventDefault()
        callbacks.onEnter?.(region.id)
      })
      .on('pointerenter focus', (_event: Event, region) => {
        callbacks.onPreview?.(region.id)
      })
      .on('pointerleave blur', () => callbacks.onPreview?.(undefined))
  }

  draw()
  refresh()
  return {
    setSummary(next) {
      summary = next
      refresh()
    },
    setFigure(next) {
      if (next === figure) return
      figure = next
      // The zoom transform sits on the world group itself, so the view stays where it was.
      draw()
      if (REGION_BY_ID.get(focus)?.figures.includes(figure) !== true) void zoomTo('body', 0)
      else refresh()
    },
    figure: () => figure,
    zoomTo,
    focusRegion(regionId) {
      ;(regionLayer.select<SVGGElement>(`g[data-region="${regionId}"]`).node())?.focus()
    },
    current: () => focus,
    destroy() {
      svg.interrupt()
      svg.on('.zoom', null)
      container.innerHTML = ''
    }
  }
}
