// The body map's regions: a tree from the whole body to parts (head, chest, left arm…),
// regions (left knee…) and organs (heart, left lung…), each drawn by shapes of the art:
// surface polygons (front or back), anatomogram organs, or a box cut out of the
// figure's silhouette (hands, feet, ears, elbows, ankles, which the polygons lack).
// The tree is one for both figures; a region whose organ one figure's art lacks (prostate and
// testes on the female, uterus and ovaries on the male) is not on that figure.
import { FIGURE, FIGURES, SURFACE_BACK, SURFACE_FRONT, type FigureName } from './art/bodyArt.generated.ts'

export type View = 'front' | 'back'
export type Figure = FigureName
export const FIGURE_NAMES: readonly Figure[] = ['male', 'female']
export type Side = 'left' | 'right'

export type ShapeRef =
  | { kind: 'surface'; view: View; muscle: string; side?: Side }
  | { kind: 'organ'; uberon: string; side?: Side }
  | { kind: 'box'; view: View; box: readonly [number, number, number, number] }

export interface Region {
  /** "knee-left", "heart", "arm-right". */
  id: string
  /** The region without side: what the site mapping names. */
  base: string
  name: string
  side?: Side
  parent?: string
  uberon?: string
  shapes: ShapeRef[]
  /** 0 whole body, 1 part, 2 region or organ. */
  depth: number
  /** The figures that have it: both, unless its organ is one figure's only. */
  figures: readonly Figure[]
}

/** How far apart the two figures sit, in the art's units. */
export const BACK_OFFSET = FIGURE.width + 24
export const MAP_WIDTH = BACK_OFFSET + FIGURE.width
export const MAP_HEIGHT = FIGURE.height

interface Spec {
  base: string
  name: string
  parent?: string
  uberon?: string
  paired?: boolean
  /** Surface polygons by view and muscle name; a paired region takes its own side's. */
  surface?: Partial<Record<View, readonly string[]>>
  organ?: string
  /** Boxes on the front figure for the patient's right side (mirrored for the left, and for the back view). */
  boxes?: Partial<Record<View, readonly (readonly [number, number, number, number])[]>>
}

