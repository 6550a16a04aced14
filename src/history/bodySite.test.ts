import { describe, expect, it } from 'vitest'
import { bodySiteConcept, bodySitesOf, LATERALITY_EXTENSION, readBodySite } from './bodySite.ts'
import { SNOMED_CT } from './codeSystems.ts'
import { fixtureRecords } from '../../test/fixtures/recordFixtures.ts'

describe('body sites', () => {
  it('are a SNOMED CT coding with a laterality qualifier extension', () => {
    expect(bodySiteConcept({ code: '72696002', display: 'Knee region structure', laterality: 'right' })).toEqual({
      coding: [{ system: SNOMED_CT, code: '72696002', display: 'Knee region structure' }],
      extension: [{ url: LATERALITY_EXTENSION, valueCodeableConcept: { coding: [{ system: SNOMED_CT, code: '24028007', display: 'Right' }] } }]
    })
  })

  it('read back as they were written', () => {
    for (const site of [{ code: '72696002', laterality: 'left' as const }, { code: '80891009', display: 'Heart structure' }, { code: '39607008', laterality: 'bilateral' as const }]) {
      expect(readBodySite(bodySiteConcept(site))).toEqual(site)
    }
    expect(readBodySite({ text: 'somewhere' })).toBeUndefined()
  })

  it('are found wherever a record type keeps them', () => {
    const r = fixtureRecords()
    expect(bodySitesOf(r.osteoarthritis)).toEqual([{ code: '72696002', display: 'Knee region structure', laterality: 'left' }])
    expect(bodySitesOf(r.cartilage)).toHaveLength(1)
    expect(bodySitesOf(r.flu)).toEqual([{ code: '368208006', display: 'Left upper arm structure' }])
    expect(bodySitesOf({ ...r.ibuprofen, dosageInstruction: [{ site: bodySiteConcept({ code: '368208006' }) }] })).toEqual([{ code: '368208006' }])
    expect(bodySitesOf(r.penicillin)).toEqual([])
  })
})
