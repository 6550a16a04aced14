// Regenerates src/viz/art/bodyArt.generated.ts from the two art sources: the anatomogram's
// male and female figures, kept unchanged in src/viz/art/sources, and react-body-highlighter
// unpacked from its npm tarball (`npm pack react-body-highlighter@2.0.5`, then `tar xzf`):
//   node scripts/art/extractBodyArt.ts <react-body-highlighter folder>
// Chromium measures the anatomogram's organ shapes (each shape with its full transform,
// paired organs split into the patient's left and right); the body highlighter's
// polygons are moved into the anatomogram's frame by the fitted transforms below.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../stack/chromium.ts'

const [highlighterDir] = process.argv.slice(2)
if (highlighterDir === undefined) throw new Error('usage: node scripts/art/extractBodyArt.ts <react-body-highlighter folder>')
const SOURCES = path.resolve(import.meta.dirname, '..', '..', 'src', 'viz', 'art', 'sources')

/** The organs the body map draws on both figures (UBERON ids as the anatomogram spells them). */
const SHARED_ORGANS = [
  'UBERON_0000955', 'UBERON_0000970', 'UBERON_0000004', 'UBERON_0000167', 'UBERON_0001723', 'UBERON_0000341', 'UBERON_0002046',
  'UBERON_0003126', 'UBERON_0001043', 'UBERON_0002048', 'UBERON_0000948', 'UBERON_0000947', 'UBERON_0001103', 'UBERON_0000310',
  'UBERON_0002107', 'UBERON_0002110', 'UBERON_0000945', 'UBERON_0002114', 'UBERON_0001264', 'UBERON_0002106', 'UBERON_0002369',
  'UBERON_0002113', 'UBERON_0002108', 'UBERON_0001155', 'UBERON_0001154', 'UBERON_0001052', 'UBERON_0001255', 'UBERON_0000007'
]
/**
 * Each figure: its source, its organs (the shared ones and its own: prostate, testes and the
 * spinal cord, which only the male file draws; uterus and ovaries), and where its line drawing is.
 */
const FIGURE_SOURCES = {
  male: { file: 'anatomogram-homo_sapiens.male.svg', organs: [...SHARED_ORGANS, 'UBERON_0002367', 'UBERON_0000473', 'UBERON_0002240'], outline: '#human_male_outline' },
  female: { file: 'anatomogram-homo_sapiens.female.svg', organs: [...SHARED_ORGANS, 'UBERON_0000995', 'UBERON_0000992'], outline: '#LAYER_OUTLINE > g > path' }
} as const
/** Organs drawn as two shapes, one per side. */
const PAIRED = new Set(['UBERON_0000970', 'UBERON_0002048', 'UBERON_0002113', 'UBERON_0002369', 'UBERON_0000310', 'UBERON_0000473', 'UBERON_0000992'])

// Fitted by eye over the anatomogram's male figure (106 × 195.4): the highlighter's
// front figure (100 × 200) and back figure (100 × 220), part by part.
type Affine = [number, number, number, number, number, number]
interface Fit {
  /** Scale and move the whole figure. */
  figure: Affine
  /** Then lean each leg in towards the midline from the hip (x += lean·(y − hip)), side by side as seen. */
  legs: readonly string[]
  hip: number
  lean: number
}
const FRONT_FIT: Fit = { figure: [1, 0, 0, 0.97, 2.7, 0], legs: ['abductors', 'quadriceps', 'knees', 'calves'], hip: 92, lean: 0.1 }
const BACK_FIT: Fit = { figure: [1, 0, 0, 0.885, 2.7, 0], legs: ['abductor', 'hamstring', 'knees', 'calves', 'left_soleus', 'right_soleus'], hip: 92, lean: 0.1 }

interface Shape {
  d: string
  /** SVG matrix(a b c d e f) from the shape's coordinates into the figure's. */
  m: Affine
  side?: 'left' | 'right'
  /** Bounding box in the figure's coordinates. */
  box: [number, number, number, number]
}

interface FigureArt {
  width: number
  height: number
  outline: string
  silhouette: string
  organs: Record<string, { title: string; shapes: Shape[] }>
}