const SPECS: readonly Spec[] = [
  { base: 'body', name: 'Whole body', uberon: 'UBERON_0000468' },
  { base: 'head', name: 'Head', parent: 'body', uberon: 'UBERON_0000033', surface: { front: ['head'], back: ['head'] } },
  { base: 'brain', name: 'Brain', parent: 'head', uberon: 'UBERON_0000955', organ: 'UBERON_0000955' },
  { base: 'eye', name: 'eye', parent: 'head', uberon: 'UBERON_0000970', organ: 'UBERON_0000970', paired: true },
  { base: 'ear', name: 'ear', parent: 'head', uberon: 'UBERON_0001690', paired: true, boxes: { front: [[40, 9, 44.6, 18]] } },
  { base: 'nose', name: 'Nose', parent: 'head', uberon: 'UBERON_0000004', organ: 'UBERON_0000004' },
  { base: 'mouth', name: 'Mouth', parent: 'head', uberon: 'UBERON_0000167', organ: 'UBERON_0000167' },
  { base: 'neck', name: 'Neck', parent: 'body', uberon: 'UBERON_0000974', surface: { front: ['neck'] } },
  { base: 'throat', name: 'Throat', parent: 'neck', uberon: 'UBERON_0000341', organ: 'UBERON_0000341' },
  { base: 'thyroid', name: 'Thyroid gland', parent: 'neck', uberon: 'UBERON_0002046', organ: 'UBERON_0002046' },
  { base: 'trachea', name: 'Trachea', parent: 'neck', uberon: 'UBERON_0003126', organ: 'UBERON_0003126' },
  { base: 'chest', name: 'Chest', parent: 'body', uberon: 'UBERON_0001443', surface: { front: ['chest'] } },
  { base: 'lung', name: 'lung', parent: 'chest', uberon: 'UBERON_0002048', organ: 'UBERON_0002048', paired: true },
  { base: 'breast', name: 'breast', parent: 'chest', uberon: 'UBERON_0000310', organ: 'UBERON_0000310', paired: true },
  { base: 'heart', name: 'Heart', parent: 'chest', uberon: 'UBERON_0000948', organ: 'UBERON_0000948' },
  { base: 'esophagus', name: 'Oesophagus', parent: 'chest', uberon: 'UBERON_0001043', organ: 'UBERON_0001043' },
  { base: 'diaphragm', name: 'Diaphragm', parent: 'chest', uberon: 'UBERON_0001103', organ: 'UBERON_0001103' },
  { base: 'abdomen', name: 'Abdomen and pelvis', parent: 'body', uberon: 'UBERON_0000916', surface: { front: ['abs', 'obliques'] } },
  { base: 'liver', name: 'Liver', parent: 'abdomen', uberon: 'UBERON_0002107', organ: 'UBERON_0002107' },
  { base: 'stomach', name: 'Stomach', parent: 'abdomen', uberon: 'UBERON_0000945', organ: 'UBERON_0000945' },
  { base: 'spleen', name: 'Spleen', parent: 'abdomen', uberon: 'UBERON_0002106', organ: 'UBERON_0002106' },
  { base: 'colon', name: 'Colon', parent: 'abdomen', uberon: 'UBERON_0001155', organ: 'UBERON_0001155' },
  { base: 'small-intestine', name: 'Small intestine', parent: 'abdomen', uberon: 'UBERON_0002108', organ: 'UBERON_0002108' },
  { base: 'kidney', name: 'kidney', parent: 'abdomen', uberon: 'UBERON_0002113', organ: 'UBERON_0002113', paired: true },
  { base: 'adrenal', name: 'adrenal gland', parent: 'abdomen', uberon: 'UBERON_0002369', organ: 'UBERON_0002369', paired: true },
  { base: 'pancreas', name: 'Pancreas', parent: 'abdomen', uberon: 'UBERON_0001264', organ: 'UBERON_0001264' },
  { base: 'gallbladder', name: 'Gallbladder', parent: 'abdomen', uberon: 'UBERON_0002110', organ: 'UBERON_0002110' },
  { base: 'appendix', name: 'Appendix', parent: 'abdomen', uberon: 'UBERON_0001154', organ: 'UBERON_0001154' },
  { base: 'bladder', name: 'Urinary bladder', parent: 'abdomen', uberon: 'UBERON_0001255', organ: 'UBERON_0001255' },
  { base: 'rectum', name: 'Rectum', parent: 'abdomen', uberon: 'UBERON_0001052', organ: 'UBERON_0001052' },
  { base: 'prostate', name: 'Prostate', parent: 'abdomen', uberon: 'UBERON_0002367', organ: 'UBERON_0002367' },
  { base: 'testis', name: 'testis', parent: 'abdomen', uberon: 'UBERON_0000473', organ: 'UBERON_0000473', paired: true },
  { base: 'uterus', name: 'Uterus', parent: 'abdomen', uberon: 'UBERON_0000995', organ: 'UBERON_0000995' },
  { base: 'ovary', name: 'ovary', parent: 'abdomen', uberon: 'UBERON_0000992', organ: 'UBERON_0000992', paired: true },
  { base: 'back', name: 'Back', parent: 'body', uberon: 'UBERON_0001137', surface: { back: ['trapezius', 'upper_back', 'lower_back', 'gluteal'] } },
  { base: 'upper-back', name: 'Upper back', parent: 'back', surface: { back: ['trapezius', 'upper_back'] } },
  { base: 'lower-back', name: 'Lower back', parent: 'back', surface: { back: ['lower_back'] } },
  { base: 'buttock', name: 'buttock', parent: 'back', uberon: 'UBERON_0013691', paired: true, surface: { back: ['gluteal'] } },
  {
    base: 'arm',
    name: 'arm',
    uberon: 'UBERON_0002102',
    parent: 'body',
    paired: true,
    surface: { front: ['front_deltoids', 'biceps', 'triceps', 'forearm'], back: ['back_deltoids', 'triceps', 'forearm'] },
    boxes: { front: [[0, 93, 17, 112]], back: [[0, 93, 17, 112]] }
  },
  { base: 'shoulder', name: 'shoulder', parent: 'arm', uberon: 'UBERON_0001467', paired: true, surface: { front: ['front_deltoids'], back: ['back_deltoids'] } },
  { base: 'upper-arm', name: 'upper arm', parent: 'arm', uberon: 'UBERON_0003822', paired: true, surface: { front: ['biceps', 'triceps'], back: ['triceps'] } },
  { base: 'elbow', name: 'elbow', parent: 'arm', uberon: 'UBERON_0001461', paired: true, boxes: { front: [[21, 62, 29, 70]] } },
  { base: 'forearm', name: 'forearm', parent: 'arm', uberon: 'UBERON_0002386', paired: true, surface: { front: ['forearm'], back: ['forearm'] } },
  { base: 'hand', name: 'hand', parent: 'arm', uberon: 'UBERON_0002398', paired: true, boxes: { front: [[0, 93, 17, 112]], back: [[0, 93, 17, 112]] } },
  {
    base: 'leg',
    name: 'leg',
    uberon: 'UBERON_0002103',
    parent: 'body',
    paired: true,
    surface: { front: ['abductors', 'quadriceps', 'knees', 'calves'], back: ['abductor', 'hamstring', 'knees', 'calves', 'left_soleus', 'right_soleus'] },
    boxes: { front: [[30, 176, 50, 196]], back: [[30, 176, 50, 196]] }
  },
  { base: 'thigh', name: 'thigh', parent: 'leg', uberon: 'UBERON_0000376', paired: true, surface: { front: ['abductors', 'quadriceps'], back: ['abductor', 'hamstring'] } },
  { base: 'knee', name: 'knee', parent: 'leg', uberon: 'UBERON_0001465', paired: true, surface: { front: ['knees'], back: ['knees'] } },
  { base: 'lower-leg', name: 'lower leg', parent: 'leg', uberon: 'UBERON_0003823', paired: true, surface: { front: ['calves'], back: ['calves', 'left_soleus', 'right_soleus'] } },
  { base: 'ankle', name: 'ankle', parent: 'leg', uberon: 'UBERON_0004454', paired: true, boxes: { front: [[36, 176, 48, 183]] } },
  { base: 'foot', name: 'foot', parent: 'leg', uberon: 'UBERON_0002387', paired: true, boxes: { front: [[30, 183, 50, 196]], back: [[30, 183, 50, 196]] } }
]

