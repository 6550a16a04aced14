// Append-only corrections. An entry is never changed: a correction is a new entry
// whose `amends` names the entry it corrects, keeping the record's resourceType and
// id (so references to the record reach its latest version). Versions of one record
// form a tree from its first entry; the view shows the latest and keeps the trail.
//
// An entry is known by its writer and its id together (entryKey). Ids are readable in the
// envelope, so anyone who may write can put another's id on an entry of their own: such an
// entry never stands in for the other. Where writers' entries share an id, the id names the
// patient's entry, or, with none of the patient's among them, the earliest written (then the
// lowest address: the log cannot tell which of two other writers was first); the others are
// conflicting copies, each shown apart as its own writer's. A correction's `amends` names its
// writer's own entry of that id when there is one, else the entry the id names.
//
// A correction counts only if its writer is the record's first author or the patient. The
// first author is the writer of the record's first entry, as the log proves it: openEntry
// accepts an entry only when its writer is the wallet whose identity signed the block, and of
// two blocks of one writer with one id the earliest by clock, then by hash, is the entry
// (openPatientHistory). A correction by anyone else, or one that would change the record's
// type or id, is ignored and reported with the record it aimed at. The same rules decide at
// writing time (checkAppend) and at reading time, because peers' entries are encrypted and no
// access controller can check them for us; they depend on which entries there are, never on
// the order they arrived in.
import { HistoryError } from './HistoryError.ts'
import type { Address, HistoryEntry } from './historyEntry.ts'
import { recordKey } from './recordTypes.ts'

/** Who, besides a record's first author, may correct it. */
export interface AmendmentOptions {
  /** The history's patient, who may correct any record and whose entries keep their ids. Without it only a first author may correct their records. */
  patient?: Address
}

/** A correction that does not count, and why. */
export interface RefusedCorrection {
  entry: HistoryEntry
  reason: string
}

/** Every version of one record: the tree of corrections grown from its first entry. */
export interface RecordVersions {
  /** The record's first entry: its writer is the record's first author. */
  root: HistoryEntry
  /** The version to show: the newest entry that nothing corrects. */
  latest: HistoryEntry
  /** Every version, each after the one it corrects, oldest first. */
  trail: HistoryEntry[]
  /** Other uncorrected versions written concurrently with `latest` (two corrections of one entry). */
  conflicts: HistoryEntry[]
  /** Corrections aimed at this record that were ignored: their writer may not correct it, or they would change its type or id. */
  refused: RefusedCorrection[]
  /**
   * Set when this record is a conflicting copy: one of its entries carries an entry id, or it
   * carries a record id ("Type/id"), that names another writer's record here (the patient's,
   * when theirs is among them). The address is that other writer's. The copy is shown apart,
   * as its own writer's; it never stands in for that record and cannot correct it.
   */
  copyOf?: Address
}

