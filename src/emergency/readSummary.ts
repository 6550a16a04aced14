// The full emergency summary as a clinician reads it, from the bytes a keeper released: the IPS
// document's sections in plain words, allergies first. The words come from each section's narrative
// (the lines the summary's builder wrote, one list item each); they are shown as text, never as markup,
// so a summary that carries markup cannot inject any into the clinician's page.
import { EmergencyError } from './EmergencyError.ts'
import { IPS_DOCUMENT_CODE, SECTIONS } from './emergencySummary.ts'

/** One section of the summary: its title and its lines; `empty` when the summary says there is nothing to say. */
export interface ReadSection {
  title: string
  lines: string[]
  empty: boolean
}

/** The summary, read: its title and date and its sections, allergies first. */
export interface ReadSummary {
  title: string
  date?: string
  sections: ReadSection[]
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" }

/** The list items of a narrative, as text. */
function narrativeLines(div: unknown): string[] {
  if (typeof div !== 'string') return []
  return [...div.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) =>
    (match[1] ?? '').replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot|apos|#39);/g, (_, name: string) => ENTITIES[name] ?? '')
  )
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads a released summary (the JSON of an IPS document Bundle).
 *
 * @throws {EmergencyError} `DAMAGED_CARD` when the bytes are not an emergency summary.
 */
export function readSummary(bytes: Uint8Array): ReadSummary {
  let bundle: unknown
  try {
    bundle = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new EmergencyError('DAMAGED_CARD', 'The released summary is not readable: it is not a FHIR document.')
  }
  const entries = isObject(bundle) && bundle.resourceType === 'Bundle' && Array.isArray(bundle.entry) ? bundle.entry : []
  const composition = entries.map((entry) => (isObject(entry) ? entry.resource : undefined)).find((resource) => isObject(resource) && resource.resourceType === 'Composition')
  const type = isObject(composition) && isObject(composition.type) && Array.isArray(composition.type.coding) ? composition.type.coding : []
  if (!isObject(composition) || !type.some((coding) => isObject(coding) && coding.code === IPS_DOCUMENT_CODE)) {
    throw new EmergencyError('DAMAGED_CARD', 'The released summary is not an emergency summary (no International Patient Summary in it).')
  }
  const codes = SECTIONS.map((section) => section.code as string)
  const rank = (code: unknown): number => {
    const index = codes.indexOf(typeof code === 'string' ? code : '')
    return index === -1 ? codes.length : index
  }
  const sections = (Array.isArray(composition.section) ? composition.section : []).filter(isObject).map((section) => {
    const coding = isObject(section.code) && Array.isArray(section.code.coding) ? section.code.coding.find(isObject) : undefined
    const empty = section.emptyReason !== undefined
    return {
      order: rank(coding?.code),
      section: {
        title: typeof section.title === 'string' ? section.title : 'Section',
        lines: empty ? [] : narrativeLines(isObject(section.text) ? section.text.div : undefined),
        empty
      }
    }
  })
  // Allergies first, then the order of the IPS sections; a section this app does not know last.
  sections.sort((a, b) => a.order - b.order)
  return {
    title: typeof composition.title === 'string' ? composition.title : 'Emergency summary',
    ...(typeof composition.date === 'string' ? { date: composition.date } : {}),
    sections: sections.map((s) => s.section)
  }
}
