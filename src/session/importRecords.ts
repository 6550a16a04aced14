// Importing a file into the patient's own history, as the page drives it: the file chosen (refused
// before it is read when it is too large), the preview, who in the file is the patient, the
// patient's choice between writing nothing if anything is refused and writing every valid record,
// then the records written in batches through the history's own add (sealed and signed as the
// record form's are), with progress, the history usable between batches. Nothing already in the
// history changes: the plan is made again against the history as it is just before writing, when
// anything arrived in it since the preview.
import { errorMessage } from '../errors/index.ts'
import { MAX_IMPORT_BYTES, planImport, readImportFile, HistoryError, type HistoryEntry, type HistoryRecord, type ImportFile, type ImportPlan, type PatientHistory } from '../history/index.ts'
import type { PatientLog } from '../p2p/index.ts'
import { createCell, type Cell } from './cell.ts'
import type { Clock } from './sessionPorts.ts'

/** A file the patient chose: its name and size at once, its bytes on demand. */
export interface ImportSource {
  name: string
  size: number
  bytes(): Promise<Uint8Array>
}

/** What to do when the file holds something the history refuses. */
export type ImportChoice = 'nothing-if-refused' | 'every-valid-record'

export type ImportStep =
  | { step: 'idle' }
  | { step: 'reading'; name: string }
  | { step: 'preview'; plan: ImportPlan }
  /** The file as a whole cannot be imported (too large, not JSON, not FHIR): nothing was written. */
  | { step: 'refused'; name: string; error: string }
  | { step: 'writing'; name: string; written: number; total: number }
  | { step: 'done'; name: string; written: number; duplicates: number; refused: number; skipped: number }
  /** Writing stopped part-way (storage full, keys moved): `written` records are in the history; importing the file again adds the rest. */
  | { step: 'failed'; name: string; written: number; error: string }

/** The history the import writes into: the patient's own, as the session holds it. */
export interface ImportTarget {
  history: Pick<PatientHistory, 'entries' | 'patient'>
  /** Adds records as the record form does (sealed, signed, one batch); how many were added. */
  add(records: readonly HistoryRecord[]): Promise<number>
  /** Runs the batches as one bulk write: verifying waits until they are all written, the views redraw less often. */
  bulk?<T>(work: () => Promise<T>): Promise<T>
  /** The history's log: told, when the preview shows records to write, that many appends will follow (its signer readies itself). */
  log?: Pick<PatientLog, 'prepareToWrite'>
}

export interface ImportFlowOptions {
  /** The own history, when it is open on this device. */
  target: () => ImportTarget | undefined
  clock: Pick<Clock, 'now'>
  /** Records per batch; default {@link IMPORT_BATCH}. */
  batch?: number
  /** Lets the page draw between batches; default a task of its own. */
  yieldToPage?: () => Promise<void>
}

export interface ImportFlow {
  step: Cell<ImportStep>
  /** Reads the chosen file and shows its preview; refuses it whole, before reading, above MAX_IMPORT_BYTES. */
  choose(source: ImportSource): Promise<void>
  /** Plans again with another person of the file as the patient. */
  pick(person: string): void
  /** Writes the previewed records as the patient chose. */
  write(choice: ImportChoice): Promise<void>
  /** Back to idle, the file forgotten. */
  reset(): void
}

/** How many records one batch writes: one storage transaction and one announcement to peers each; the next batch is sealed while one is stored. */
export const IMPORT_BATCH = 250
/** How many records the first batch writes at most: signing starts once it is sealed, so it is sealed soon. */
export const FIRST_BATCH = 25

/** Why nothing is written under "write nothing if anything is refused", or undefined when nothing was refused. */
export function refusalOf(plan: ImportPlan): string | undefined {
  const refused = plan.refused.length + plan.unreadable.length
  if (refused === 0) return undefined
  return `${refused.toLocaleString('en')} ${refused === 1 ? 'part' : 'parts'} of ${plan.file.name} could not be imported (listed in the preview), and you chose to write nothing in that case. Nothing was written.`
}

