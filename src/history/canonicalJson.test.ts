import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonicalJson.ts'
import { HistoryError } from './HistoryError.ts'

describe('canonicalJson', () => {
  it('sorts keys at every depth and adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: true, c: null }], é: 'x', A: 'y' })).toBe('{"A":"y","a":[{"c":null,"d":true}],"b":1,"é":"x"}')
  })

  it('prints numbers and strings as JSON.stringify does (RFC 8785 for these values)', () => {
    expect(canonicalJson([1.5, 1e21, 0.000001, -0, '\u2028', 'é\n"'])).toBe('[1.5,1e+21,0.000001,0,"\u2028","é\\n\\""]')
  })

  it('refuses what JSON cannot carry faithfully', () => {
    const cases: unknown[] = [[undefined], [Number.NaN], { x: Infinity }, ['\ud800'], new Date(0), { f: () => 1 }, JSON.parse('{"__proto__":{}}')]
    for (const value of cases) expect(() => canonicalJson(value)).toThrow(HistoryError)
  })

  it('leaves out properties whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}')
  })

  it('names where the bad value is', () => {
    expect(() => canonicalJson({ record: { note: [{ text: Number.NaN }] } })).toThrow('entry.record.note[0].text is NaN')
  })

  it('property: parsing the output gives the input back, and canonicalising again changes nothing', () => {
    fc.assert(
      // "__proto__" keys are refused on purpose (the next test); every other JSON value round-trips.
      fc.property(fc.jsonValue().filter((value) => !JSON.stringify(value).includes('"__proto__"')), (value) => {
        const text = canonicalJson(value)
        expect(canonicalJson(JSON.parse(text))).toBe(text)
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)))
      })
    )
  })

  it('refuses a "__proto__" key anywhere, naming where it is', () => {
    expect(() => canonicalJson(JSON.parse('{"record":{"note":[{"__proto__":{"polluted":true}}]}}'))).toThrow('__proto__')
  })
})

// RFC 8785 (JCS) vectors, committed under ./vectors/jcs with their source and licence
// (README.md there). canonicalJson takes parsed values, so each input goes through JSON.parse.
describe('canonicalJson against the RFC 8785 (JCS) test vectors', () => {
  const dir = path.join(import.meta.dirname, 'vectors', 'jcs')
  const read = (...parts: string[]): string => readFileSync(path.join(dir, ...parts), 'utf8')
  const names = readdirSync(path.join(dir, 'input')).map((file) => file.replace(/\.json$/, ''))

  it('has the six files of the reference repository, the RFC\'s own sample among them', () => {
    expect(names.sort()).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird'])
  })

  it.each(names)('%s: the same text as output/, the same UTF-8 bytes as outhex/', (name) => {
    const text = canonicalJson(JSON.parse(read('input', `${name}.json`)))
    expect(text).toBe(read('output', `${name}.json`))
    expect(Buffer.from(text, 'utf8').toString('hex')).toBe(read('outhex', `${name}.txt`).replace(/\s+/g, ''))
  })

  const double = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0)
  const numberRows = [
    ...(JSON.parse(read('rfc8785-appendix-b.json')) as [string, string | null, string][]).map(([hex, expected]) => ({ hex, expected, from: 'Appendix B' })),
    ...(JSON.parse(read('verify-numbers.json')) as [string, string | null][]).map(([hex, expected]) => ({ hex, expected, from: 'verify-numbers' }))
  ]

  it.each(numberRows.filter((row) => row.expected !== null))('$from: $hex is written $expected', ({ hex, expected }) => {
    expect(canonicalJson(double(hex))).toBe(expected)
    expect(canonicalJson({ n: [double(hex)] })).toBe(`{"n":[${String(expected)}]}`)
  })

  it.each(numberRows.filter((row) => row.expected === null))('$from: $hex (NaN or an infinity) is refused, as JCS requires', ({ hex }) => {
    expect(() => canonicalJson(double(hex))).toThrow(HistoryError)
  })
})