/** An entry's identity in a history: its writer and its id together (an id alone can be copied by anyone who writes). */
export function entryKey(entry: Pick<HistoryEntry, 'writer' | 'id'>): string {
  return `${entry.writer}/${entry.id}`
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const byTime = (a: HistoryEntry, b: HistoryEntry): number => compare(a.writtenAt, b.writtenAt) || compare(a.id, b.id) || compare(a.writer, b.writer)

/** Which of several writers' entries an id (or a record id) names: the patient's, then the earliest written, then the lowest address. */
function byPrecedence(patient: Address | undefined): (a: HistoryEntry, b: HistoryEntry) => number {
  const rank = (entry: HistoryEntry): number => (entry.writer === patient ? 0 : 1)
  return (a, b) => rank(a) - rank(b) || byTime(a, b)
}

/**
 * Why `amendment` may not correct `target`, or undefined when it may.
 *
 * @param options - `author`: the record's first author (the writer of its first entry); without it, the target's writer.
 */
export function amendmentProblem(target: HistoryEntry, amendment: HistoryEntry, options: AmendmentOptions & { author?: Address } = {}): string | undefined {
  const author = options.author ?? target.writer
  if (amendment.amends !== target.id) return `it corrects ${amendment.amends ?? 'nothing'}, not ${target.id}`
  if (amendment.record.resourceType !== target.record.resourceType) return `it would change a ${target.record.resourceType} into a ${amendment.record.resourceType}; add a new record instead`
  if (amendment.record.id !== target.record.id) return `it would change the record id from ${target.record.id ?? ''} to ${amendment.record.id ?? ''}; a correction keeps the id`
  if (amendment.writer !== author && amendment.writer !== options.patient) return `only ${author}, who first wrote the record, or the patient may correct it`
  return undefined
}

/** The entries by identity, and each id's entries with the one it names first. */
interface EntryIndex {
  /** One entry per writer and id: the first given. */
  byKey: Map<string, HistoryEntry>
  /** Every writer's entry with an id, the one the id names first. */
  byId: Map<string, HistoryEntry[]>
}

function indexEntries(entries: readonly HistoryEntry[], options: AmendmentOptions): EntryIndex {
  const byKey = new Map<string, HistoryEntry>()
  const byId = new Map<string, HistoryEntry[]>()
  for (const entry of entries) {
    const key = entryKey(entry)
    if (byKey.has(key)) continue
    byKey.set(key, entry)
    const copies = byId.get(entry.id)
    if (copies === undefined) byId.set(entry.id, [entry])
    else copies.push(entry)
  }
  const order = byPrecedence(options.patient)
  for (const copies of byId.values()) if (copies.length > 1) copies.sort(order)
  return { byKey, byId }
}

/** The entry a correction corrects: its writer's own entry of that id, else the entry the id names. */
function targetOf(index: EntryIndex, entry: HistoryEntry): HistoryEntry | undefined {
  if (entry.amends === undefined) return undefined
  const copies = index.byId.get(entry.amends)
  return copies?.find((copy) => copy.writer === entry.writer) ?? copies?.[0]
}

/** Each correction's target, by key, with any cycle cut at its oldest entry. */
function correctionLinks(index: EntryIndex): Map<string, string> {
  const parent = new Map<string, string>()
  for (const [key, entry] of index.byKey) {
    const target = targetOf(index, entry)
    if (target !== undefined) parent.set(key, entryKey(target))
  }
  // Honest writers cannot make a cycle (an id is random until written); a forged one is cut.
  const done = new Set<string>()
  for (const start of index.byKey.keys()) {
    const path: string[] = []
    const onPath = new Set<string>()
    let at: string | undefined = start
    while (at !== undefined && !done.has(at) && !onPath.has(at)) {
      path.push(at)
      onPath.add(at)
      at = parent.get(at)
    }
    if (at !== undefined && onPath.has(at)) {
      const cycle = path
        .slice(path.indexOf(at))
        .map((key) => index.byKey.get(key))
        .filter((e): e is HistoryEntry => e !== undefined)
      const oldest = cycle.sort(byTime)[0]
      if (oldest !== undefined) parent.delete(entryKey(oldest))
    }
    for (const key of path) done.add(key)
  }
  return parent
}

type Placement = { root: string } | { refusedIn: string; reason: string }

/** Where each entry belongs: the record (by its first entry's key) it is a version of, or the record whose correction was refused. */
function place(index: EntryIndex, links: Map<string, string>, options: AmendmentOptions): Map<string, Placement> {
  const placed = new Map<string, Placement>()
  for (const start of index.byKey.keys()) {
    const path: string[] = []
    for (let at: string | undefined = start; at !== undefined && !placed.has(at); ) {
      const up = links.get(at)
      if (up === undefined) placed.set(at, { root: at })
      else path.push(at)
      at = up
    }
    // From the entry nearest a placed one down to the start: each one's target is placed by then.
    for (const key of path.reverse()) {
      const entry = index.byKey.get(key)
      const targetKey = links.get(key)
      const target = targetKey === undefined ? undefined : index.byKey.get(targetKey)
      const up = targetKey === undefined ? undefined : placed.get(targetKey)
      if (entry === undefined || target === undefined || up === undefined) continue
      if ('refusedIn' in up) {
        placed.set(key, { refusedIn: up.refusedIn, reason: `it corrects entry ${target.id}, a correction that does not count` })
        continue
      }
      const author = index.byKey.get(up.root)?.writer
      const problem = amendmentProblem(target, entry, { ...options, ...(author === undefined ? {} : { author }) })
      placed.set(key, problem === undefined ? { root: up.root } : { refusedIn: up.root, reason: problem })
    }
  }
  return placed
}

function buildRecords(index: EntryIndex, options: AmendmentOptions): RecordVersions[] {
  const links = correctionLinks(index)
  const placed = place(index, links, options)
  const children = new Map<string, HistoryEntry[]>()
  const refused = new Map<string, RefusedCorrection[]>()
  const roots: HistoryEntry[] = []
  for (const [key, entry] of index.byKey) {
    const where = placed.get(key)
    if (where === undefined) continue
    if ('refusedIn' in where) {
      refused.set(where.refusedIn, [...(refused.get(where.refusedIn) ?? []), { entry, reason: where.reason }])
      continue
    }
    const p = where.root === key ? undefined : links.get(key)
    if (p === undefined) roots.push(entry)
    else children.set(p, [...(children.get(p) ?? []), entry])
  }
  const records = roots.sort(byTime).map((root): RecordVersions => {
    const trail: HistoryEntry[] = []
    const leaves: HistoryEntry[] = []
    const visit = (entry: HistoryEntry): void => {
      trail.push(entry)
      const next = (children.get(entryKey(entry)) ?? []).sort(byTime)
      if (next.length === 0) leaves.push(entry)
      next.forEach(visit)
    }
    visit(root)
    leaves.sort(byTime)
    const latest = leaves[leaves.length - 1] ?? root
    // A version whose id names another writer's entry makes the record a copy of that writer's.
    const copied = trail.map((version) => index.byId.get(version.id)?.[0]).find((named, i) => named !== undefined && named.writer !== trail[i]?.writer)
    return {
      root,
      latest,
      trail,
      conflicts: leaves.filter((leaf) => leaf !== latest),
      refused: (refused.get(entryKey(root)) ?? []).sort((a, b) => byTime(a.entry, b.entry)),
      ...(copied === undefined ? {} : { copyOf: copied.writer })
    }
  })
  // Two writers' records with one record id: references name the patient's, or the earliest written.
  const byRecordKey = new Map<string, RecordVersions[]>()
  for (const record of records) {
    const key = recordKey(record.root.record)
    byRecordKey.set(key, [...(byRecordKey.get(key) ?? []), record])
  }
  const order = byPrecedence(options.patient)
  for (const group of byRecordKey.values()) {
    if (group.length < 2) continue
    const holder = [...group].sort((a, b) => order(a.root, b.root))[0]
    for (const record of group) if (holder !== undefined && record.root.writer !== holder.root.writer) record.copyOf ??= holder.root.writer
  }
  return records
}

/**
 * Every record's versions, ordered by when the record was first written. Only corrections that
 * {@link amendmentProblem} accepts, by the record's first author or the patient, link versions;
 * a correction of an entry that is not here starts a record of its own until that entry arrives;
 * any other correction is listed as refused with the record it aimed at. `entries` holds one entry
 * per writer and id, as PatientHistory.entries() gives them (of a repeated one, the first counts).
 */
export function recordVersions(entries: readonly HistoryEntry[], options: AmendmentOptions = {}): readonly RecordVersions[] {
  // The views of one redraw (the timeline, its diagnostic chains, the chain targets) each ask for
  // the same history's versions: they are built once per frozen entries array and patient
  // (PatientHistory.entries() gives one frozen array until the history changes). An array that can
  // still change is never remembered.
  const cached = versionsCache.get(entries)
  if (cached !== undefined && cached.patient === options.patient) return cached.versions
  const versions: readonly RecordVersions[] = Object.freeze(buildRecords(indexEntries(entries, options), options))
  if (Object.isFrozen(entries)) versionsCache.set(entries, { patient: options.patient, versions })
  return versions
}
const versionsCache = new WeakMap<readonly HistoryEntry[], { patient: Address | undefined; versions: readonly RecordVersions[] }>()

/** The latest version of every record, ordered by when the record was first written. */
export function latestVersions(entries: readonly HistoryEntry[], options: AmendmentOptions = {}): HistoryEntry[] {
  return recordVersions(entries, options).map((versions) => versions.latest)
}

/**
 * Every version of the record that entry `id` (the entry that id names) belongs to, oldest first.
 *
 * @throws {HistoryError} `UNKNOWN_ENTRY` when no version of a record here has that id.
 */
export function amendmentTrail(entries: readonly HistoryEntry[], id: string, options: AmendmentOptions = {}): HistoryEntry[] {
  const index = indexEntries(entries, options)
  const named = index.byId.get(id)?.[0]
  const versions = named === undefined ? undefined : buildRecords(index, options).find((v) => v.trail.includes(named))
  if (versions === undefined) throw new HistoryError('UNKNOWN_ENTRY', `There is no entry ${id} in this history.`)
  return versions.trail
}

/**
 * Checks that `entry` may be appended to a history holding `entries`: a new entry must not reuse an
 * entry id, a new record must not reuse a record's id, a correction must amend the latest version
 * of a record its writer may correct.
 *
 * @throws {HistoryError} `DUPLICATE_ENTRY` for an entry id already there, `DUPLICATE_RECORD` for a
 *   new record whose "Type/id" is taken, `UNKNOWN_ENTRY` when the entry corrected is not there,
 *   `INVALID_AMENDMENT` when the correction is refused or its target has already been corrected.
 */
export function checkAppend(entries: readonly HistoryEntry[], entry: HistoryEntry, options: AmendmentOptions = {}): void {
  const index = indexEntries(entries, options)
  if (index.byId.has(entry.id)) throw new HistoryError('DUPLICATE_ENTRY', `Entry ${entry.id} is already in the history.`)
  if (entry.amends === undefined) {
    const key = recordKey(entry.record)
    const existing = [...index.byKey.values()].find((e) => recordKey(e.record) === key)
    if (existing !== undefined) {
      throw new HistoryError('DUPLICATE_RECORD', `The history already has ${key} (entry ${existing.id}): correct it by amending that entry instead of adding it again.`, { field: `${entry.record.resourceType}.id` })
    }
    return
  }
  const target = targetOf(index, entry)
  if (target === undefined) throw new HistoryError('UNKNOWN_ENTRY', `Entry ${entry.amends}, which this correction amends, is not in the history.`, { field: 'entry.amends' })
  const records = buildRecords(index, options)
  const versions = records.find((v) => v.trail.includes(target))
  if (versions === undefined) {
    throw new HistoryError('INVALID_AMENDMENT', `Entry ${target.id} is itself a correction that does not count: amend the record it aimed at instead.`, { field: 'entry.amends' })
  }
  const problem = amendmentProblem(target, entry, { ...options, author: versions.root.writer })
  if (problem !== undefined) throw new HistoryError('INVALID_AMENDMENT', `This correction of entry ${target.id} is refused: ${problem}.`, { field: 'entry.amends' })
  if (versions.latest !== target && !versions.conflicts.includes(target)) {
    throw new HistoryError('INVALID_AMENDMENT', `Entry ${target.id} has already been corrected: amend its latest version, entry ${versions.latest.id}.`, { field: 'entry.amends' })
  }
}
