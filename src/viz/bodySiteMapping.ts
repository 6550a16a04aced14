// SNOMED CT body structures → the body map's regions, as data in one place.
//
// Each region of the map carries the UBERON id of the structure it draws where Uberon
// has one (the anatomogram's organ shapes are named by UBERON id). The SNOMED CT side
// follows Uberon's `xref: SCTID:` cross-references where Uberon gives one; the other
// rows, and the lateralised concepts, were checked by hand against SNOMED CT's own
// names; bodySiteMapping.test.ts pins every row (id, name, region, UBERON id) as checked.
// A code with no row climbs SNOMED_PARENTS (is-a or part-of) to the nearest code
// that has one; a code that still finds none lands in the "whole body / unlocated"
// tray: no record is ever dropped from the map.
import type { BodySite, Laterality } from '../history/index.ts'

export interface SiteMapping {
  /** SNOMED CT's name for the code (its "structure" FSN, shortened). */
  name: string
  /** The body map region (see bodyMapRegions.ts), without side. */
  region: string
  /** For SNOMED concepts that are themselves one-sided ("Left upper arm structure"). */
  laterality?: Exclude<Laterality, 'bilateral'>
}

/** Body structure codes with a place on the map. */
export const SNOMED_SITES: Readonly<Record<string, SiteMapping>> = {
  '38266002': { name: 'Entire body as a whole', region: 'body' },
  '39937001': { name: 'Skin structure', region: 'body' },
  // Head and neck
  '69536005': { name: 'Head structure', region: 'head' },
  '89545001': { name: 'Face structure', region: 'head' },
  '12738006': { name: 'Brain structure', region: 'brain' },
  '81745001': { name: 'Structure of eye proper', region: 'eye' },
  '8966001': { name: 'Left eye structure', region: 'eye', laterality: 'left' },
  '18944008': { name: 'Right eye structure', region: 'eye', laterality: 'right' },
  '117590005': { name: 'Ear structure', region: 'ear' },
  '45206002': { name: 'Nasal structure', region: 'nose' },
  '2095001': { name: 'Accessory sinus structure', region: 'nose' },
  '74262004': { name: 'Oral cavity structure', region: 'mouth' },
  '38199008': { name: 'Tooth structure', region: 'mouth' },
  '45048000': { name: 'Neck structure', region: 'neck' },
  '54066008': { name: 'Pharyngeal structure', region: 'throat' },
  '69748006': { name: 'Thyroid structure', region: 'thyroid' },
  '44567001': { name: 'Tracheal structure', region: 'trachea' },
  // Chest
  '51185008': { name: 'Thoracic structure', region: 'chest' },
  '80891009': { name: 'Heart structure', region: 'heart' },
  '39607008': { name: 'Lung structure', region: 'lung' },
  '44029006': { name: 'Left lung structure', region: 'lung', laterality: 'left' },
  '3341006': { name: 'Right lung structure', region: 'lung', laterality: 'right' },
  '76752008': { name: 'Breast structure', region: 'breast' },
  '32849002': { name: 'Esophageal structure', region: 'esophagus' },
  '5798000': { name: 'Diaphragm structure', region: 'diaphragm' },
  // Abdomen and pelvis
  '113345001': { name: 'Abdominal structure', region: 'abdomen' },
  '12921003': { name: 'Pelvic structure', region: 'abdomen' },
  '10200004': { name: 'Liver structure', region: 'liver' },
  '28231008': { name: 'Gallbladder structure', region: 'gallbladder' },
  '69695003': { name: 'Stomach structure', region: 'stomach' },
  '15776009': { name: 'Pancreatic structure', region: 'pancreas' },
  '78961009': { name: 'Splenic structure', region: 'spleen' },
  '64033007': { name: 'Kidney structure', region: 'kidney' },
  '18639004': { name: 'Left kidney structure', region: 'kidney', laterality: 'left' },
  '9846003': { name: 'Right kidney structure', region: 'kidney', laterality: 'right' },
  '23451007': { name: 'Adrenal gland structure', region: 'adrenal' },
  '30315005': { name: 'Small intestine structure', region: 'small-intestine' },
  '71854001': { name: 'Colon structure', region: 'colon' },
  '66754008': { name: 'Appendix structure', region: 'appendix' },
  '34402009': { name: 'Rectum structure', region: 'rectum' },
  '89837001': { name: 'Urinary bladder structure', region: 'bladder' },
  '41216001': { name: 'Prostatic structure', region: 'prostate' },
  '40689003': { name: 'Testis structure', region: 'testis' },
  '35039007': { name: 'Uterine structure', region: 'uterus' },
  '15497006': { name: 'Ovarian structure', region: 'ovary' },
  '43981004': { name: 'Structure of left ovary', region: 'ovary', laterality: 'left' },
  '20837000': { name: 'Structure of right ovary', region: 'ovary', laterality: 'right' },
  // Back
  '77568009': { name: 'Back structure, including back of neck', region: 'back' },
  '52612000': { name: 'Lumbar region structure', region: 'lower-back' },
  '46862004': { name: 'Buttock structure', region: 'buttock' },
  // Upper limbs
  '53120007': { name: 'Upper limb structure', region: 'arm' },
  '16982005': { name: 'Shoulder region structure', region: 'shoulder' },
  '40983000': { name: 'Upper arm structure', region: 'upper-arm' },
  '368208006': { name: 'Left upper arm structure', region: 'upper-arm', laterality: 'left' },
  '368209003': { name: 'Right upper arm structure', region: 'upper-arm', laterality: 'right' },
  '127949000': { name: 'Elbow region structure', region: 'elbow' },
  '14975008': { name: 'Forearm structure', region: 'forearm' },
  '8205005': { name: 'Wrist region structure', region: 'hand' },
  '85562004': { name: 'Hand structure', region: 'hand' },
  '85151006': { name: 'Structure of left hand', region: 'hand', laterality: 'left' },
  '78791008': { name: 'Structure of right hand', region: 'hand', laterality: 'right' },
  // Lower limbs
  '61685007': { name: 'Lower limb structure', region: 'leg' },
  '29836001': { name: 'Hip region structure', region: 'thigh' },
  '68367000': { name: 'Thigh structure', region: 'thigh' },
  '72696002': { name: 'Knee region structure', region: 'knee' },
  '82169009': { name: 'Left knee region structure', region: 'knee', laterality: 'left' },
  '6757004': { name: 'Right knee region structure', region: 'knee', laterality: 'right' },
  '30021000': { name: 'Lower leg structure', region: 'lower-leg' },
  '344001': { name: 'Ankle region structure', region: 'ankle' },
  '56459004': { name: 'Foot structure', region: 'foot' },
  '22335008': { name: 'Left foot structure', region: 'foot', laterality: 'left' },
  '7769000': { name: 'Right foot structure', region: 'foot', laterality: 'right' }
}

