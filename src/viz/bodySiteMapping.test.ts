import { describe, expect, it } from 'vitest'
import { snomedConceptIdProblem } from '../history/codeSystems.ts'
import { locateBodySite, SNOMED_PARENTS, SNOMED_SITES } from './bodySiteMapping.ts'
import { PAIRED_BASES, REGION_BY_ID, REGIONS } from './bodyMapRegions.ts'
import { ORGANS } from './art/bodyArt.generated.ts'

const regionExists = (base: string): boolean => REGION_BY_ID.has(base) || PAIRED_BASES.has(base)

describe('the SNOMED CT → body map mapping', () => {
  it('uses well-formed SNOMED CT concept ids only', () => {
    for (const code of [...Object.keys(SNOMED_SITES), ...Object.keys(SNOMED_PARENTS), ...Object.values(SNOMED_PARENTS).map((p) => p.parent)]) {
      expect(snomedConceptIdProblem(code), code).toBeUndefined()
    }
  })

  it('resolves every mapped code to a region of the map', () => {
    for (const [code, row] of Object.entries(SNOMED_SITES)) {
      expect(regionExists(row.region), `${code} → ${row.region}`).toBe(true)
      expect(locateBodySite({ code })).toMatchObject({ region: row.region, via: 'mapped', code })
    }
  })

  it('lets every parent chain end at a mapped code', () => {
    for (const code of Object.keys(SNOMED_PARENTS)) {
      const location = locateBodySite({ code })
      expect(location.via, code).toBe('parent')
      expect(regionExists(location.region)).toBe(true)
    }
  })

  it('places a knee joint on the knee, keeping its side', () => {
    expect(locateBodySite({ code: '49076000', laterality: 'left' })).toEqual({ region: 'knee', laterality: 'left', via: 'parent', code: '72696002' })
  })

  it('takes the side of a one-sided concept, whatever the qualifier says is missing', () => {
    expect(locateBodySite({ code: '368208006' })).toMatchObject({ region: 'upper-arm', laterality: 'left' })
    expect(locateBodySite({ code: '9846003' })).toMatchObject({ region: 'kidney', laterality: 'right' })
  })

  it('puts an unknown code in the unlocated tray, never losing it', () => {
    expect(locateBodySite({ code: '999999999', laterality: 'right' })).toEqual({ region: 'unlocated', laterality: 'right', via: 'unlocated' })
  })

  it('names organs by the UBERON ids the anatomogram uses', () => {
    for (const region of REGIONS) {
      for (const shape of region.shapes) if (shape.kind === 'organ') expect(region.uberon).toBe(shape.uberon)
      if (region.uberon !== undefined) expect(region.uberon).toMatch(/^UBERON_\d{7}$/)
    }
    expect(Object.keys(ORGANS).every((id) => /^UBERON_\d{7}$/.test(id))).toBe(true)
  })

  it('draws every region except the whole body with at least one shape', () => {
    for (const region of REGIONS) if (region.id !== 'body') expect(region.shapes.length, region.id).toBeGreaterThan(0)
  })
})
