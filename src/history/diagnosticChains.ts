// The diagnostic chain, made explicit for the timeline: request → diagnosis →
// therapy → follow-up → outcome, found by following the FHIR references between
// the latest versions of the records, starting from each diagnosis (a Condition).
//
// How records join a diagnosis's chain (R4 fields, "→" = references):
//   request    ServiceRequest.reasonReference → diagnosis; diagnosis Condition.evidence.detail → ServiceRequest,
//              DiagnosticReport or Observation; DiagnosticReport/Observation.basedOn → a request; a request report's results
//   therapy    MedicationRequest, MedicationStatement or Procedure .reasonReference → diagnosis
//   follow-up  Encounter.reasonReference or .diagnosis.condition → diagnosis or therapy; Observation.basedOn or .partOf →
//              therapy; Observation.focus → diagnosis or therapy; Observation/DiagnosticReport.encounter → a follow-up
//              encounter; DiagnosticReport.basedOn, ServiceRequest.basedOn → therapy; Encounter.basedOn → a follow-up
//              request; therapy Procedure.report → DiagnosticReport
//   outcome    ClinicalImpression.problem → diagnosis; .encounter → a follow-up encounter; .investigation.item,
//              .finding.itemReference, .supportingInfo → therapy or follow-up; .previous → an outcome
import { entryKey, recordVersions, type AmendmentOptions } from './amendments.ts'
import type { HistoryEntry } from './historyEntry.ts'
import { isEnteredInError } from './queryHistory.ts'
import { entryPeriod } from './recordPeriod.ts'
import { localReferenceKey } from './references.ts'
import { recordKey, type HistoryRecord, type RecordType } from './recordTypes.ts'

/** The stages of a diagnostic chain, in the order the timeline draws them. */
export const CHAIN_STAGES = ['request', 'diagnosis', 'therapy', 'followUp', 'outcome'] as const
/** A stage of a diagnostic chain: `request`, `diagnosis`, `therapy`, `followUp` or `outcome`. */
export type ChainStage = (typeof CHAIN_STAGES)[number]

/** A reference from one record of a chain to another, for drawing. */
export interface ChainLink {
  /** Entry key (amendments.ts entryKey: writer and entry id) of the version that holds the reference. */
  from: string
  /** Entry key of the version referred to. */
  to: string
  /** The referring field as a FHIR path, e.g. `MedicationRequest.reasonReference`. */
  field: string
}

/** One diagnosis and the records joined to it, by stage. */
export interface DiagnosticChain {
  diagnosis: HistoryEntry
  /** Each stage's records in time order; `diagnosis` holds the one Condition. */
  stages: Record<ChainStage, HistoryEntry[]>
  /** The references between the chain's records, for drawing. */
  links: ChainLink[]
}

/** Every local ("Type/id") reference in a record, with the field path that holds it; subjects, patients, extensions and contained resources are not searched. */
export function recordLinks(record: HistoryRecord): { field: string; target: string }[] {
  const links: { field: string; target: string }[] = []
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((item) => visit(item, path))
    if (typeof value !== 'object' || value === null) return
    for (const [key, item] of Object.entries(value)) {
      if (key === 'reference' && typeof item === 'string') {
        const target = localReferenceKey(item)
        if (target !== undefined) links.push({ field: path, target })
      } else if (key !== 'contained' && key !== 'subject' && key !== 'patient' && key !== 'extension') {
        visit(item, `${path}.${key}`)
      }
    }
  }
  visit(record, record.resourceType)
  return links
}

interface Rule {
  types: readonly RecordType[]
  fields: readonly string[]
  /** Stages of the record at the other end that allow the join. */
  via: readonly ChainStage[]
  stage: ChainStage | 'same'
}

// A candidate joins when IT references a chain member (outgoing) …
const OUTGOING: readonly Rule[] = [
  { types: ['ServiceRequest'], fields: ['reasonReference'], via: ['diagnosis'], stage: 'request' },
  { types: ['DiagnosticReport', 'Observation'], fields: ['basedOn'], via: ['request'], stage: 'request' },
  { types: ['MedicationRequest', 'MedicationStatement', 'Procedure'], fields: ['reasonReference'], via: ['diagnosis'], stage: 'therapy' },
  { types: ['Encounter'], fields: ['reasonReference', 'diagnosis.condition'], via: ['diagnosis', 'therapy'], stage: 'followUp' },
  { types: ['Observation'], fields: ['basedOn', 'partOf'], via: ['therapy'], stage: 'followUp' },
  { types: ['Observation'], fields: ['focus'], via: ['diagnosis', 'therapy'], stage: 'followUp' },
  { types: ['Observation', 'DiagnosticReport'], fields: ['encounter'], via: ['followUp'], stage: 'followUp' },
  { types: ['DiagnosticReport', 'ServiceRequest'], fields: ['basedOn'], via: ['therapy'], stage: 'followUp' },
  { types: ['Encounter'], fields: ['basedOn'], via: ['followUp'], stage: 'followUp' },
  { types: ['ClinicalImpression'], fields: ['problem'], via: ['diagnosis'], stage: 'outcome' },
  { types: ['ClinicalImpression'], fields: ['encounter'], via: ['followUp'], stage: 'outcome' },
  { types: ['ClinicalImpression'], fields: ['investigation.item', 'finding.itemReference', 'supportingInfo'], via: ['therapy', 'followUp'], stage: 'outcome' },
  { types: ['ClinicalImpression'], fields: ['previous'], via: ['outcome'], stage: 'outcome' }
]

