import { describe, expect, it } from 'vitest'
import { codeProblem, icd10Problem, LOINC, loincProblem, SNOMED_CT, snomedConceptIdProblem, verhoeffValid } from './codeSystems.ts'

describe('SNOMED CT concept ids', () => {
  it.each(['72696002', '80891009', '39607008', '7771000', '24028007', '51440002', '38341003', '44054006', '195967001', '404684003', '272741003'])('accepts %s', (code) => {
    expect(snomedConceptIdProblem(code)).toBeUndefined()
  })

  it('refuses a wrong check digit, a leading zero, letters, and ids that are not concepts', () => {
    expect(snomedConceptIdProblem('72696003')).toMatch(/check digit is wrong/)
    expect(snomedConceptIdProblem('072696002')).toMatch(/not a SNOMED CT concept id/)
    expect(snomedConceptIdProblem('knee')).toMatch(/not a SNOMED CT concept id/)
    // A description id: partition 01. Valid Verhoeff, not a concept.
    const description = ['1', '2', '3', '4', '5', '0', '1'].join('')
    const withCheck = [...Array(10).keys()].map((d) => description + String(d)).find(verhoeffValid) ?? ''
    expect(snomedConceptIdProblem(withCheck)).toMatch(/not of a concept \(partition 01\)/)
  })

  it('Verhoeff catches every single-digit error and adjacent swap of a known id', () => {
    const code = '239873007'
    for (let i = 0; i < code.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const typo = code.slice(0, i) + String(d) + code.slice(i + 1)
        if (typo !== code) expect(verhoeffValid(typo)).toBe(false)
      }
      if (i + 1 < code.length && code[i] !== code[i + 1]) {
        const swapped = code.slice(0, i) + (code[i + 1] ?? '') + (code[i] ?? '') + code.slice(i + 2)
        expect(verhoeffValid(swapped)).toBe(false)
      }
    }
  })
})

describe('LOINC and ICD-10', () => {
  it.each(['2345-7', '8867-4', '8480-6', '718-7', '29463-7', '8302-2', '4548-4', '2160-0', '72514-3'])('accepts LOINC %s', (code) => {
    expect(loincProblem(code)).toBeUndefined()
  })

  it.each(['LA6751-7', 'LP7839-6'])('accepts LOINC answer and part code %s by its shape', (code) => {
    expect(loincProblem(code)).toBeUndefined()
    expect(loincProblem(code.replace('-', ''))).toMatch(/not a LOINC code/)
  })

  it('refuses LOINC codes with a wrong check digit or shape', () => {
    expect(loincProblem('2345-8')).toMatch(/check digit is wrong/)
    expect(loincProblem('2345')).toMatch(/not a LOINC code/)
  })

  it('checks ICD-10 shapes', () => {
    expect(icd10Problem('J45.9')).toBeUndefined()
    expect(icd10Problem('S82.101A')).toBeUndefined()
    expect(icd10Problem('E11')).toBeUndefined()
    expect(icd10Problem('j45.9')).toMatch(/not an ICD-10 code/)
  })

  it('leaves systems it does not know alone', () => {
    expect(codeProblem('http://example.org/codes', 'anything')).toBeUndefined()
    expect(codeProblem(SNOMED_CT, '1')).toBeDefined()
    expect(codeProblem(LOINC, '1-1')).toMatch(/check digit/)
  })
})
