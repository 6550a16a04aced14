// Finding an ICD-10 (WHO) code in the small bundled list (icd10Codes.ts) by code or by
// words, for the diagnosis forms. Matching ignores case, accents and British/American
// spelling (anaemia = anemia, oedema = edema); results are ranked, best first.
import { icd10Problem } from './codeSystems.ts'
import { ICD10_ROWS } from './icd10Codes.ts'

/** An ICD-10 (WHO) code of the bundled list, with its title. */
export interface Icd10Code {
  /** The code with its dot, e.g. "E11.9". */
  code: string
  /** WHO's English title. */
  title: string
}

/** How many results {@link searchIcd10} returns. */
export interface Icd10SearchOptions {
  /** Most results to return. Default 10. */
  limit?: number
}

/** Text in the form both sides of a search take: lowercase, without accents, "ae" and "oe" read as "e". */
export function foldSearchText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[ao]e/g, 'e')
}

const words = (folded: string): string[] => folded.split(/[^a-z0-9]+/).filter((w) => w.length > 0)

interface IndexedRow extends Icd10Code {
  compact: string
  folded: string
  titleWords: string[]
  keywordWords: string[]
  haystack: string
}

const INDEX: readonly IndexedRow[] = ICD10_ROWS.map(([code, title, keywords]) => {
  const folded = foldSearchText(title)
  const foldedKeywords = foldSearchText(keywords ?? '')
  return {
    code,
    title,
    compact: code.replace('.', ''),
    folded,
    titleWords: words(folded),
    keywordWords: words(foldedKeywords),
    haystack: `${folded} ${foldedKeywords}`
  }
})

const BY_CODE = new Map(INDEX.map((row) => [row.code, row]))

/**
 * A typed code in the form the history keeps ("e119" → "E11.9", " m17.1 " → "M17.1"),
 * or undefined when it is not shaped like an ICD-10 code. The code need not be in the list.
 */
export function normalizeIcd10Code(input: string): string | undefined {
  const m = /^([A-Z]\d[0-9A-Z])\.?([0-9A-Z]{1,4})?$/.exec(input.trim().toUpperCase())
  if (m?.[1] === undefined) return undefined
  const code = m[2] === undefined ? m[1] : `${m[1]}.${m[2]}`
  return icd10Problem(code) === undefined ? code : undefined
}

/** The bundled title of a code, or undefined when the code is not in the list. */
export function icd10Title(code: string): string | undefined {
  return BY_CODE.get(normalizeIcd10Code(code) ?? code)?.title
}

/** How well a row answers the query: lower is better, undefined is no match. */
function rank(row: IndexedRow, compactQuery: string | undefined, phrase: string, tokens: readonly string[]): number | undefined {
  if (compactQuery !== undefined) {
    if (row.compact === compactQuery) return 0
    if (row.compact.startsWith(compactQuery)) return 1
  }
  if (tokens.length === 0) return undefined
  if (row.folded.startsWith(phrase)) return 2
  const atTitleWord = (t: string): boolean => row.titleWords.some((w) => w.startsWith(t))
  const atAnyWord = (t: string): boolean => atTitleWord(t) || row.keywordWords.some((w) => w.startsWith(t))
  if (tokens.every(atTitleWord)) return 3
  if (tokens.every(atAnyWord)) return 4
  if (tokens.every((t) => row.haystack.includes(t))) return 5
  return undefined
}

/**
 * Codes of the bundled list matching `query`, best first: the exact code, then codes
 * starting with it ("M17" → M17.0, M17.1, M17.9), then titles starting with the words,
 * then titles holding every word at a word start, then the everyday words, then anywhere.
 * An empty query finds nothing.
 */
export function searchIcd10(query: string, options: Icd10SearchOptions = {}): Icd10Code[] {
  const limit = options.limit ?? 10
  const trimmed = query.trim()
  if (trimmed.length === 0 || limit <= 0) return []
  const compact = trimmed.toUpperCase().replace(/[.\s]/g, '')
  const compactQuery = /^[A-Z]\d[0-9A-Z]{0,5}$/.test(compact) || /^[A-Z]$/.test(compact) ? compact : undefined
  const phrase = words(foldSearchText(trimmed)).join(' ')
  const tokens = words(phrase)
  const found: { row: IndexedRow; score: number }[] = []
  for (const row of INDEX) {
    const score = rank(row, compactQuery, phrase, tokens)
    if (score !== undefined) found.push({ row, score })
  }
  found.sort((a, b) => a.score - b.score || (a.score <= 1 ? 0 : a.row.title.length - b.row.title.length) || a.row.code.localeCompare(b.row.code))
  return found.slice(0, limit).map(({ row }) => ({ code: row.code, title: row.title }))
}

/** Every code of the bundled list, in code order. */
export function icd10Codes(): Icd10Code[] {
  return INDEX.map(({ code, title }) => ({ code, title }))
}
