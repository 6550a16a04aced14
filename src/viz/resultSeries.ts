// Results as values over time: the timeline's Observations grouped by what was measured
// (LOINC or SNOMED CT code, else the name) into series a doctor can chart, each with its
// unit, its reference range and every value flagged low, normal or high.
import type { CodeableConcept, Coding, Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes'
import { codeSystems, type HistoryEntry } from '../history/index.ts'
import { formatRecordDay } from '../format/index.ts'

export type Interpretation = 'low' | 'normal' | 'high'

export interface ResultPoint {
  /** When it was measured (ms). */
  time: number
  value: number
  unit: string
  /** The timeline item (record) it was read from. */
  itemId: string
  /** As the result states it, else against its reference range; undefined when neither says. */
  interpretation: Interpretation | undefined
  /** "<", "<=", ">=", ">": the true value lies beyond `value` (a result below a lab's limit of detection). */
  comparator?: Quantity['comparator']
}

export interface ReferenceRange {
  /** Absent for a one-sided range ("< 5 mg/L"). */
  low?: number
  high?: number
  unit: string
}

export interface ResultSeries {
  /** Stable across rebuilds of the same history: what was measured and in which unit. */
  key: string
  /** What was measured, as the record names it: "Systolic blood pressure". */
  label: string
  unit: string
  /** The decimals its values are reported to (the most any value has), so 7 reads "7.0" among 7.4 and 6.8. */
  decimals: number
  /** Oldest first. */
  points: ResultPoint[]
  /** The most recent range stated by any of the series' results. */
  range: ReferenceRange | undefined
  /** How many values are below, within and above their reference range. */
  counts: Record<Interpretation, number>
}

export interface ResultSeriesSet {
  /** Most values first. */
  series: ResultSeries[]
  /** Results with no number to chart (a text finding, a coded value, a missing value): they stay on the timeline and in the table. */
  unplotted: string[]
}

/** What `resultSeries` reads: a timeline item, or any record with its time. */
export interface ResultSource {
  id: string
  start: number
  entry: HistoryEntry
}

const CODE_PREFERENCE = [codeSystems.LOINC, codeSystems.SNOMED_CT]
const HIGH_CODES = new Set(['H', 'HH', 'HU', '>'])
const LOW_CODES = new Set(['L', 'LL', 'LU', '<'])
const NORMAL_CODES = new Set(['N'])
const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'

const conceptName = (concept: CodeableConcept | undefined): string | undefined =>
  concept?.text ?? concept?.coding?.find((c) => c.display !== undefined)?.display ?? concept?.coding?.[0]?.code

/** "http://loinc.org|4548-4", else another coding, else the name: the identity two results must share to be one series. */
function conceptKey(concept: CodeableConcept | undefined): string | undefined {
  const codings = (concept?.coding ?? []).filter((c): c is Coding & { system: string; code: string } => c.system !== undefined && c.code !== undefined)
  const coding = CODE_PREFERENCE.map((system) => codings.find((c) => c.system === system)).find((c) => c !== undefined) ?? codings[0]
  if (coding !== undefined) return `${coding.system}|${coding.code}`
  const text = concept?.text?.trim().toLowerCase()
  return text === undefined || text === '' ? undefined : `text|${text}`
}

const unitOf = (quantity: Quantity): string => quantity.unit ?? quantity.code ?? ''

/** The first range for the normal population (not a therapeutic target), in the value's unit. */
function readRange(ranges: readonly ObservationReferenceRange[] | undefined, unit: string): ReferenceRange | undefined {
  for (const range of ranges ?? []) {
    const type = range.type?.coding?.[0]?.code
    if (type !== undefined && type !== 'normal') continue
    const bounds = [range.low, range.high].filter((q): q is Quantity => q?.value !== undefined)
    // A range in another unit cannot be compared with the value.
    if (bounds.length === 0 || bounds.some((q) => unitOf(q) !== '' && unit !== '' && unitOf(q) !== unit)) continue
    return { ...(range.low?.value === undefined ? {} : { low: range.low.value }), ...(range.high?.value === undefined ? {} : { high: range.high.value }), unit }
  }
  return undefined
}

function statedInterpretation(concepts: readonly CodeableConcept[] | undefined): Interpretation | undefined {
  for (const concept of concepts ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system !== undefined && coding.system !== INTERPRETATION_SYSTEM) continue
      const code = coding.code ?? ''
      if (HIGH_CODES.has(code)) return 'high'
      if (LOW_CODES.has(code)) return 'low'
      if (NORMAL_CODES.has(code)) return 'normal'
    }
  }
  return undefined
}

