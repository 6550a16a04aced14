// FHIR references: their forms, and the links between the history's records that
// the diagnostic chain follows.
import { isFhirId } from './fhirPrimitives.ts'

/** A FHIR reference's form and, where it has them, its type and id. */
export interface ParsedReference {
  /** The resource type, for "Type/id" and absolute URLs. */
  type?: string
  id?: string
  kind: 'relative' | 'absolute' | 'urn' | 'contained'
}

const TYPE = '[A-Z][A-Za-z]+'
const ID = '[A-Za-z0-9\\-.]{1,64}'
const RELATIVE = new RegExp(`^(${TYPE})/(${ID})(?:/_history/${ID})?$`)
const ABSOLUTE = new RegExp(`^https?://[^\\s/]+(?:/[^\\s/]+)*?/(${TYPE})/(${ID})(?:/_history/${ID})?$`)
const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const OID_URN = /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/

/**
 * A FHIR reference string parsed: "Type/id" (relative), an absolute URL ending in Type/id, a
 * "urn:uuid:" or "urn:oid:" (urn), or "#id" (contained); undefined for any other form.
 */
export function parseReference(reference: string): ParsedReference | undefined {
  const relative = RELATIVE.exec(reference)
  if (relative?.[1] !== undefined && relative[2] !== undefined) return { kind: 'relative', type: relative[1], id: relative[2] }
  const absolute = ABSOLUTE.exec(reference)
  if (absolute?.[1] !== undefined && absolute[2] !== undefined) return { kind: 'absolute', type: absolute[1], id: absolute[2] }
  if (UUID_URN.test(reference) || OID_URN.test(reference)) return { kind: 'urn' }
  if (reference.startsWith('#') && isFhirId(reference.slice(1))) return { kind: 'contained', id: reference.slice(1) }
  return undefined
}

/** "Type/id" for a reference into this history (relative form), else undefined. */
export function localReferenceKey(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined
  const parsed = parseReference(reference)
  return parsed?.kind === 'relative' ? `${parsed.type ?? ''}/${parsed.id ?? ''}` : undefined
}
