// The history views' figures, in headless Chromium against the built app (dist/):
//   timeline.frame10000.ms  median time to lay out and draw one timeline frame while
//                           zooming in and out with the 10,000-record demo patient
//   bodymap.zoom.ms         median time of one frame of a region zoom transition
//                           (whole body → left leg) on the body map
//   viz.bundle.gzip.bytes   what showing the views adds to the first screen (gzip)
// Frame times come from the renderers' own User Timing measures ('timeline.frame',
// 'bodymap.frame'), which wrap the work each frame does.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
const dist = path.join(root, 'dist')
// No chain or relay is needed for these views: the status strip may say so, the views do not care.
const CONFIG = {
  chain: { id: 31337, name: 'Local', rpcUrl: 'http://127.0.0.1:9' },
  contracts: { keyRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', consentLedger: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
  relays: [],
  iceServers: []
}

async function measures(page: Page, name: string): Promise<number[]> {
  return page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((e) => e.duration), name)
}

export async function measureViz(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const server = await serveStatic({ root: dist, config: CONFIG })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    // What the views add: the files fetched when the demo is shown, after the first screen.
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    const files: string[] = []
    page.on('request', (request) => {
      const type = request.resourceType()
      if (type === 'script' || type === 'stylesheet') files.push(new URL(request.url()).pathname)
    })
    await page.goto(`${server.url}/`)
    await page.getByRole('button', { name: 'Show the demo patient' }).waitFor()
    await page.waitForLoadState('networkidle')
    const firstScreen = new Set(files)
    await page.getByRole('button', { name: 'Show the demo patient' }).click()
    await page.locator('.tl-canvas').waitFor()
    await page.waitForLoadState('networkidle')
    let vizBytes = 0
    for (const file of new Set(files.filter((f) => !firstScreen.has(f)))) vizBytes += gzipSync(await readFile(path.join(dist, file))).length

    // Timeline: wheel-zoom in and out over the 10,000-record patient.
    await page.goto(`${server.url}/#/?demo=10000`)
    await page.locator('.tl-canvas').waitFor()
    await page.waitForTimeout(500)
    const listbox = page.getByRole('listbox', { name: /^Timeline of records/ })
    await listbox.scrollIntoViewIfNeeded()
    const box = await listbox.boundingBox()
    if (box === null) throw new Error('the timeline is not on the page')
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2)
    await page.evaluate(() => performance.clearMeasures())
    for (const deltaY of [...Array<number>(30).fill(-120), ...Array<number>(30).fill(120)]) {
      await page.mouse.wheel(0, deltaY)
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
    }
    const timelineFrames = await measures(page, 'timeline.frame')

    // Body map: one region zoom transition, whole body → left leg.
    const map = page.getByRole('group', { name: 'Body map, male figure, front and back' })
    await map.scrollIntoViewIfNeeded()
    await page.evaluate(() => performance.clearMeasures())
    await map.getByRole('button', { name: /^Left leg, / }).locator('polygon').first().click()
    await page.waitForTimeout(1200)
    const mapFrames = await measures(page, 'bodymap.frame')
    if (timelineFrames.length < 10 || mapFrames.length < 10) throw new Error(`too few frames measured: timeline ${timelineFrames.length}, body map ${mapFrames.length}`)
    return {
      'timeline.frame10000.ms': { value: Math.round(median(timelineFrames) * 100) / 100, unit: 'ms' },
      'bodymap.zoom.ms': { value: Math.round(median(mapFrames) * 100) / 100, unit: 'ms' },
      'viz.bundle.gzip.bytes': { value: vizBytes, unit: 'bytes' }
    }
  } finally {
    await browser.close()
    await server.stop()
  }
}

if (import.meta.main) console.log(await measureViz())
