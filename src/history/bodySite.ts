// Body sites: a SNOMED CT body structure coding, and laterality as a qualifier
// extension on the same CodeableConcept (HL7's laterality qualifier extension, whose
// context includes CodeableConcept and the bodySite elements used here), so the body
// structure code stays one concept the body map can look up and left stays apart from right.
import type { CodeableConcept, Extension } from '@medplum/fhirtypes'
import { SNOMED_CT } from './codeSystems.ts'
import type { HistoryRecord } from './recordTypes.ts'

/** The URL of HL7's laterality qualifier extension, which the history puts on a body site's CodeableConcept. */
export const LATERALITY_EXTENSION = 'http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier'

/** SNOMED CT laterality qualifier values. */
export const LATERALITY_CODES = { left: '7771000', right: '24028007', bilateral: '51440002' } as const
/** Which side of the body: `left`, `right` or `bilateral`. */
export type Laterality = keyof typeof LATERALITY_CODES

const LATERALITY_DISPLAY: Record<Laterality, string> = { left: 'Left', right: 'Right', bilateral: 'Right and left' }

/** A body site as the forms and the body map use it: a SNOMED CT body structure and, optionally, its side. */
export interface BodySite {
  /** SNOMED CT body structure concept id. */
  code: string
  display?: string
  laterality?: Laterality
}

/** A body site as FHIR: `bodySiteConcept({ code: '72696002', display: 'Knee region structure', laterality: 'left' })`. */
export function bodySiteConcept(site: BodySite): CodeableConcept {
  const concept: CodeableConcept = {
    coding: [{ system: SNOMED_CT, code: site.code, ...(site.display === undefined ? {} : { display: site.display }) }]
  }
  if (site.laterality !== undefined) {
    concept.extension = [
      {
        url: LATERALITY_EXTENSION,
        valueCodeableConcept: { coding: [{ system: SNOMED_CT, code: LATERALITY_CODES[site.laterality], display: LATERALITY_DISPLAY[site.laterality] }] }
      }
    ]
  }
  return concept
}

function lateralityOf(extension: Extension): Laterality | undefined {
  const coding = extension.valueCodeableConcept?.coding?.find((c) => c.system === SNOMED_CT)
  return (Object.keys(LATERALITY_CODES) as Laterality[]).find((side) => LATERALITY_CODES[side] === coding?.code)
}

/** Why a body site's laterality qualifier is malformed (more than one, or not a SNOMED CT side), or undefined when it is sound or absent. */
export function lateralityProblem(concept: CodeableConcept): string | undefined {
  const qualifiers = (concept.extension ?? []).filter((e) => e.url === LATERALITY_EXTENSION)
  if (qualifiers.length > 1) return 'has more than one laterality qualifier'
  const [qualifier] = qualifiers
  if (qualifier !== undefined && lateralityOf(qualifier) === undefined) {
    return `has a laterality qualifier that is not SNOMED CT left (7771000), right (24028007) or right and left (51440002)`
  }
  return undefined
}

/**
 * The body site a CodeableConcept codes: its first SNOMED CT coding and its laterality qualifier,
 * or undefined without a SNOMED CT code. A qualifier this app cannot read is left out.
 */
export function readBodySite(concept: CodeableConcept): BodySite | undefined {
  const coding = concept.coding?.find((c) => c.system === SNOMED_CT && c.code !== undefined)
  if (coding?.code === undefined) return undefined
  const qualifier = concept.extension?.find((e) => e.url === LATERALITY_EXTENSION)
  const laterality = qualifier === undefined ? undefined : lateralityOf(qualifier)
  return { code: coding.code, ...(coding.display === undefined ? {} : { display: coding.display }), ...(laterality === undefined ? {} : { laterality }) }
}

/** Every coded body site of a record, wherever its type keeps them. */
export function bodySitesOf(record: HistoryRecord): BodySite[] {
  const concepts: CodeableConcept[] = []
  switch (record.resourceType) {
    case 'Condition':
    case 'Procedure':
    case 'ServiceRequest':
      concepts.push(...(record.bodySite ?? []))
      break
    case 'Observation':
      if (record.bodySite !== undefined) concepts.push(record.bodySite)
      break
    case 'Immunization':
      if (record.site !== undefined) concepts.push(record.site)
      break
    case 'MedicationRequest':
      for (const dosage of record.dosageInstruction ?? []) if (dosage.site !== undefined) concepts.push(dosage.site)
      break
    case 'MedicationStatement':
      for (const dosage of record.dosage ?? []) if (dosage.site !== undefined) concepts.push(dosage.site)
      break
    default:
      break
  }
  return concepts.map(readBodySite).filter((site): site is BodySite => site !== undefined)
}
