import type { Observation } from '@medplum/fhirtypes'
import { describe, expect, it } from 'vitest'
import { codeSystems, DEMO_PATIENT, demoPatient, entryPeriod, type HistoryEntry } from '../history/index.ts'
import { bloodPressureSeries, fixtureRecords, DOCTOR, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import { describePoint, describeSeries, formatRange, interpret, resultSeries, type ResultSource } from './resultSeries.ts'
import { demoLog } from './demoLog.ts'
import { buildTimelineModel } from './timelineModel.ts'

const { LOINC, SNOMED_CT, UCUM } = codeSystems
const subject = { reference: `Patient/${PATIENT}` }
const mg = (value: number) => ({ value, unit: 'mg/dL', system: UCUM, code: 'mg/dL' })

function item(record: Observation, id = record.id ?? 'x'): ResultSource {
  const entry: HistoryEntry = { v: 1, id, record, writer: DOCTOR, writtenAt: '2026-01-01T00:00:00.000Z' }
  return { id, start: entryPeriod(entry).start, entry }
}

/** A creatinine result on `date`, with the lab's range 0.7–1.3 mg/dL unless told otherwise. */
function creatinine(id: string, date: string, value: number, extra: Partial<Observation> = {}): ResultSource {
  return item({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' }] },
    subject,
    effectiveDateTime: `${date}T08:00:00Z`,
    valueQuantity: mg(value),
    referenceRange: [{ low: mg(0.7), high: mg(1.3) }],
    ...extra
  })
}

describe('resultSeries', () => {
  it('puts the values of one test in time order, whatever order the records come in', () => {
    const { series } = resultSeries([creatinine('c', '2024-05-01', 1.1), creatinine('a', '2019-02-01', 0.9), creatinine('b', '2021-09-01', 1.5)])
    expect(series).toHaveLength(1)
    const [creat] = series
    expect(creat?.label).toBe('Creatinine [Mass/volume] in Serum or Plasma')
    expect(creat?.unit).toBe('mg/dL')
    expect(creat?.points.map((p) => [new Date(p.time).toISOString().slice(0, 10), p.value, p.unit, p.itemId])).toEqual([
      ['2019-02-01', 0.9, 'mg/dL', 'a'],
      ['2021-09-01', 1.5, 'mg/dL', 'b'],
      ['2024-05-01', 1.1, 'mg/dL', 'c']
    ])
  })

  it('flags values outside the reference range, and counts them', () => {
    const { series } = resultSeries([creatinine('a', '2020-01-01', 0.5), creatinine('b', '2021-01-01', 1.0), creatinine('c', '2022-01-01', 1.3), creatinine('d', '2023-01-01', 2.4)])
    const [creat] = series
    expect(creat?.points.map((p) => p.interpretation)).toEqual(['low', 'normal', 'normal', 'high'])
    expect(creat?.counts).toEqual({ low: 1, normal: 2, high: 1 })
    expect(creat?.range).toEqual({ low: 0.7, high: 1.3, unit: 'mg/dL' })
  })

  it('trusts the lab’s own flag over the range, and keeps each result’s own range', () => {
    const flaggedHigh = { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H' }] }] }
    const { series } = resultSeries([
      creatinine('a', '2010-01-01', 1.2, flaggedHigh),
      // An older lab's wider range: 1.4 was normal there.
      creatinine('b', '2012-01-01', 1.4, { referenceRange: [{ low: mg(0.6), high: mg(1.5) }] }),
      creatinine('c', '2014-01-01', 1.4)
    ])
    expect(series[0]?.points.map((p) => p.interpretation)).toEqual(['high', 'normal', 'high'])
  })

  it('shows the most recent range stated, and judges results that state none against it', () => {
    const { series } = resultSeries([
      creatinine('a', '2010-01-01', 1.25, { referenceRange: [{ low: mg(0.6), high: mg(1.2) }] }),
      creatinine('b', '2015-01-01', 1.25, { referenceRange: [{ low: mg(0.7), high: mg(1.3) }] }),
      creatinine('c', '2020-01-01', 1.35, { referenceRange: undefined })
    ])
    expect(series[0]?.range).toEqual({ low: 0.7, high: 1.3, unit: 'mg/dL' })
    expect(series[0]?.points.map((p) => p.interpretation)).toEqual(['high', 'normal', 'high'])
  })

  it('reads a one-sided range, ignores a range in another unit, and leaves a result without a range unjudged', () => {
    const cholesterol = (id: string, value: number, high: { value: number; unit: string }): ResultSource =>
      item({
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { coding: [{ system: LOINC, code: '2093-3', display: 'Cholesterol' }] },
        subject,
        effectiveDateTime: '2020-01-01',
        valueQuantity: mg(value),
        referenceRange: [{ high: { ...high, system: UCUM, code: high.unit } }]
      })
    const [chol] = resultSeries([cholesterol('a', 230, { value: 200, unit: 'mg/dL' })]).series
    expect(chol?.range).toEqual({ high: 200, unit: 'mg/dL' })
    expect(formatRange(chol?.range ?? { unit: '' })).toBe('≤ 200 mg/dL')
    expect(chol?.points[0]?.interpretation).toBe('high')
    const [other] = resultSeries([cholesterol('b', 230, { value: 5.2, unit: 'mmol/L' })]).series
    expect(other?.range).toBeUndefined()
    expect(other?.points[0]?.interpretation).toBeUndefined()
  })

  it('judges a value below a limit of detection only when the bound settles it', () => {
    expect(interpret(5, { high: 5, unit: 'mg/L' }, '<')).toBe('normal')
    expect(interpret(3, { low: 4, high: 10, unit: 'mg/L' }, '<')).toBe('low')
    expect(interpret(5, { low: 4, high: 10, unit: 'mg/L' }, '<')).toBeUndefined()
    expect(interpret(12, { low: 4, high: 10, unit: 'mg/L' }, '>')).toBe('high')
    expect(interpret(12, undefined)).toBeUndefined()
  })

  it('splits a blood pressure’s components into a systolic and a diastolic series', () => {
    const readings = bloodPressureSeries(PATIENT, 30).map((record) => item(record))
    const { series, unplotted } = resultSeries(readings)
    expect(series.map((s) => [s.label, s.unit, s.points.length])).toEqual([
      ['Diastolic blood pressure', 'mmHg', 30],
      ['Systolic blood pressure', 'mmHg', 30]
    ])
    const systolic = series.find((s) => s.label === 'Systolic blood pressure')
    expect(systolic?.points.slice(0, 3).map((p) => p.value)).toEqual([110, 111, 112])
    // One record, two series: each value still leads back to its blood-pressure record.
    expect(systolic?.points[0]?.itemId).toBe('bp-0')
    expect(series.find((s) => s.label === 'Diastolic blood pressure')?.points[0]?.itemId).toBe('bp-0')
    expect(unplotted).toEqual([])
  })

  it('charts a systolic reading taken alone with the systolic of blood-pressure panels: the same LOINC code', () => {
    const { bloodPressure } = fixtureRecords()
    const { series } = resultSeries([item(bloodPressure), ...bloodPressureSeries(PATIENT, 3).map((record) => item(record))])
    expect(series.find((s) => s.label === 'Systolic blood pressure')?.points).toHaveLength(4)
  })

  it('keeps results in different units apart, and groups by SNOMED CT code or, failing a code, by name', () => {
    const hba1c = (id: string, value: number, unit: string): ResultSource =>
      item({ resourceType: 'Observation', id, status: 'final', code: { text: 'HbA1c' }, subject, effectiveDateTime: '2020-01-01', valueQuantity: { value, unit } })
    const byName = resultSeries([hba1c('a', 7.1, '%'), hba1c('b', 54, 'mmol/mol'), hba1c('c', 6.8, '%')]).series
    expect(byName.map((s) => [s.label, s.unit, s.points.length])).toEqual([
      ['HbA1c', '%', 2],
      ['HbA1c', 'mmol/mol', 1]
    ])
    const temperature = (id: string, display: string): ResultSource =>
      item({
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { coding: [{ system: SNOMED_CT, code: '386725007', display }] },
        subject,
        effectiveDateTime: '2020-01-01',
        valueQuantity: { value: 37, unit: 'Cel' }
      })
    expect(resultSeries([temperature('a', 'Body temperature'), temperature('b', 'Temperature')]).series).toHaveLength(1)
  })

  it('leaves out results without a number, but names them, and they stay on the timeline', () => {
    const records = fixtureRecords()
    const { series, unplotted } = resultSeries([
      item(records.cartilage),
      item(records.pain),
      item({ resourceType: 'Observation', id: 'no-value', status: 'final', code: { text: 'Urine colour' }, subject, effectiveDateTime: '2020-01-01', valueString: 'straw' })
    ])
    expect(series.map((s) => s.points.length)).toEqual([1, 1])
    expect(unplotted).toEqual(['no-value'])
  })

  it('ignores records that are not results', () => {
    const records = fixtureRecords()
    const entries = Object.values(records).map((record) => {
      const entry: HistoryEntry = { v: 1, id: record.id ?? '', record, writer: DOCTOR, writtenAt: '2026-01-01T00:00:00.000Z' }
      return { id: entry.id, start: entryPeriod(entry).start, entry }
    })
    const { series, unplotted } = resultSeries(entries)
    const observations = entries.filter((e) => e.entry.record.resourceType === 'Observation')
    expect(series.reduce((n, s) => n + s.points.length, 0) + unplotted.length).toBe(observations.length)
  })

  it('describes a series and a value in words a doctor reads aloud', () => {
    const { series } = resultSeries([creatinine('a', '2019-02-01', 0.9), creatinine('b', '2021-09-01', 1.5), creatinine('c', '2024-05-01', 1.1)])
    const [creat] = series
    if (creat === undefined) throw new Error('no series')
    expect(describeSeries(creat)).toBe(
      'Creatinine [Mass/volume] in Serum or Plasma: 3 values from 2019 to 2024, 1 above and 0 below the reference range 0.7–1.3 mg/dL; latest 1.1 mg/dL on 1 May 2024.'
    )
    const [, high] = creat.points
    if (high === undefined) throw new Error('no second value')
    expect(describePoint(creat, high)).toBe('Creatinine [Mass/volume] in Serum or Plasma 1.5 mg/dL, above the reference range 0.7–1.3 mg/dL, 1 Sep 2021')
  })

  it('writes every value to the decimals the series is reported to', () => {
    const { series } = resultSeries([creatinine('a', '2019-02-01', 1.15), creatinine('b', '2021-09-01', 1)])
    const [creat] = series
    if (creat === undefined) throw new Error('no series')
    expect(creat.decimals).toBe(2)
    expect(describeSeries(creat)).toContain('latest 1.00 mg/dL on 1 Sep 2021.')
  })

  it('finds the demo patient’s routine results, most values first, every one with its unit and every lab with its range', () => {
    const demo = demoLog(demoPatient({ records: 2000 }))
    const model = buildTimelineModel(demo.blocks, { patient: DEMO_PATIENT, now: demo.now })
    const { series, unplotted } = resultSeries(model.items)
    const results = model.items.filter((i) => i.lane === 'results')
    expect(series.reduce((n, s) => n + s.points.length, 0) + unplotted.length).toBe(results.length)
    for (let i = 1; i < series.length; i++) expect(series[i - 1]?.points.length).toBeGreaterThanOrEqual(series[i]?.points.length ?? 0)
    const label = (code: string): string | undefined => series.find((s) => s.key.startsWith(`${LOINC}|${code}|`))?.label
    for (const code of ['4548-4', '2160-0', '2093-3', '8480-6']) {
      const s = series.find((x) => x.key.startsWith(`${LOINC}|${code}|`))
      expect(s?.points.length, label(code)).toBeGreaterThan(20)
      expect(s?.range, label(code)).toBeDefined()
      for (const p of s?.points ?? []) expect(p.unit).toBe(s?.unit)
    }
    // A diabetic's HbA1c sits mostly above the reference range.
    const hba1c = series.find((x) => x.key.startsWith(`${LOINC}|4548-4|`))
    expect(hba1c?.counts.high).toBeGreaterThan((hba1c?.points.length ?? 0) / 2)
  })
})