/** Low, normal or high against a range; a value given only as a bound ("< 5") is judged only when that settles it. */
export function interpret(value: number, range: ReferenceRange | undefined, comparator?: Quantity['comparator']): Interpretation | undefined {
  if (range === undefined) return undefined
  const { low, high } = range
  const below = comparator === '<' || comparator === '<='
  const above = comparator === '>' || comparator === '>='
  if (low !== undefined && (below ? value <= low : !above && value < low)) return 'low'
  if (high !== undefined && (above ? value >= high : !below && value > high)) return 'high'
  if (below && low !== undefined && value > low) return undefined
  if (above && high !== undefined && value < high) return undefined
  return 'normal'
}

interface Reading {
  key: string
  label: string
  unit: string
  value: number
  comparator: Quantity['comparator'] | undefined
  stated: Interpretation | undefined
  range: ReferenceRange | undefined
}

type Measured = Pick<Observation, 'code' | 'valueQuantity' | 'valueInteger' | 'interpretation' | 'referenceRange'>

function reading(measured: Measured, key: string | undefined, label: string): Reading | undefined {
  if (key === undefined) return undefined
  const quantity = measured.valueQuantity
  const value = quantity?.value ?? measured.valueInteger
  if (value === undefined || !Number.isFinite(value)) return undefined
  const unit = quantity === undefined ? '' : unitOf(quantity)
  return {
    key: `${key}|${unit}`,
    label,
    unit,
    value,
    comparator: quantity?.comparator,
    stated: statedInterpretation(measured.interpretation),
    range: readRange(measured.referenceRange, unit)
  }
}

/** A result's numbers: its own value, and each component's (systolic and diastolic of one blood pressure) as a series of its own. */
function readingsOf(observation: Observation): Reading[] {
  const key = conceptKey(observation.code)
  const label = conceptName(observation.code) ?? 'Result'
  const readings: Reading[] = []
  const own = reading(observation, key, label)
  if (own !== undefined) readings.push(own)
  for (const component of observation.component ?? []) {
    // A component named only in words is scoped to its panel; a coded one is the same measurement wherever it appears.
    const coded = component.code.coding?.some((c) => c.system !== undefined && c.code !== undefined) === true
    const componentKey = coded ? conceptKey(component.code) : key === undefined ? undefined : `${key}/${conceptKey(component.code) ?? ''}`
    const found = reading(component, componentKey, conceptName(component.code) ?? label)
    if (found !== undefined) readings.push(found)
  }
  return readings
}

