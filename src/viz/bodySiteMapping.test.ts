import { describe, expect, it } from 'vitest'
import { bodySitesOf, demoPatient } from '../history/index.ts'
import { snomedConceptIdProblem } from '../history/codeSystems.ts'
import { fixtureRecords } from '../../test/fixtures/recordFixtures.ts'
import { locateBodySite, SNOMED_PARENTS, SNOMED_SITES } from './bodySiteMapping.ts'
import { PAIRED_BASES, REGION_BY_ID, REGIONS } from './bodyMapRegions.ts'
import { FIGURES } from './art/bodyArt.generated.ts'

// Checked by hand, row by row, and kept apart from the mapping so that a changed id, name
// or region fails here: SNOMED CT concept id → the display text the history writes (the
// concept's FSN without its "(body structure)" tag) → the map's region; and each region →
// its UBERON id and Uberon's label for it.
const CHECKED_SITES: Readonly<Record<string, readonly [display: string, region: string]>> = {
  '38266002': ['Entire body as a whole', 'body'],
  '39937001': ['Skin structure', 'body'],
  '69536005': ['Head structure', 'head'],
  '89545001': ['Face structure', 'head'],
  '12738006': ['Brain structure', 'brain'],
  '81745001': ['Structure of eye proper', 'eye'],
  '8966001': ['Left eye structure', 'eye'],
  '18944008': ['Right eye structure', 'eye'],
  '117590005': ['Ear structure', 'ear'],
  '45206002': ['Nasal structure', 'nose'],
  '2095001': ['Accessory sinus structure', 'nose'],
  '74262004': ['Oral cavity structure', 'mouth'],
  '38199008': ['Tooth structure', 'mouth'],
  '45048000': ['Neck structure', 'neck'],
  '54066008': ['Pharyngeal structure', 'throat'],
  '69748006': ['Thyroid structure', 'thyroid'],
  '44567001': ['Tracheal structure', 'trachea'],
  '51185008': ['Thoracic structure', 'chest'],
  '80891009': ['Heart structure', 'heart'],
  '39607008': ['Lung structure', 'lung'],
  '44029006': ['Left lung structure', 'lung'],
  '3341006': ['Right lung structure', 'lung'],
  '76752008': ['Breast structure', 'breast'],
  '32849002': ['Esophageal structure', 'esophagus'],
  '5798000': ['Diaphragm structure', 'diaphragm'],
  '113345001': ['Abdominal structure', 'abdomen'],
  '12921003': ['Pelvic structure', 'abdomen'],
  '10200004': ['Liver structure', 'liver'],
  '28231008': ['Gallbladder structure', 'gallbladder'],
  '69695003': ['Stomach structure', 'stomach'],
  '15776009': ['Pancreatic structure', 'pancreas'],
  '78961009': ['Splenic structure', 'spleen'],
  '64033007': ['Kidney structure', 'kidney'],
  '18639004': ['Left kidney structure', 'kidney'],
  '9846003': ['Right kidney structure', 'kidney'],
  '23451007': ['Adrenal gland structure', 'adrenal'],
  '30315005': ['Small intestine structure', 'small-intestine'],
  '71854001': ['Colon structure', 'colon'],
  '66754008': ['Appendix structure', 'appendix'],
  '34402009': ['Rectum structure', 'rectum'],
  '89837001': ['Urinary bladder structure', 'bladder'],
  '41216001': ['Prostatic structure', 'prostate'],
  '40689003': ['Testis structure', 'testis'],
  '35039007': ['Uterine structure', 'uterus'],
  '15497006': ['Ovarian structure', 'ovary'],
  '43981004': ['Structure of left ovary', 'ovary'],
  '20837000': ['Structure of right ovary', 'ovary'],
  '77568009': ['Back structure, including back of neck', 'back'],
  '52612000': ['Lumbar region structure', 'lower-back'],
  '46862004': ['Buttock structure', 'buttock'],
  '53120007': ['Upper limb structure', 'arm'],
  '16982005': ['Shoulder region structure', 'shoulder'],
  '40983000': ['Upper arm structure', 'upper-arm'],
  '368208006': ['Left upper arm structure', 'upper-arm'],
  '368209003': ['Right upper arm structure', 'upper-arm'],
  '127949000': ['Elbow region structure', 'elbow'],
  '14975008': ['Forearm structure', 'forearm'],
  '8205005': ['Wrist region structure', 'hand'],
  '85562004': ['Hand structure', 'hand'],
  '85151006': ['Structure of left hand', 'hand'],
  '78791008': ['Structure of right hand', 'hand'],
  '61685007': ['Lower limb structure', 'leg'],
  '29836001': ['Hip region structure', 'thigh'],
  '68367000': ['Thigh structure', 'thigh'],
  '72696002': ['Knee region structure', 'knee'],
  '82169009': ['Left knee region structure', 'knee'],
  '6757004': ['Right knee region structure', 'knee'],
  '30021000': ['Lower leg structure', 'lower-leg'],
  '344001': ['Ankle region structure', 'ankle'],
  '56459004': ['Foot structure', 'foot'],
  '22335008': ['Left foot structure', 'foot'],
  '7769000': ['Right foot structure', 'foot']
}

