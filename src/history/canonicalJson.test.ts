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