const mirror = ([x0, y0, x1, y1]: readonly [number, number, number, number]): [number, number, number, number] => [FIGURE.width - x1, y0, FIGURE.width - x0, y1]

function shapesOf(spec: Spec, side: Side | undefined): ShapeRef[] {
  const shapes: ShapeRef[] = []
  for (const view of ['front', 'back'] as const) {
    // Boxes are given for the patient's right side as seen from the front (the viewer's left);
    // the left side is their mirror image, and from the back the sides swap over.
    for (const box of spec.boxes?.[view] ?? []) {
      const onViewersLeft = side === undefined || (side === 'right') === (view === 'front')
      shapes.push({ kind: 'box', view, box: onViewersLeft ? box : mirror(box) })
    }
    const polygons = view === 'front' ? SURFACE_FRONT : SURFACE_BACK
    for (const muscle of spec.surface?.[view] ?? []) {
      if (polygons.some((p) => p.muscle === muscle && (side === undefined || p.side === side))) shapes.push({ kind: 'surface', view, muscle, ...(side === undefined ? {} : { side }) })
    }
  }
  if (spec.organ !== undefined && figuresWithOrgan(spec.organ, side).length > 0) shapes.push({ kind: 'organ', uberon: spec.organ, ...(side === undefined ? {} : { side }) })
  return shapes
}

/** The figures whose art draws the organ (on that side, for one of a pair). */
function figuresWithOrgan(uberon: string, side: Side | undefined): Figure[] {
  return FIGURE_NAMES.filter((figure) => (FIGURES[figure].organs[uberon]?.shapes ?? []).some((s) => side === undefined || s.side === side))
}

const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

