// The code systems the history recognises, and the format checks their codes allow
// without a terminology server: SNOMED CT identifiers carry a Verhoeff check digit,
// LOINC codes a mod-10 check digit, ICD-10 codes a fixed shape.

/** SNOMED CT, for body structures, qualifiers and clinical findings. */
export const SNOMED_CT = 'http://snomed.info/sct'
/** LOINC, for laboratory tests and observations. */
export const LOINC = 'http://loinc.org'
/** UCUM, for units of measure. */
export const UCUM = 'http://unitsofmeasure.org'
/** WHO's ICD-10, the system of the diagnoses the forms code. */
export const ICD_10 = 'http://hl7.org/fhir/sid/icd-10'
/** ICD-10-CM, the US modification of ICD-10: accepted, with the same format check. */
export const ICD_10_CM = 'http://hl7.org/fhir/sid/icd-10-cm'
/** RxNorm, for medicines. */
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm'
/** CVX, for vaccines. */
export const CVX = 'http://hl7.org/fhir/sid/cvx'
/** HL7 v3 ActCode, for an encounter's class (e.g. AMB, ambulatory). */
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'
/** HL7 v3 RoleCode, for family relationships. */
export const V3_ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode'
/** FHIR's Condition clinical status codes (active, resolved, …). */
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical'
/** FHIR's Condition verification status codes (confirmed, entered-in-error, …). */
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status'
/** FHIR's AllergyIntolerance clinical status codes. */
export const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical'
/** FHIR's AllergyIntolerance verification status codes. */
export const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification'

// Verhoeff's dihedral-group tables (multiplication d, permutation p).
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
]
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]
]

/** Whether a string of decimal digits ends in a correct Verhoeff check digit, as SNOMED CT identifiers do. */
export function verhoeffValid(digits: string): boolean {
  let c = 0
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i])
    c = D[c]?.[P[i % 8]?.[digit] ?? 0] ?? 0
  }
  return c === 0
}

/** Why `code` is not a SNOMED CT concept id, or undefined when it is well-formed. */
export function snomedConceptIdProblem(code: string): string | undefined {
  if (!/^[1-9]\d{5,17}$/.test(code)) return `is not a SNOMED CT concept id (6 to 18 digits, no leading zero): "${code}"`
  if (!verhoeffValid(code)) return `is not a SNOMED CT id: its check digit is wrong ("${code}")`
  // The two digits before the check digit say what the id names; 00 and 10 are concepts.
  const partition = code.slice(-3, -1)
  if (partition !== '00' && partition !== '10') return `is a SNOMED CT id but not of a concept (partition ${partition}): "${code}"`
  return undefined
}

/** LOINC's mod-10 check digit for the digits before the dash (`number`, e.g. "2345" of "2345-7"). */
export function loincCheckDigit(number: string): number {
  let sum = 0
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i])
    if (i % 2 === 0) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return (10 - (sum % 10)) % 10
}

/**
 * Why `code` is not a LOINC code (digits, a dash, a correct check digit), or undefined when it is
 * well-formed. LOINC's answer codes ("LA6751-7") and part codes ("LP7839-6") are checked by shape only.
 */
export function loincProblem(code: string): string | undefined {
  if (/^L[AP]\d{1,8}-\d$/.test(code)) return undefined
  const m = /^(\d{1,7})-(\d)$/.exec(code)
  if (m?.[1] === undefined) return `is not a LOINC code (digits, a dash and a check digit): "${code}"`
  if (loincCheckDigit(m[1]) !== Number(m[2])) return `is not a LOINC code: its check digit is wrong ("${code}")`
  return undefined
}

/** Why `code` is not shaped like an ICD-10 code ("J45.9": a letter, two characters, optionally a dot and up to four more), or undefined when it is. */
export function icd10Problem(code: string): string | undefined {
  return /^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$/.test(code) ? undefined : `is not an ICD-10 code (e.g. "J45.9"): "${code}"`
}

/** Why `code` is malformed for its `system` (SNOMED CT, LOINC, ICD-10), or undefined; codes of other systems are accepted as they come. */
export function codeProblem(system: string, code: string): string | undefined {
  switch (system) {
    case SNOMED_CT:
      return snomedConceptIdProblem(code)
    case LOINC:
      return loincProblem(code)
    case ICD_10:
    case ICD_10_CM:
      return icd10Problem(code)
    default:
      return undefined
  }
}
