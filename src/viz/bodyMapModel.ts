// Which records sit in which region of the body map, counted up the tree (the left
// knee's records also count for the left leg and the whole body), with the names
// screen readers announce: "Left knee, 2 conditions, 1 active". A record whose region the
// shown figure lacks (a prostate on the female figure) goes to the tray, never lost.
import { locateBodySite } from './bodySiteMapping.ts'
import { ancestry, isOnFigure, PAIRED_BASES, REGION_BY_ID, REGIONS, type Figure, type Region } from './bodyMapRegions.ts'
import type { TimelineItem } from './timelineModel.ts'

export interface RegionSummary {
  region: Region
  /** Records placed here or in a region below, each once. */
  items: TimelineItem[]
  conditions: number
  activeConditions: number
  /** Records still going on: active conditions, allergies and medicines. */
  active: number
}

export interface BodyMapSummary {
  /** The regions of the figure summarized, by id. */
  regions: Map<string, RegionSummary>
  /** Sites no row of the mapping could place, or placed in a region the figure lacks: shown in the "whole body / unlocated" tray. */
  unlocated: TimelineItem[]
  /** Paired sites recorded without a side ("knee" but not which): listed by region, never guessed. */
  sideNotRecorded: Map<string, TimelineItem[]>
  /** Records with no coded body site at all (most results, medicines): the map does not show them. */
  withoutSite: number
}

/** The map's region ids a record's sites land in on the figure (both sides for a bilateral site). */
export function regionsOfItem(item: TimelineItem, figure: Figure = 'male'): { regions: string[]; unlocated: boolean; sideNotRecorded: string[] } {
  const regions = new Set<string>()
  const sideNotRecorded = new Set<string>()
  let unlocated = false
  for (const site of item.sites) {
    const location = locateBodySite(site)
    if (location.via === 'unlocated' || (!REGION_BY_ID.has(location.region) && !PAIRED_BASES.has(location.region))) {
      unlocated = true
      continue
    }
    const sided = location.laterality === 'left' || location.laterality === 'right' ? `${location.region}-${location.laterality}` : location.region
    if (!isOnFigure(PAIRED_BASES.has(location.region) ? sided : location.region, figure)) {
      unlocated = true
      continue
    }
    if (!PAIRED_BASES.has(location.region)) regions.add(location.region)
    else if (location.laterality === 'left' || location.laterality === 'right') regions.add(`${location.region}-${location.laterality}`)
    else if (location.laterality === 'bilateral') {
      regions.add(`${location.region}-left`)
      regions.add(`${location.region}-right`)
    } else sideNotRecorded.add(location.region)
  }
  return { regions: [...regions], unlocated, sideNotRecorded: [...sideNotRecorded] }
}

/** Counts the records of `items` per region of the figure. */
export function summarizeBodyMap(items: readonly TimelineItem[], figure: Figure = 'male'): BodyMapSummary {
  const placed = new Map<string, Set<TimelineItem>>()
  const unlocated: TimelineItem[] = []
  const sideNotRecorded = new Map<string, TimelineItem[]>()
  let withoutSite = 0
  for (const item of items) {
    if (item.sites.length === 0) {
      withoutSite += 1
      continue
    }
    const where = regionsOfItem(item, figure)
    if (where.unlocated) unlocated.push(item)
    for (const base of where.sideNotRecorded) sideNotRecorded.set(base, [...(sideNotRecorded.get(base) ?? []), item])
    for (const id of where.regions) for (const region of ancestry(id)) placed.set(region.id, (placed.get(region.id) ?? new Set()).add(item))
  }
  const regions = new Map<string, RegionSummary>()
  for (const region of REGIONS) {
    if (!region.figures.includes(figure)) continue
    const here = [...(placed.get(region.id) ?? [])].sort((a, b) => a.start - b.start)
    const conditions = here.filter((item) => item.entry.record.resourceType === 'Condition')
    regions.set(region.id, {
      region,
      items: here,
      conditions: conditions.length,
      activeConditions: conditions.filter((item) => item.state === 'active').length,
      active: here.filter((item) => item.state === 'active').length
    })
  }
  return { regions, unlocated, sideNotRecorded, withoutSite }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** "Left knee, 2 conditions, 1 active, 12 other records": what a region holds, in words. */
export function regionLabel(summary: RegionSummary): string {
  const { region, items, conditions, activeConditions } = summary
  if (items.length === 0) return `${region.name}, no records`
  const parts = [region.name]
  if (conditions > 0) parts.push(plural(conditions, 'condition'), `${activeConditions} active`)
  const others = items.length - conditions
  if (others > 0) parts.push(conditions > 0 ? plural(others, 'other record') : plural(others, 'record'))
  return parts.join(', ')
}