function buildRegions(): Region[] {
  const regions: Region[] = []
  const depthOf = new Map<string, number>()
  for (const spec of SPECS) {
    const parentSpec = SPECS.find((s) => s.base === spec.parent)
    const depth = spec.parent === undefined ? 0 : (depthOf.get(spec.parent) ?? 0) + 1
    depthOf.set(spec.base, depth)
    const sides: (Side | undefined)[] = spec.paired === true ? ['left', 'right'] : [undefined]
    for (const side of sides) {
      // A paired region inside a paired part (left knee in left leg) keeps its side's parent.
      const parent = spec.parent === undefined ? undefined : parentSpec?.paired === true && side !== undefined ? `${spec.parent}-${side}` : spec.parent
      regions.push({
        id: side === undefined ? spec.base : `${spec.base}-${side}`,
        base: spec.base,
        name: side === undefined ? spec.name : `${capital(side)} ${spec.name}`,
        ...(side === undefined ? {} : { side }),
        ...(parent === undefined ? {} : { parent }),
        ...(spec.uberon === undefined ? {} : { uberon: spec.uberon }),
        shapes: shapesOf(spec, side),
        depth,
        figures: spec.organ === undefined ? FIGURE_NAMES : figuresWithOrgan(spec.organ, side)
      })
    }
  }
  return regions
}

export const REGIONS: readonly Region[] = buildRegions()
export const REGION_BY_ID: ReadonlyMap<string, Region> = new Map(REGIONS.map((r) => [r.id, r]))
/** The bases drawn once per side. */
export const PAIRED_BASES: ReadonlySet<string> = new Set(SPECS.filter((s) => s.paired === true).map((s) => s.base))

/** Whether the figure has the region (a region id or, for a paired region, its base). */
export function isOnFigure(id: string, figure: Figure): boolean {
  const regions = REGION_BY_ID.has(id) ? [REGION_BY_ID.get(id)] : REGIONS.filter((r) => r.base === id)
  return regions.some((r) => r?.figures.includes(figure) === true)
}

/** The regions one step below `id`; on one figure only when `figure` is given. */
export function childrenOf(id: string, figure?: Figure): Region[] {
  return REGIONS.filter((r) => r.parent === id && (figure === undefined || r.figures.includes(figure)))
}

/** The region and every region above it, nearest first. */
export function ancestry(id: string): Region[] {
  const out: Region[] = []
  for (let region = REGION_BY_ID.get(id); region !== undefined; region = region.parent === undefined ? undefined : REGION_BY_ID.get(region.parent)) out.push(region)
  return out
}

/** A shape's bounding box on the map (the back figure sits BACK_OFFSET to the right). */
export function shapeBox(shape: ShapeRef, figure: Figure = 'male'): [number, number, number, number] {
  if (shape.kind === 'box') {
    const [x0, y0, x1, y1] = shape.box
    const dx = shape.view === 'back' ? BACK_OFFSET : 0
    return [x0 + dx, y0, x1 + dx, y1]
  }
  if (shape.kind === 'organ') {
    const boxes = (FIGURES[figure].organs[shape.uberon]?.shapes ?? []).filter((s) => shape.side === undefined || s.side === shape.side).map((s) => s.box)
    return [Math.min(...boxes.map((b) => b[0] ?? 0)), Math.min(...boxes.map((b) => b[1] ?? 0)), Math.max(...boxes.map((b) => b[2] ?? 0)), Math.max(...boxes.map((b) => b[3] ?? 0))]
  }
  const polygons = (shape.view === 'front' ? SURFACE_FRONT : SURFACE_BACK).filter((p) => p.muscle === shape.muscle && (shape.side === undefined || p.side === shape.side))
  const points = polygons.flatMap((p) => p.points)
  const dx = shape.view === 'back' ? BACK_OFFSET : 0
  return [Math.min(...points.map((p) => p[0] ?? 0)) + dx, Math.min(...points.map((p) => p[1] ?? 0)), Math.max(...points.map((p) => p[0] ?? 0)) + dx, Math.max(...points.map((p) => p[1] ?? 0))]
}

/** Where to zoom for a region: the box of its shapes in its first view (organs count as front). */
export function regionBox(id: string, figure: Figure = 'male'): [number, number, number, number] {
  const region = REGION_BY_ID.get(id)
  if (region === undefined || region.shapes.length === 0) return [0, 0, MAP_WIDTH, MAP_HEIGHT]
  const viewOf = (s: ShapeRef): View => (s.kind === 'organ' ? 'front' : s.view)
  const first = region.shapes[0]
  const view = first === undefined ? 'front' : viewOf(first)
  const boxes = region.shapes.filter((s) => viewOf(s) === view).map((s) => shapeBox(s, figure))
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))]
}
