// Where an imported record came from, kept on the record itself as FHIR allows: meta.source for the
// source system, a tag that says it was imported, and a complex extension with the source, the
// file's name, when it was imported and the id it had there, which a later import of the same file
// matches so that it adds nothing twice.
import type { Coding, Extension } from '@medplum/fhirtypes'
import { isPlainObject } from './fhirDatatypes.ts'

/** The URL of the extension that says where an imported record came from. */
export const IMPORT_EXTENSION = 'https://anamnesis.health/fhir/StructureDefinition/imported-from'

/** The meta.tag every imported record carries. */
export const IMPORTED_TAG = { system: 'https://anamnesis.health/tags', code: 'imported', display: 'Imported from a file' } as const satisfies Coding

/** Where one imported record came from. */
export interface ImportOrigin {
  /** The system the file or the resource says it comes from (a URI), when it says. */
  source?: string
  /** The file's name as the patient chose it. */
  file: string
  /** When it was imported: an ISO 8601 instant. */
  importedAt: string
  /** The resource's id in the file: its fullUrl, else "Type/id". */
  originalId?: string
}

/** The extension that carries `origin` on a record. */
export function importExtension(origin: ImportOrigin): Extension {
  const parts: Extension[] = []
  if (origin.source !== undefined) parts.push({ url: 'source', valueUri: origin.source })
  parts.push({ url: 'file', valueString: origin.file }, { url: 'importedAt', valueDateTime: origin.importedAt })
  if (origin.originalId !== undefined) parts.push({ url: 'originalId', valueString: origin.originalId })
  return { url: IMPORT_EXTENSION, extension: parts }
}

/** Where a record (or any resource) says it was imported from, or undefined when it carries no such extension. */
export function readImportOrigin(resource: unknown): ImportOrigin | undefined {
  if (!isPlainObject(resource) || !Array.isArray(resource.extension)) return undefined
  const extension: unknown = resource.extension.find((e) => isPlainObject(e) && e.url === IMPORT_EXTENSION)
  if (!isPlainObject(extension) || !Array.isArray(extension.extension)) return undefined
  const part = (url: string, key: string): string | undefined => {
    const found: unknown = (extension.extension as unknown[]).find((e) => isPlainObject(e) && e.url === url)
    const value = isPlainObject(found) ? found[key] : undefined
    return typeof value === 'string' ? value : undefined
  }
  const file = part('file', 'valueString')
  const importedAt = part('importedAt', 'valueDateTime')
  if (file === undefined || importedAt === undefined) return undefined
  const source = part('source', 'valueUri')
  const originalId = part('originalId', 'valueString')
  return { file, importedAt, ...(source === undefined ? {} : { source }), ...(originalId === undefined ? {} : { originalId }) }
}

/** Whether an id names its resource wherever it is seen: a urn:uuid, a urn:oid or an absolute URL. */
function globallyUnique(originalId: string): boolean {
  return /^(urn:uuid:|urn:oid:|https?:\/\/)/.test(originalId)
}

/**
 * The key two imports of the same resource share: its source and original id. An id like
 * "Condition/1" names a resource only within its source; without a source, within its file.
 */
export function originKey(origin: Pick<ImportOrigin, 'source' | 'file' | 'originalId'>): string | undefined {
  if (origin.originalId === undefined) return undefined
  const scope = origin.source ?? (globallyUnique(origin.originalId) ? '' : `file:${origin.file}`)
  return `${scope}|${origin.originalId}`
}
