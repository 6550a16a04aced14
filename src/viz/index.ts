// src/viz: the history drawn. Pure models and layouts (testable without a page), the
// D3 renderers that mount them into an element, and the demo patient's log of blocks.
export { shortHash, type HistoryBlock } from './historyBlock.ts'
export { demoLog, type DemoLog, type DemoLogOptions } from './demoLog.ts'
export { buildTimelineModel, chainItems, LANES, type LaneId, type TimelineItem, type TimelineModel } from './timelineModel.ts'
export { layoutTimeline, laneBoxes, type Mark, type TimelineLayout } from './timelineLayout.ts'
export { recordLabel, recordState, recordTypeName, type RecordState } from './recordLabel.ts'
export { locateBodySite, SNOMED_SITES, SNOMED_PARENTS, type SiteLocation } from './bodySiteMapping.ts'
export { REGIONS, REGION_BY_ID, ancestry, childrenOf, isOnFigure, type Figure, type Region } from './bodyMapRegions.ts'
export { summarizeBodyMap, regionLabel, regionsOfItem, type BodyMapSummary, type RegionSummary } from './bodyMapModel.ts'
export { createTimeline, describeMark, type TimelineHandle } from './timelineRenderer.ts'
export {
  describePoint,
  describeSeries,
  formatRange,
  formatValue,
  resultSeries,
  type Interpretation,
  type ReferenceRange,
  type ResultPoint,
  type ResultSeries,
  type ResultSeriesSet
} from './resultSeries.ts'
export { createBodyMap, type BodyMapHandle, type BodyMapOptions } from './bodyMapRenderer.ts'
