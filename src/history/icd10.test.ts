import { describe, expect, it } from 'vitest'
import { icd10Problem } from './codeSystems.ts'
import { foldSearchText, icd10Codes, icd10Title, normalizeIcd10Code, searchIcd10 } from './icd10.ts'

const codes = (query: string, limit?: number): string[] => searchIcd10(query, limit === undefined ? {} : { limit }).map((c) => c.code)

describe('the bundled ICD-10 list', () => {
  it('holds a few hundred well-formed, distinct codes with titles, in code order', () => {
    const list = icd10Codes()
    expect(list.length).toBeGreaterThanOrEqual(300)
    for (const { code, title } of list) {
      expect(icd10Problem(code), code).toBeUndefined()
      expect(title.trim().length, code).toBeGreaterThan(2)
    }
    expect(new Set(list.map((c) => c.code)).size).toBe(list.length)
    const sorted = [...list.map((c) => c.code)].sort()
    expect(list.map((c) => c.code)).toEqual(sorted)
  })

  it('knows the common codes', () => {
    expect(icd10Title('I10')).toBe('Essential (primary) hypertension')
    expect(icd10Title('E11.9')).toBe('Type 2 diabetes mellitus without complications')
    expect(icd10Title('m171')).toBe('Other primary gonarthrosis')
    expect(icd10Title('J45')).toBe('Asthma')
    expect(icd10Title('X99.9')).toBeUndefined()
  })
})

describe('normalizeIcd10Code', () => {
  it.each([
    ['e119', 'E11.9'],
    [' M17.1 ', 'M17.1'],
    ['i10', 'I10'],
    ['S83.2', 'S83.2']
  ])('reads %j as %s', (input, code) => expect(normalizeIcd10Code(input)).toBe(code))

  it.each(['', 'knee', '17.1', 'M1', 'M17.12345'])('refuses %j', (input) => expect(normalizeIcd10Code(input)).toBeUndefined())
})

describe('searchIcd10', () => {
  it('puts the exact code first, then the codes it starts', () => {
    expect(codes('M17')).toEqual(['M17.0', 'M17.1', 'M17.9'])
    expect(codes('E11.9')[0]).toBe('E11.9')
    expect(codes('e119')).toEqual(['E11.9'])
    expect(codes('J45')).toEqual(['J45', 'J45.0', 'J45.9'])
    expect(codes('I1')).toEqual(['I10', 'I11.9', 'I12.9'])
  })

  it('finds titles by words, at word starts, in any order', () => {
    expect(codes('asthma')[0]).toBe('J45')
    expect(codes('diabetes type 2')).toContain('E11.9')
    expect(codes('hypert')).toContain('I10')
    expect(codes('gonarth')).toEqual(['M17.9', 'M17.1', 'M17.0'])
  })

  it('ranks titles that start with the query above titles that only contain it', () => {
    const result = codes('asthma', 20)
    expect(result.indexOf('J45.9')).toBeLessThan(result.indexOf('J45.0'))
    expect(result.indexOf('J45')).toBeLessThan(result.indexOf('J46'))
  })

  it('ignores case, accents and British spelling', () => {
    expect(codes('ANEMIA')).toContain('D64.9')
    expect(codes('anémia')).toContain('D64.9')
    expect(codes('edema')).toContain('R60.0')
    expect(codes('diarrhea')).toContain('R19.7')
    expect(codes('esophagitis')).toEqual(['K21.0', 'K21.9'])
  })

  it('finds everyday words the title does not hold', () => {
    expect(codes('knee osteoarthritis')).toEqual(expect.arrayContaining(['M17.0', 'M17.1', 'M17.9']))
    expect(codes('high blood pressure')[0]).toBe('I10')
    expect(codes('hay fever')).toEqual(expect.arrayContaining(['J30.1', 'J30.4']))
  })

  it('limits the results and finds nothing for an empty query or no match', () => {
    expect(codes('a', 5)).toHaveLength(5)
    expect(codes('fracture', 3)).toHaveLength(3)
    expect(codes('   ')).toEqual([])
    expect(codes('zzzz')).toEqual([])
    expect(codes('asthma', 0)).toEqual([])
  })

  it('folds text the same way on both sides', () => {
    expect(foldSearchText('Anaemia Oedème Coeliac')).toBe('anemia edeme celiac')
  })
})