/**
 * Codes without a region of their own and the code they are part of or a kind of,
 * so that they land on their nearest mapped ancestor.
 */
export const SNOMED_PARENTS: Readonly<Record<string, { name: string; parent: string }>> = {
  '49076000': { name: 'Knee joint structure', parent: '72696002' },
  '74670003': { name: 'Wrist joint structure', parent: '8205005' },
  '71341001': { name: 'Bone structure of femur', parent: '68367000' },
  '12611008': { name: 'Bone structure of tibia', parent: '30021000' },
  '62413002': { name: 'Bone structure of radius', parent: '14975008' },
  '85050009': { name: 'Bone structure of humerus', parent: '40983000' },
  '41801008': { name: 'Coronary artery structure', parent: '80891009' },
  '421060004': { name: 'Structure of vertebral column', parent: '77568009' },
  '122496007': { name: 'Lumbar spine structure', parent: '52612000' },
  '2748008': { name: 'Spinal cord structure', parent: '77568009' }
}

export interface SiteLocation {
  /** The region without side, e.g. "knee". */
  region: string
  laterality?: Laterality
  /** How it was found: its own row, a parent's row, or neither (the tray). */
  via: 'mapped' | 'parent' | 'unlocated'
  /** The code whose row placed it. */
  code?: string
}

const MAX_CLIMB = 8

/** Where on the map a coded body site goes; never undefined: the tray takes the rest. */
export function locateBodySite(site: BodySite): SiteLocation {
  let code: string | undefined = site.code
  for (let step = 0; code !== undefined && step <= MAX_CLIMB; step++) {
    const mapped: SiteMapping | undefined = SNOMED_SITES[code]
    if (mapped !== undefined) {
      const laterality = mapped.laterality ?? site.laterality
      return { region: mapped.region, ...(laterality === undefined ? {} : { laterality }), via: step === 0 ? 'mapped' : 'parent', code }
    }
    code = SNOMED_PARENTS[code]?.parent
  }
  return { region: 'unlocated', ...(site.laterality === undefined ? {} : { laterality: site.laterality }), via: 'unlocated' }
}
