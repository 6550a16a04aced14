// The patient's history (or the categories and period they pick) as a FHIR R4 collection Bundle:
// the latest version of each record as it is stored, a Patient that names the history's patient by
// their wallet address, and a Provenance per record naming who wrote it (their wallet address) and when.
import type { Bundle, BundleEntry, Patient, Provenance, Resource } from '@medplum/fhirtypes'
import type { Category } from './categories.ts'
import { patientId, type Address, type HistoryEntry } from './historyEntry.ts'
import { queryHistory } from './queryHistory.ts'
import { recordKey } from './recordTypes.ts'

/** The identifier system of a wallet address (an Ethereum account, lowercase hex). */
export const WALLET_ADDRESS_SYSTEM = 'https://anamnesis.health/fhir/wallet-address'

/** What {@link exportBundle} puts in the Bundle. */
export interface ExportOptions {
  /** The history's patient (wallet address). */
  patient: string
  /** When the export is made, in ms since 1970. */
  now: number
  /** Only records of these categories; default every category. */
  categories?: readonly Category[]
  /** Only records whose time overlaps [from, to] (ms since 1970 or a FHIR date). */
  from?: number | string
  to?: number | string
  /** Makes the Bundle's and the Provenances' ids; default a random UUID. */
  newId?: () => string
  /** Names of writers the patient knows (address → name), for the Provenance's display. */
  writerNames?: ReadonlyMap<Address, string>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function provenanceFor(entry: HistoryEntry, target: string, id: string, patient: string, names: ReadonlyMap<Address, string> | undefined): Provenance {
  const byPatient = entry.writer === patient
  const display = names?.get(entry.writer) ?? (byPatient ? 'The patient' : `Writer ${entry.writer}`)
  return {
    resourceType: 'Provenance',
    id,
    target: [{ reference: target }],
    recorded: entry.writtenAt,
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
        who: {
          ...(byPatient ? { reference: `Patient/${patient}` } : {}),
          identifier: { system: WALLET_ADDRESS_SYSTEM, value: entry.writer },
          display
        }
      }
    ]
  }
}

/**
 * The history as a FHIR R4 collection Bundle: the latest version of every record that matches
 * (records entered in error left out), each followed by a Provenance naming its writer.
 *
 * @throws {HistoryError} `INVALID_ENTRY` when `options.patient` is not a wallet address, and
 *   `INVALID_FIELD` when `from` or `to` is not a FHIR date.
 */
export function exportBundle(entries: readonly HistoryEntry[], options: ExportOptions): Bundle {
  const patient = patientId(options.patient)
  const newId = options.newId ?? ((): string => globalThis.crypto.randomUUID())
  const chosen = queryHistory(entries, {
    ...(options.categories === undefined ? {} : { categories: options.categories }),
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to })
  })
  const person: Patient = { resourceType: 'Patient', id: patient, identifier: [{ system: WALLET_ADDRESS_SYSTEM, value: patient }] }
  const entry: BundleEntry[] = [{ resource: person }]
  for (const item of chosen) {
    const record = item.record as Resource & { id: string }
    // A record's UUID id is its fullUrl; another id (a demo record's) names it as "Type/id", which is how the records refer to each other.
    const unique = UUID.test(record.id)
    entry.push(unique ? { fullUrl: `urn:uuid:${record.id}`, resource: record } : { resource: record })
    const provenance = provenanceFor(item, unique ? `urn:uuid:${record.id}` : recordKey(item.record), newId(), patient, options.writerNames)
    entry.push({ fullUrl: `urn:uuid:${provenance.id ?? ''}`, resource: provenance })
  }
  const timestamp = new Date(options.now).toISOString()
  return { resourceType: 'Bundle', id: newId(), meta: { lastUpdated: timestamp }, type: 'collection', timestamp, entry }
}