// … or when a chain member references IT (incoming): `types` are the member's, `via` its stage.
const INCOMING: readonly (Rule & { targets: readonly RecordType[] })[] = [
  { types: ['Condition'], fields: ['evidence.detail'], via: ['diagnosis'], targets: ['ServiceRequest', 'DiagnosticReport', 'Observation'], stage: 'request' },
  { types: ['DiagnosticReport', 'Observation'], fields: ['basedOn'], via: ['request'], targets: ['ServiceRequest'], stage: 'request' },
  { types: ['DiagnosticReport'], fields: ['result'], via: ['request', 'followUp'], targets: ['Observation'], stage: 'same' },
  { types: ['Procedure'], fields: ['report'], via: ['therapy'], targets: ['DiagnosticReport'], stage: 'followUp' }
]

const fieldOf = (path: string, type: RecordType): string => path.slice(type.length + 1)

/** What building the chains asks of a record, worked out once per record. */
interface RecordFacts {
  position: number
  key: string
  links: { field: string; target: string }[]
  start: number
}

/**
 * One chain per diagnosis (Condition), oldest first, built from the latest versions of the
 * records by the rules above; records marked entered-in-error are left out. A record may join
 * more than one chain; a Condition never joins another's.
 */
export function buildDiagnosticChains(entries: readonly HistoryEntry[], options: AmendmentOptions = {}): DiagnosticChain[] {
  const records = recordVersions(entries, options).filter((versions) => !isEnteredInError(versions.latest.record))
  const latest = records.map((versions) => versions.latest)
  // A reference names the record that holds its "Type/id", never a conflicting copy of another writer's.
  const byKey = new Map<string, HistoryEntry>()
  for (const versions of [...records.filter((v) => v.copyOf === undefined), ...records.filter((v) => v.copyOf !== undefined)]) {
    const key = recordKey(versions.latest.record)
    if (!byKey.has(key)) byKey.set(key, versions.latest)
  }
  // What the chains ask of each record, worked out once: its place in `latest` (each chain lists its
  // members in that order), its key, its references, and its start (sorts compare a record more than once).
  const facts = new Map<HistoryEntry, RecordFacts>(latest.map((entry, position) => [entry, { position, key: entryKey(entry), links: recordLinks(entry.record), start: entryPeriod(entry).start }]))
  const factsOf = (entry: HistoryEntry): RecordFacts => {
    const known = facts.get(entry)
    if (known === undefined) throw new Error('a chain met a record that is not a latest version')
    return known
  }
  // Who refers to each record: target key → (source entry, field).
  const referrers = new Map<string, { source: HistoryEntry; field: string }[]>()
  for (const entry of latest) {
    for (const { field, target } of factsOf(entry).links) {
      const list = referrers.get(target)
      if (list === undefined) referrers.set(target, [{ source: entry, field }])
      else list.push({ source: entry, field })
    }
  }
  const byStart = (a: HistoryEntry, b: HistoryEntry): number => factsOf(a).start - factsOf(b).start || (a.writtenAt < b.writtenAt ? -1 : 1)

  return latest
    .filter((entry) => entry.record.resourceType === 'Condition')
    .sort(byStart)
    .map((diagnosis) => {
      const stageOf = new Map<HistoryEntry, ChainStage>([[diagnosis, 'diagnosis']])
      const joined: HistoryEntry[] = [diagnosis]
      const join = (entry: HistoryEntry, stage: ChainStage): void => {
        if (stageOf.has(entry) || entry.record.resourceType === 'Condition') return
        stageOf.set(entry, stage)
        joined.push(entry)
      }
      // `joined` is the queue too: each member is visited once, in the order it joined.
      for (let next = 0; next < joined.length; next++) {
        const member = joined[next] as HistoryEntry
        const memberStage = stageOf.get(member) ?? 'diagnosis'
        const memberType = member.record.resourceType
        // References to this "Type/id" are to the record it names, not to a conflicting copy.
        const referredTo = byKey.get(recordKey(member.record)) === member
        for (const { source, field } of referredTo ? (referrers.get(recordKey(member.record)) ?? []) : []) {
          const type = source.record.resourceType
          const rule = OUTGOING.find((r) => r.types.includes(type) && r.fields.includes(fieldOf(field, type)) && r.via.includes(memberStage))
          if (rule !== undefined) join(source, rule.stage === 'same' ? memberStage : rule.stage)
        }
        for (const { field, target } of factsOf(member).links) {
          const entry = byKey.get(target)
          if (entry === undefined) continue
          const rule = INCOMING.find(
            (r) => r.types.includes(memberType) && r.fields.includes(fieldOf(field, memberType)) && r.via.includes(memberStage) && r.targets.includes(entry.record.resourceType)
          )
          if (rule !== undefined) join(entry, rule.stage === 'same' ? memberStage : rule.stage)
        }
      }
      const members = joined.sort((a, b) => factsOf(a).position - factsOf(b).position)
      const stages = Object.fromEntries(CHAIN_STAGES.map((stage) => [stage, [] as HistoryEntry[]])) as Record<ChainStage, HistoryEntry[]>
      for (const entry of members) {
        const stage = stageOf.get(entry)
        if (stage !== undefined) stages[stage].push(entry)
      }
      for (const stage of CHAIN_STAGES) stages[stage].sort(byStart)
      const links: ChainLink[] = []
      for (const entry of members) {
        for (const { field, target } of factsOf(entry).links) {
          const to = byKey.get(target)
          if (to !== undefined && stageOf.has(to) && to !== entry) links.push({ from: factsOf(entry).key, to: factsOf(to).key, field })
        }
      }
      return { diagnosis, stages, links }
    })
}