/** Groups the results among `items` into series, most values first. Records of other types are ignored. */
export function resultSeries(items: readonly ResultSource[]): ResultSeriesSet {
  const byKey = new Map<string, { label: string; unit: string; readings: { item: ResultSource; reading: Reading }[] }>()
  const unplotted: string[] = []
  for (const item of items) {
    const record = item.entry.record
    if (record.resourceType !== 'Observation') continue
    const readings = readingsOf(record)
    if (readings.length === 0) unplotted.push(item.id)
    for (const r of readings) {
      const group = byKey.get(r.key) ?? { label: r.label, unit: r.unit, readings: [] }
      group.readings.push({ item, reading: r })
      byKey.set(r.key, group)
    }
  }
  const series: ResultSeries[] = []
  for (const [key, group] of byKey) {
    group.readings.sort((a, b) => a.item.start - b.item.start || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0))
    const range = group.readings.findLast((r) => r.reading.range !== undefined)?.reading.range
    const counts: Record<Interpretation, number> = { low: 0, normal: 0, high: 0 }
    const points = group.readings.map(({ item, reading: r }): ResultPoint => {
      // A result's own range was the one in force when it was measured; the latest range stands in for results that state none.
      const interpretation = r.stated ?? interpret(r.value, r.range ?? range, r.comparator)
      if (interpretation !== undefined) counts[interpretation]++
      return { time: item.start, value: r.value, unit: r.unit, itemId: item.id, interpretation, ...(r.comparator === undefined ? {} : { comparator: r.comparator }) }
    })
    const decimals = Math.min(4, Math.max(0, ...points.map((p) => /\.(\d+)$/.exec(String(p.value))?.[1]?.length ?? 0)))
    series.push({ key, label: group.label, unit: group.unit, decimals, points, range, counts })
  }
  series.sort((a, b) => b.points.length - a.points.length || a.label.localeCompare(b.label, 'en') || (a.key < b.key ? -1 : 1))
  return { series, unplotted }
}

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 4 })
const fixedFormats = Array.from({ length: 5 }, (_, digits) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }))
const withUnit = (value: string, unit: string): string => (unit === '' ? value : `${value} ${unit}`)

/** "4–5.6 %", "< 200 mg/dL", "> 60 mL/min". */
export function formatRange(range: ReferenceRange): string {
  const { low, high, unit } = range
  if (low !== undefined && high !== undefined) return withUnit(`${numberFormat.format(low)}–${numberFormat.format(high)}`, unit)
  if (high !== undefined) return withUnit(`≤ ${numberFormat.format(high)}`, unit)
  return withUnit(`≥ ${numberFormat.format(low ?? 0)}`, unit)
}

/** "7.3 %", "< 5 mg/L"; to `decimals` places when given. */
export function formatValue(point: Pick<ResultPoint, 'value' | 'unit' | 'comparator'>, decimals?: number): string {
  const format = decimals === undefined ? numberFormat : (fixedFormats[decimals] ?? numberFormat)
  return withUnit(`${point.comparator === undefined ? '' : `${point.comparator} `}${format.format(point.value)}`, point.unit)
}

const INTERPRETATION_TEXT: Record<Interpretation, (range: string) => string> = {
  low: (range) => `below the reference range ${range}`,
  normal: (range) => `within the reference range ${range}`,
  high: (range) => `above the reference range ${range}`
}

/** One value as a screen reader reads it: "Systolic blood pressure 152 mmHg, above the reference range 90–140 mmHg, 3 Mar 2021". */
export function describePoint(series: Pick<ResultSeries, 'label' | 'range' | 'decimals'>, point: ResultPoint): string {
  const flag = point.interpretation === undefined ? '' : `, ${INTERPRETATION_TEXT[point.interpretation](series.range === undefined ? '' : formatRange(series.range)).trim()}`
  return `${series.label} ${formatValue(point, series.decimals)}${flag}, ${formatRecordDay(point.time)}`
}

/** The series in one sentence: how many values, over which years, how many out of range, and the latest. */
export function describeSeries(series: ResultSeries): string {
  const first = series.points[0]
  const last = series.points[series.points.length - 1]
  if (first === undefined || last === undefined) return `${series.label}: no values`
  const years = (t: number): number => new Date(t).getUTCFullYear()
  const count = `${series.points.length} value${series.points.length === 1 ? '' : 's'}`
  const span = years(first.time) === years(last.time) ? `in ${years(first.time)}` : `from ${years(first.time)} to ${years(last.time)}`
  const { low, high } = series.counts
  const flags =
    series.range === undefined ? 'no reference range stated' : `${high} above and ${low} below the reference range ${formatRange(series.range)}`
  return `${series.label}: ${count} ${span}, ${flags}; latest ${formatValue(last, series.decimals)} on ${formatRecordDay(last.time)}.`
}