/** SNOMED CT concept id → display → the mapped code it climbs to. */
const CHECKED_PARENTS: Readonly<Record<string, readonly [display: string, parent: string]>> = {
  '49076000': ['Knee joint structure', '72696002'],
  '74670003': ['Wrist joint structure', '8205005'],
  '71341001': ['Bone structure of femur', '68367000'],
  '12611008': ['Bone structure of tibia', '30021000'],
  '62413002': ['Bone structure of radius', '14975008'],
  '85050009': ['Bone structure of humerus', '40983000'],
  '41801008': ['Coronary artery structure', '80891009'],
  '421060004': ['Structure of vertebral column', '77568009'],
  '122496007': ['Lumbar spine structure', '52612000'],
  '2748008': ['Spinal cord structure', '77568009']
}

/** Region → UBERON id and Uberon's label; the regions Uberon has no class for are left out. */
const CHECKED_UBERON: Readonly<Record<string, readonly [uberon: string, label: string]>> = {
  body: ['UBERON_0000468', 'multicellular organism'],
  head: ['UBERON_0000033', 'head'],
  brain: ['UBERON_0000955', 'brain'],
  eye: ['UBERON_0000970', 'eye'],
  ear: ['UBERON_0001690', 'ear'],
  nose: ['UBERON_0000004', 'nose'],
  mouth: ['UBERON_0000167', 'oral cavity'],
  neck: ['UBERON_0000974', 'neck'],
  throat: ['UBERON_0000341', 'throat'],
  thyroid: ['UBERON_0002046', 'thyroid gland'],
  trachea: ['UBERON_0003126', 'trachea'],
  chest: ['UBERON_0001443', 'chest'],
  lung: ['UBERON_0002048', 'lung'],
  breast: ['UBERON_0000310', 'breast'],
  heart: ['UBERON_0000948', 'heart'],
  esophagus: ['UBERON_0001043', 'esophagus'],
  diaphragm: ['UBERON_0001103', 'diaphragm'],
  abdomen: ['UBERON_0000916', 'abdomen'],
  liver: ['UBERON_0002107', 'liver'],
  stomach: ['UBERON_0000945', 'stomach'],
  spleen: ['UBERON_0002106', 'spleen'],
  colon: ['UBERON_0001155', 'colon'],
  'small-intestine': ['UBERON_0002108', 'small intestine'],
  kidney: ['UBERON_0002113', 'kidney'],
  adrenal: ['UBERON_0002369', 'adrenal gland'],
  pancreas: ['UBERON_0001264', 'pancreas'],
  gallbladder: ['UBERON_0002110', 'gall bladder'],
  appendix: ['UBERON_0001154', 'vermiform appendix'],
  bladder: ['UBERON_0001255', 'urinary bladder'],
  rectum: ['UBERON_0001052', 'rectum'],
  prostate: ['UBERON_0002367', 'prostate gland'],
  testis: ['UBERON_0000473', 'testis'],
  uterus: ['UBERON_0000995', 'uterus'],
  ovary: ['UBERON_0000992', 'ovary'],
  back: ['UBERON_0001137', 'dorsum'],
  buttock: ['UBERON_0013691', 'buttock'],
  arm: ['UBERON_0002102', 'forelimb'],
  shoulder: ['UBERON_0001467', 'shoulder'],
  'upper-arm': ['UBERON_0003822', 'forelimb stylopod'],
  elbow: ['UBERON_0001461', 'elbow'],
  forearm: ['UBERON_0002386', 'forelimb zeugopod'],
  hand: ['UBERON_0002398', 'manus'],
  leg: ['UBERON_0002103', 'hindlimb'],
  thigh: ['UBERON_0000376', 'hindlimb stylopod'],
  knee: ['UBERON_0001465', 'knee'],
  'lower-leg': ['UBERON_0003823', 'hindlimb zeugopod'],
  ankle: ['UBERON_0004454', 'tarsal region'],
  foot: ['UBERON_0002387', 'pes']
}

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

  it('places the uterus and each ovary, keeping the ovary’s side', () => {
    expect(locateBodySite({ code: '35039007' })).toEqual({ region: 'uterus', via: 'mapped', code: '35039007' })
    expect(locateBodySite({ code: '43981004' })).toMatchObject({ region: 'ovary', laterality: 'left' })
    expect(locateBodySite({ code: '20837000' })).toMatchObject({ region: 'ovary', laterality: 'right' })
    expect(locateBodySite({ code: '15497006', laterality: 'bilateral' })).toMatchObject({ region: 'ovary', laterality: 'bilateral' })
  })

  it('puts an unknown code in the unlocated tray, never losing it', () => {
    expect(locateBodySite({ code: '999999999', laterality: 'right' })).toEqual({ region: 'unlocated', laterality: 'right', via: 'unlocated' })
  })

  it('names organs by the UBERON ids the anatomogram uses', () => {
    for (const region of REGIONS) {
      for (const shape of region.shapes) if (shape.kind === 'organ') expect(region.uberon).toBe(shape.uberon)
      if (region.uberon !== undefined) expect(region.uberon).toMatch(/^UBERON_\d{7}$/)
    }
    for (const figure of Object.values(FIGURES)) expect(Object.keys(figure.organs).every((id) => /^UBERON_\d{7}$/.test(id))).toBe(true)
  })

  it('draws every region except the whole body with at least one shape', () => {
    for (const region of REGIONS) if (region.id !== 'body') expect(region.shapes.length, region.id).toBeGreaterThan(0)
  })

  it('matches, row for row, the SNOMED CT ids and names checked by hand', () => {
    expect(Object.keys(SNOMED_SITES).sort()).toEqual(Object.keys(CHECKED_SITES).sort())
    for (const [code, [display, region]] of Object.entries(CHECKED_SITES)) {
      expect(snomedConceptIdProblem(code), code).toBeUndefined()
      expect(SNOMED_SITES[code], code).toMatchObject({ name: display, region })
      // A one-sided concept says its side in its name, and only then.
      const side = /\b(left|right)\b/i.exec(display)?.[1]?.toLowerCase()
      expect(SNOMED_SITES[code]?.laterality, code).toBe(side)
    }
    expect(Object.keys(SNOMED_PARENTS).sort()).toEqual(Object.keys(CHECKED_PARENTS).sort())
    for (const [code, [display, parent]] of Object.entries(CHECKED_PARENTS)) {
      expect(snomedConceptIdProblem(code), code).toBeUndefined()
      expect(SNOMED_PARENTS[code], code).toEqual({ name: display, parent })
    }
  })

  it('gives each region the UBERON id checked by hand, and organs the anatomogram shape of that id', () => {
    const bases = new Set(REGIONS.map((r) => r.base))
    for (const base of bases) {
      const regions = REGIONS.filter((r) => r.base === base)
      const checked = CHECKED_UBERON[base]
      for (const region of regions) expect(region.uberon, region.id).toBe(checked?.[0])
      // The anatomogram titles its shapes with Uberon's label, shortened at most ("appendix", "bladder").
      for (const figure of Object.values(FIGURES)) {
        const organ = checked === undefined ? undefined : figure.organs[checked[0]]
        if (organ !== undefined) expect(checked?.[1], base).toContain(organ.title)
      }
    }
    expect(Object.keys(CHECKED_UBERON).every((base) => bases.has(base))).toBe(true)
  })

  it('agrees with the display text the history writes for every body site it codes', () => {
    const sites = [
      ...Object.values(fixtureRecords()).flatMap((record) => bodySitesOf(record)),
      ...demoPatient({ records: 2000 }).entries.flatMap((entry) => bodySitesOf(entry.record))
    ]
    expect(sites.length).toBeGreaterThan(0)
    for (const site of sites) {
      const checked = CHECKED_SITES[site.code] ?? CHECKED_PARENTS[site.code]
      expect(checked, site.code).toBeDefined()
      expect(site.display, site.code).toBe(checked?.[0])
    }
  })
})
