// From the log's blocks to what the timeline draws: one item per record (its latest
// version) in its lane, with its span, state, block hash and verdict, the diagnostic
// chains it belongs to, and the blocks that could not be read.
import {
  bodySitesOf,
  buildDiagnosticChains,
  entryKey,
  entryPeriod,
  isEnteredInError,
  recordVersions,
  type Address,
  type BodySite,
  type DiagnosticChain,
  type HistoryEntry,
  type RecordType,
  type RefusedCorrection,
  type Verdict
} from '../history/index.ts'
import type { HistoryBlock } from './historyBlock.ts'
import { recordLabel, recordState, recordTypeName, type RecordState } from './recordLabel.ts'

export const LANES = [
  { id: 'conditions', label: 'Conditions', types: ['Condition'], rows: 4 },
  { id: 'medications', label: 'Medicines', types: ['MedicationStatement', 'MedicationRequest'], rows: 4 },
  { id: 'allergies', label: 'Allergies', types: ['AllergyIntolerance'], rows: 1 },
  { id: 'procedures', label: 'Procedures', types: ['Procedure'], rows: 2 },
  { id: 'immunizations', label: 'Immunizations', types: ['Immunization'], rows: 2 },
  { id: 'results', label: 'Results', types: ['Observation'], rows: 3 },
  { id: 'reports', label: 'Reports and files', types: ['DiagnosticReport', 'DocumentReference', 'Media'], rows: 2 },
  { id: 'visits', label: 'Visits, requests, outcomes', types: ['Encounter', 'ServiceRequest', 'ClinicalImpression'], rows: 3 },
  { id: 'family', label: 'Family history', types: ['FamilyMemberHistory'], rows: 1 }
] as const satisfies readonly { id: string; label: string; types: readonly RecordType[]; rows: number }[]

export type LaneId = (typeof LANES)[number]['id']
export type Lane = (typeof LANES)[number]

const LANE_OF_TYPE = new Map<RecordType, LaneId>(LANES.flatMap((lane) => lane.types.map((type): [RecordType, LaneId] => [type, lane.id])))

const VERDICT_RANK: Record<Verdict, number> = { verified: 0, unanchored: 1, broken: 2 }

export interface TimelineItem {
  /** Position in `TimelineModel.items`. */
  index: number
  /** Entry key (writer and entry id, history's entryKey) of the version shown (the latest): unique, where entry ids alone may be copied. */
  id: string
  entry: HistoryEntry
  /** The block of the version shown. */
  block: HistoryBlock
  /** The worst verdict over every version of the record: an altered earlier version still shows. */
  verdict: Verdict
  lane: LaneId
  start: number
  /** Infinity while it goes on. */
  end: number
  label: string
  typeName: string
  state: RecordState
  sites: BodySite[]
  /** Indexes into `TimelineModel.chains`. */
  chains: number[]
  /** Every version, oldest first (one for a record never corrected). */
  trail: HistoryEntry[]
  /** Corrections of this record that were ignored: by someone other than its first author or the patient, or changing its type or id. */
  refused: RefusedCorrection[]
  /** Set when the record is a conflicting copy: it carries an id that names this writer's record (the patient's, when theirs is among them). */
  copyOf?: Address
}

export interface TimelineModel {
  /** Sorted by start, then by lane. */
  items: TimelineItem[]
  byId: Map<string, TimelineItem>
  chains: DiagnosticChain[]
  /** Blocks without a readable entry: drawn in the chain of blocks only. */
  unreadable: HistoryBlock[]
  blocks: readonly HistoryBlock[]
  /** Blocks that failed verification. */
  broken: HistoryBlock[]
  /** The span of the records, for the overview and the first view. */
  extent: [number, number]
  now: number
}

export interface TimelineModelOptions {
  patient?: Address
  /** The present, where ongoing bars end. Default: Date.now(). */
  now?: number
}

/** Builds the timeline's model from the log's blocks. */
export function buildTimelineModel(blocks: readonly HistoryBlock[], options: TimelineModelOptions = {}): TimelineModel {
  const now = options.now ?? Date.now()
  const amendment = options.patient === undefined ? {} : { patient: options.patient }
  const blockOf = new Map<string, HistoryBlock>()
  const entries: HistoryEntry[] = []
  for (const block of blocks) {
    if (block.entry === undefined) continue
    blockOf.set(entryKey(block.entry), block)
    entries.push(block.entry)
  }
  // Frozen, the array is one history to recordVersions: the chains and the items below share its versions.
  Object.freeze(entries)
  const chains = buildDiagnosticChains(entries, amendment)
  const chainsOf = new Map<string, number[]>()
  chains.forEach((chain, index) => {
    for (const stage of Object.values(chain.stages)) for (const entry of stage) chainsOf.set(entryKey(entry), [...(chainsOf.get(entryKey(entry)) ?? []), index])
  })
  const items: TimelineItem[] = []
  for (const versions of recordVersions(entries, amendment)) {
    const entry = versions.latest
    if (isEnteredInError(entry.record)) continue
    const key = entryKey(entry)
    const block = blockOf.get(key)
    const lane = LANE_OF_TYPE.get(entry.record.resourceType)
    if (block === undefined || lane === undefined) continue
    const span = entryPeriod(entry)
    const verdict = versions.trail.reduce<Verdict>((worst, version) => {
      const v = blockOf.get(entryKey(version))?.verdict ?? 'verified'
      return VERDICT_RANK[v] > VERDICT_RANK[worst] ? v : worst
    }, 'verified')
    items.push({
      index: 0,
      id: key,
      entry,
      block,
      verdict,
      lane,
      start: span.start,
      end: Math.max(span.end, span.start + 1),
      label: recordLabel(entry.record),
      typeName: recordTypeName(entry.record),
      state: recordState(entry.record),
      sites: bodySitesOf(entry.record),
      chains: chainsOf.get(key) ?? [],
      trail: versions.trail,
      refused: versions.refused,
      ...(versions.copyOf === undefined ? {} : { copyOf: versions.copyOf })
    })
  }
  items.sort((a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1))
  items.forEach((item, index) => (item.index = index))
  const starts = items.map((item) => item.start)
  const ends = items.map((item) => (item.end === Infinity ? now : item.end))
  return {
    items,
    byId: new Map(items.map((item) => [item.id, item])),
    chains,
    unreadable: blocks.filter((block) => block.entry === undefined),
    blocks,
    broken: blocks.filter((block) => block.verdict === 'broken'),
    extent: items.length === 0 ? [now - 365 * 86_400_000, now] : [Math.min(...starts), Math.max(now, ...ends)],
    now
  }
}

/** The items of a diagnostic chain, by stage, for drawing its links and listing it. */
export function chainItems(model: TimelineModel, chainIndex: number): { stage: string; item: TimelineItem }[] {
  const chain = model.chains[chainIndex]
  if (chain === undefined) return []
  return Object.entries(chain.stages).flatMap(([stage, entries]) =>
    entries.map((entry) => model.byId.get(entryKey(entry))).filter((item): item is TimelineItem => item !== undefined).map((item) => ({ stage, item }))
  )
}