async function organShapes(svgText: string, organs: readonly string[], outlineSelector: string): Promise<FigureArt> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage()
    await page.setContent(`<html><body>${svgText.replace(/<\?xml[^>]*>/, '')}</body></html>`)
    return await page.evaluate(
      ({ organs, paired, outlineSelector }) => {
        const svg = document.querySelector('svg')
        if (svg === null) throw new Error('no svg')
        const viewBox = svg.viewBox.baseVal
        const rootInverse = svg.getScreenCTM()?.inverse()
        const asPath = (el: SVGGraphicsElement): string => {
          if (el instanceof SVGPathElement) return el.getAttribute('d') ?? ''
          if (el instanceof SVGEllipseElement || el instanceof SVGCircleElement) {
            const cx = el.cx.baseVal.value
            const cy = el.cy.baseVal.value
            const rx = el instanceof SVGEllipseElement ? el.rx.baseVal.value : el.r.baseVal.value
            const ry = el instanceof SVGEllipseElement ? el.ry.baseVal.value : el.r.baseVal.value
            return `M ${cx - rx},${cy} A ${rx},${ry} 0 1 0 ${cx + rx},${cy} A ${rx},${ry} 0 1 0 ${cx - rx},${cy} Z`
          }
          if (el instanceof SVGRectElement) {
            const { x, y, width, height } = { x: el.x.baseVal.value, y: el.y.baseVal.value, width: el.width.baseVal.value, height: el.height.baseVal.value }
            return `M ${x},${y} h ${width} v ${height} h ${-width} Z`
          }
          return ''
        }
        const round = (n: number): number => Math.round(n * 10000) / 10000
        const result: Record<string, { title: string; shapes: Shape[] }> = {}
        for (const id of organs) {
          const root = document.getElementById(id)
          if (!(root instanceof SVGGraphicsElement)) throw new Error(`no ${id}`)
          const title = root.querySelector('title')?.textContent ?? id
          let elements = root instanceof SVGGElement ? [...root.querySelectorAll<SVGGraphicsElement>('path, ellipse, circle, rect')] : [root]
          // A pair drawn as one path (the female kidneys): one path per subpath, each measured in place.
          const [only] = elements
          if (paired.includes(id) && elements.length === 1 && only instanceof SVGPathElement) {
            const subpaths = (only.getAttribute('d') ?? '').trim().split(/\s(?=M )/)
            if (subpaths.length > 1) {
              elements = subpaths.map((d) => {
                const part = only.cloneNode() as SVGPathElement
                part.setAttribute('d', d)
                only.after(part)
                return part
              })
            }
          }
          const shapes = elements.map((el) => {
            const ctm = rootInverse === undefined || el.getScreenCTM() === null ? undefined : rootInverse.multiply(el.getScreenCTM() as DOMMatrix)
            const m = ctm === undefined ? [1, 0, 0, 1, 0, 0] : [ctm.a, ctm.b, ctm.c, ctm.d, ctm.e, ctm.f].map(round)
            const b = el.getBBox()
            const corners = [new DOMPoint(b.x, b.y), new DOMPoint(b.x + b.width, b.y + b.height)].map((p) => (ctm === undefined ? p : p.matrixTransform(ctm)))
            const [p0, p1] = corners as [DOMPoint, DOMPoint]
            return { d: asPath(el), m, box: [round(Math.min(p0.x, p1.x)), round(Math.min(p0.y, p1.y)), round(Math.max(p0.x, p1.x)), round(Math.max(p0.y, p1.y))] }
          })
          // The trachea is drawn ring by ring (126 shapes): its largest shapes carry its outline.
          const area = (s: { box: number[] }): number => ((s.box[2] ?? 0) - (s.box[0] ?? 0)) * ((s.box[3] ?? 0) - (s.box[1] ?? 0))
          if (shapes.length > 10) shapes.splice(0, shapes.length, ...[...shapes].sort((a, b) => area(b) - area(a)).slice(0, 2))
          const mid = viewBox.width / 2
          result[id] = {
            title,
            // Front view: the patient's left is on the viewer's right.
            shapes: shapes.map((s) => (paired.includes(id) ? { ...s, side: ((s.box[0] ?? 0) + (s.box[2] ?? 0)) / 2 > mid ? 'left' : 'right' } : s)) as Shape[]
          }
        }
        // The male line drawing is one path; the female one is a layer of paths drawn untransformed,
        // the body's contour the longest of them.
        const lines = [...document.querySelectorAll<SVGPathElement>(outlineSelector)]
        for (const line of lines) {
          const ctm = rootInverse === undefined || line.getScreenCTM() === null ? undefined : rootInverse.multiply(line.getScreenCTM() as DOMMatrix)
          const off = ctm === undefined ? 0 : Math.max(Math.abs(ctm.a - 1), Math.abs(ctm.b), Math.abs(ctm.c), Math.abs(ctm.d - 1), Math.abs(ctm.e), Math.abs(ctm.f))
          if (off > 1e-4) throw new Error(`outline path ${line.id} is transformed (${String(ctm)})`)
        }
        const ds = lines.map((line) => line.getAttribute('d') ?? '')
        const contour = [...ds].sort((a, b) => b.length - a.length)[0] ?? ''
        return { width: viewBox.width, height: viewBox.height, outline: ds.join(' '), silhouette: contour.split(/(?=M )/)[0] ?? '', organs: result }
      },
      { organs, paired: [...PAIRED], outlineSelector }
    )
  } finally {
    await browser.close()
  }
}

