// Append-only corrections. An entry is never changed: a correction is a new entry
// whose `amends` names the entry it corrects, keeping the record's resourceType and
// id (so references to the record reach its latest version). Versions of one record
// form a tree from its first entry; the view shows the latest and keeps the trail.
//
// A correction counts only if its writer wrote the entry it corrects, or is the
// patient. The same rule decides at writing time (checkAppend) and at reading time,
// because peers' entries are encrypted and no access controller can check it for us.
import { HistoryError } from './HistoryError.ts'
import type { Address, HistoryEntry } from './historyEntry.ts'
import { recordKey } from './recordTypes.ts'

/** Who, besides an entry's writer, may correct it. */
export interface AmendmentOptions {
  /** The history's patient, who may correct any entry. Without it only a writer may correct their own entries. */
  patient?: Address
}

/** Every version of one record: the tree of corrections grown from its first entry. */
export interface RecordVersions {
  /** The record's first entry. */
  root: HistoryEntry
  /** The version to show: the newest entry that nothing corrects. */
  latest: HistoryEntry
  /** Every version, each after the one it corrects, oldest first. */
  trail: HistoryEntry[]
  /** Other uncorrected versions written concurrently with `latest` (two corrections of one entry). */
  conflicts: HistoryEntry[]
}

const byTime = (a: HistoryEntry, b: HistoryEntry): number => (a.writtenAt < b.writtenAt ? -1 : a.writtenAt > b.writtenAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Why `amendment` may not correct `target`, or undefined when it may. */
export function amendmentProblem(target: HistoryEntry, amendment: HistoryEntry, options: AmendmentOptions = {}): string | undefined {
  if (amendment.amends !== target.id) return `it corrects ${amendment.amends ?? 'nothing'}, not ${target.id}`
  if (amendment.record.resourceType !== target.record.resourceType) return `it would change a ${target.record.resourceType} into a ${amendment.record.resourceType}; add a new record instead`
  if (amendment.record.id !== target.record.id) return `it would change the record id from ${target.record.id ?? ''} to ${amendment.record.id ?? ''}; a correction keeps the id`
  if (amendment.writer !== target.writer && amendment.writer !== options.patient) return `only ${target.writer}, who wrote the entry, or the patient may correct it`
  return undefined
}

/** Each distinct entry once (the first of any repeated id), in the order given. */
function distinct(entries: readonly HistoryEntry[]): Map<string, HistoryEntry> {
  const byId = new Map<string, HistoryEntry>()
  for (const entry of entries) if (!byId.has(entry.id)) byId.set(entry.id, entry)
  return byId
}

/** The accepted "corrects" link of each entry, with any cycle cut at its oldest entry. */
function acceptedParents(byId: Map<string, HistoryEntry>, options: AmendmentOptions): Map<string, string> {
  const parent = new Map<string, string>()
  for (const entry of byId.values()) {
    const target = entry.amends === undefined ? undefined : byId.get(entry.amends)
    if (target !== undefined && amendmentProblem(target, entry, options) === undefined) parent.set(entry.id, target.id)
  }
  // Honest writers cannot make a cycle (an id is random until written); a forged one is cut.
  const done = new Set<string>()
  for (const start of byId.keys()) {
    const path: string[] = []
    const onPath = new Set<string>()
    let at: string | undefined = start
    while (at !== undefined && !done.has(at) && !onPath.has(at)) {
      path.push(at)
      onPath.add(at)
      at = parent.get(at)
    }
    if (at !== undefined && onPath.has(at)) {
      const cycle = path.slice(path.indexOf(at)).map((id) => byId.get(id)).filter((e): e is HistoryEntry => e !== undefined)
      const oldest = cycle.sort(byTime)[0]
      if (oldest !== undefined) parent.delete(oldest.id)
    }
    for (const id of path) done.add(id)
  }
  return parent
}

/**
 * Every record's versions, ordered by when the record was first written. Only corrections that
 * {@link amendmentProblem} accepts link versions; any other entry starts a record of its own,
 * and a repeated entry id counts once.
 */
export function recordVersions(entries: readonly HistoryEntry[], options: AmendmentOptions = {}): RecordVersions[] {
  const byId = distinct(entries)
  const parent = acceptedParents(byId, options)
  const children = new Map<string, HistoryEntry[]>()
  const roots: HistoryEntry[] = []
  for (const entry of byId.values()) {
    const p = parent.get(entry.id)
    if (p === undefined) roots.push(entry)
    else children.set(p, [...(children.get(p) ?? []), entry])
  }
  return roots.sort(byTime).map((root) => {
    const trail: HistoryEntry[] = []
    const leaves: HistoryEntry[] = []
    const visit = (entry: HistoryEntry): void => {
      trail.push(entry)
      const next = (children.get(entry.id) ?? []).sort(byTime)
      if (next.length === 0) leaves.push(entry)
      next.forEach(visit)
    }
    visit(root)
    leaves.sort(byTime)
    const latest = leaves[leaves.length - 1] ?? root
    return { root, latest, trail, conflicts: leaves.filter((leaf) => leaf !== latest) }
  })
}

/** The latest version of every record, ordered by when the record was first written. */
export function latestVersions(entries: readonly HistoryEntry[], options: AmendmentOptions = {}): HistoryEntry[] {
  return recordVersions(entries, options).map((versions) => versions.latest)
}

/** Every version of the record that entry `id` belongs to, oldest first. */
export function amendmentTrail(entries: readonly HistoryEntry[], id: string, options: AmendmentOptions = {}): HistoryEntry[] {
  const versions = recordVersions(entries, options).find((v) => v.trail.some((entry) => entry.id === id))
  if (versions === undefined) throw new HistoryError('UNKNOWN_ENTRY', `There is no entry ${id} in this history.`)
  return versions.trail
}

/**
 * Checks that `entry` may be appended to a history holding `entries`: a new record must not
 * reuse a record's id, a correction must amend the latest version of a record its writer may correct.
 *
 * @throws {HistoryError} `DUPLICATE_ENTRY` for an entry id already there, `DUPLICATE_RECORD` for a
 *   new record whose "Type/id" is taken, `UNKNOWN_ENTRY` when the entry corrected is not there,
 *   `INVALID_AMENDMENT` when the correction is refused or its target has already been corrected.
 */
export function checkAppend(entries: readonly HistoryEntry[], entry: HistoryEntry, options: AmendmentOptions = {}): void {
  const byId = distinct(entries)
  if (byId.has(entry.id)) throw new HistoryError('DUPLICATE_ENTRY', `Entry ${entry.id} is already in the history.`)
  if (entry.amends === undefined) {
    const key = recordKey(entry.record)
    const existing = [...byId.values()].find((e) => recordKey(e.record) === key)
    if (existing !== undefined) {
      throw new HistoryError('DUPLICATE_RECORD', `The history already has ${key} (entry ${existing.id}): correct it by amending that entry instead of adding it again.`, { field: `${entry.record.resourceType}.id` })
    }
    return
  }
  const target = byId.get(entry.amends)
  if (target === undefined) throw new HistoryError('UNKNOWN_ENTRY', `Entry ${entry.amends}, which this correction amends, is not in the history.`, { field: 'entry.amends' })
  const problem = amendmentProblem(target, entry, options)
  if (problem !== undefined) throw new HistoryError('INVALID_AMENDMENT', `This correction of entry ${target.id} is refused: ${problem}.`, { field: 'entry.amends' })
  const versions = recordVersions([...byId.values()], options).find((v) => v.trail.includes(target))
  if (versions !== undefined && versions.latest !== target && !versions.conflicts.includes(target)) {
    throw new HistoryError('INVALID_AMENDMENT', `Entry ${target.id} has already been corrected: amend its latest version, entry ${versions.latest.id}.`, { field: 'entry.amends' })
  }
}