/** The import flow over the own history; state goes out as a cell. */
export function createImportFlow(options: ImportFlowOptions): ImportFlow {
  const step = createCell<ImportStep>({ step: 'idle' })
  const batch = options.batch ?? IMPORT_BATCH
  const yieldToPage = options.yieldToPage ?? ((): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0)))
  let file: ImportFile | undefined
  let subject: string | undefined
  let importedAt = 0

  // The preview's plan and the history it was matched against: writing plans again only if the history has moved since.
  let previewed: { plan: ImportPlan; existing: readonly HistoryEntry[]; count: number } | undefined
  const plan = (target: ImportTarget): ImportPlan => {
    const existing = target.history.entries()
    const planned = planImport(file as ImportFile, { patient: target.history.patient, existing, importedAt, now: options.clock.now(), ...(subject === undefined ? {} : { subject }) })
    previewed = { plan: planned, existing, count: existing.length }
    // While the patient reads the preview, the signing worker starts and readies itself for the batches.
    if (planned.records.length > 0) target.log?.prepareToWrite()
    return planned
  }
  // The history keeps one list of its entries until one arrives: the same list, as long, is the same history.
  const unmoved = (target: ImportTarget): ImportPlan | undefined => {
    const existing = target.history.entries()
    return previewed !== undefined && previewed.existing === existing && previewed.count === existing.length ? previewed.plan : undefined
  }
  const noHistory = 'Open your history on this device first (My history): the records are written into it.'

  return {
    step,
    async choose(source) {
      file = undefined
      subject = undefined
      previewed = undefined
      const target = options.target()
      if (target === undefined) return step.set({ step: 'refused', name: source.name, error: noHistory })
      if (source.size > MAX_IMPORT_BYTES) {
        const megabytes = (source.size / 1024 / 1024).toFixed(1)
        return step.set({ step: 'refused', name: source.name, error: `${source.name} is ${megabytes} MB; the import reads files of at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Nothing was read or written.` })
      }
      step.set({ step: 'reading', name: source.name })
      try {
        file = readImportFile(await source.bytes(), source.name)
        importedAt = options.clock.now()
        const planned = plan(target)
        subject = planned.subject
        step.set({ step: 'preview', plan: planned })
      } catch (error) {
        file = undefined
        const words = error instanceof HistoryError ? error.message : `${source.name} could not be read: ${errorMessage(error)}`
        step.set({ step: 'refused', name: source.name, error: `${words} Nothing was written.` })
      }
    },
    pick(person) {
      const target = options.target()
      if (file === undefined || target === undefined) return
      subject = person
      step.set({ step: 'preview', plan: plan(target) })
    },
    async write(choice) {
      const target = options.target()
      const current = step.get()
      if (file === undefined || target === undefined || current.step !== 'preview') return
      const name = file.name
      // The history may have moved since the preview (another device, another import): what is there now is matched again.
      const planned = unmoved(target) ?? plan(target)
      const refusal = choice === 'nothing-if-refused' ? refusalOf(planned) : undefined
      if (refusal !== undefined) return step.set({ step: 'refused', name, error: refusal })
      const records = planned.records.map((r) => r.record)
      // The file's resources are not read again (importing it again means choosing it again): they
      // go now rather than after the last record, so the collector is not walking them all through
      // the write.
      file = undefined
      previewed = undefined
      let written = 0
      step.set({ step: 'writing', name, written, total: records.length })
      // One batch ahead: the next is sealed (and its signing starts) while the log stores the one
      // before, so the page's core and the storage's and signing worker's are busy at once.
      const writeAll = async (): Promise<void> => {
        const adding: Promise<number>[] = []
        const settle = async (): Promise<void> => {
          written += await (adding.shift() as Promise<number>)
          step.set({ step: 'writing', name, written, total: records.length })
          await yieldToPage()
        }
        try {
          for (let at = 0; at < records.length; ) {
            const size = at === 0 ? Math.min(batch, FIRST_BATCH) : batch
            adding.push(target.add(records.slice(at, at + size)))
            at += size
            if (adding.length > 1) await settle()
          }
          while (adding.length > 0) await settle()
        } catch (error) {
          // A batch already under way may still land: what landed is counted.
          for (const outcome of await Promise.allSettled(adding)) if (outcome.status === 'fulfilled') written += outcome.value
          throw error
        }
      }
      try {
        await (target.bulk === undefined ? writeAll() : target.bulk(writeAll))
      } catch (error) {
        return step.set({ step: 'failed', name, written, error: errorMessage(error) })
      }
      step.set({
        step: 'done',
        name,
        written,
        duplicates: planned.duplicates.length,
        refused: planned.refused.length + planned.unreadable.length,
        skipped: planned.skipped.reduce((sum, s) => sum + s.count, 0)
      })
    },
    reset() {
      file = undefined
      subject = undefined
      previewed = undefined
      step.set({ step: 'idle' })
    }
  }
}