function polygons(source: string, part: 'anteriorData' | 'posteriorData'): { muscle: string; points: number[][] }[] {
  const start = source.indexOf(`export const ${part}`)
  const end = part === 'anteriorData' ? source.indexOf('export const posteriorData') : source.length
  const text = source.slice(start, end)
  const out: { muscle: string; points: number[][] }[] = []
  for (const match of text.matchAll(/muscle: MuscleType\.(\w+),\s*svgPoints: \[([\s\S]*?)\]/g)) {
    for (const pts of (match[2] ?? '').matchAll(/'([^']*)'/g)) {
      const numbers = (pts[1] ?? '').trim().split(/\s+/).map(Number)
      const points: number[][] = []
      for (let i = 0; i + 1 < numbers.length; i += 2) points.push([numbers[i] ?? 0, numbers[i + 1] ?? 0])
      out.push({ muscle: (match[1] ?? '').toLowerCase(), points })
    }
  }
  return out
}

const apply = ([a, b, c, d, e, f]: Affine, [x, y]: number[]): [number, number] => [a * (x ?? 0) + c * (y ?? 0) + e, b * (x ?? 0) + d * (y ?? 0) + f]

const highlighter = await readFile(path.join(highlighterDir, 'src', 'assets', 'index.ts'), 'utf8')
const figures: Record<string, FigureArt> = {}
for (const [name, source] of Object.entries(FIGURE_SOURCES)) figures[name] = await organShapes(await readFile(path.join(SOURCES, source.file), 'utf8'), source.organs, source.outline)
const art = figures.male as FigureArt
// Two decimals are a hundredth of a unit of a figure 195 units tall: finer than any zoom shows,
// and the generated art half the size.
const trim = (d: string): string => d.replace(/-?\d+\.\d+/g, (n) => String(Math.round(Number(n) * 100) / 100))
for (const figure of Object.values(figures)) {
  figure.outline = trim(figure.outline)
  figure.silhouette = trim(figure.silhouette)
  for (const organ of Object.values(figure.organs)) for (const shape of organ.shapes) shape.d = trim(shape.d)
}
const surface = (part: 'anteriorData' | 'posteriorData', fit: Fit, view: 'front' | 'back') =>
  polygons(highlighter, part).map(({ muscle, points }) => {
    let moved = points.map((p) => apply(fit.figure, p))
    const cx0 = moved.reduce((sum, [x]) => sum + x, 0) / moved.length
    if (fit.legs.includes(muscle)) {
      const inwards = cx0 < art.width / 2 ? 1 : -1
      moved = moved.map(([x, y]) => [x + inwards * fit.lean * Math.max(0, y - fit.hip), y])
    }
    const cx = moved.reduce((sum, [x]) => sum + x, 0) / moved.length
    // Seen from the front the patient's left is on the viewer's right; from the back, on the left.
    const side = Math.abs(cx - art.width / 2) < 1.5 ? undefined : (cx > art.width / 2) === (view === 'front') ? 'left' : 'right'
    return { muscle, ...(side === undefined ? {} : { side }), points: moved.map(([x, y]) => [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000]) }
  })

const out = `// Generated by scripts/art/extractBodyArt.ts: do not edit by hand. Sources and licences: ./README.md.
// The male and female figures of the EBI anatomogram (CC BY 4.0; the male derived from a CC0
// drawing) with their organ shapes, and the front and back surface regions of
// react-body-highlighter (MIT, © 2020 GV79), moved into the male figure's frame.
export type FigureName = 'male' | 'female'
export interface OrganShape { d: string; m: readonly number[]; side?: 'left' | 'right'; box: readonly number[] }
export interface FigureArt {
  width: number
  height: number
  /** The line drawing, front view. */
  outline: string
  /** The outer contour only (no face or muscle lines): the back view is its mirror image. */
  silhouette: string
  organs: Record<string, { title: string; shapes: OrganShape[] }>
}
${Object.entries(figures).map(([name, figure]) => `const ${name.toUpperCase()}: FigureArt = ${JSON.stringify(figure)}`).join('\n')}
export const FIGURES: Readonly<Record<FigureName, FigureArt>> = { male: MALE, female: FEMALE }
/** The frame both figures and the surface regions share: the male figure's. */
export const FIGURE = ${JSON.stringify({ width: art.width, height: art.height })} as const
export interface SurfacePolygon { muscle: string; side?: 'left' | 'right'; points: readonly (readonly number[])[] }
export const SURFACE_FRONT: SurfacePolygon[] = ${JSON.stringify(surface('anteriorData', FRONT_FIT, 'front'))}
export const SURFACE_BACK: SurfacePolygon[] = ${JSON.stringify(surface('posteriorData', BACK_FIT, 'back'))}
`
await writeFile(path.resolve(import.meta.dirname, '..', '..', 'src', 'viz', 'art', 'bodyArt.generated.ts'), out)
console.log(`wrote ${out.length} characters`)
