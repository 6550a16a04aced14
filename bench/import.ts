// The FHIR import's figure, measured on the built app in headless Chromium against the local stack:
// the patient (the development wallet's "Patient"), with an empty history open, imports a
// Synthea-shaped transaction bundle of 5,000 resources (one patient's encounters, vital signs,
// conditions, prescriptions, vaccines, procedures and lab reports, and the claims, which are skipped).
//
// - import.records_per_s: records written per second, from the file chosen to the preview shown,
//   plus from Write pressed to every record counted in the history's status line with the timeline
//   drawn (the animation frame after). The patient's reading of the preview is left out; reading and
//   planning the file, validating, sealing, signing and storing every record in IndexedDB, and
//   drawing are all inside. Goal: at least 2,000 records/s.
//
// `node bench/import.ts` builds the app and prints the figure; bench/run.ts adds measureImport().
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium, expect, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { keptResources, syntheaBundle } from '../test/fixtures/importFixtures.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Imports measured; `RUNS=1 node bench/import.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)
/** Encounters of the one patient that make the bundle 5,000 resources. */
const ENCOUNTERS = 694

const ownHistory = (page: Page) => page.getByRole('region', { name: 'Your history', exact: true })

/**
 * Installed in the page: records, in the page's own clock, the file chosen, the preview shown, Write
 * pressed, the first frame where the status counts `records` with the timeline on screen, and the frame after.
 */
function watchImport(records: number): void {
  const marks: Partial<Record<'chosen' | 'previewed' | 'write' | 'counted' | 'drawn', number>> = {}
  ;(window as unknown as { __import: typeof marks }).__import = marks
  const previewed = (): void => {
    if (document.querySelector('.import-actions button') !== null) marks.previewed = performance.now()
    else requestAnimationFrame(previewed)
  }
  const counted = (): void => {
    const status = document.querySelector('section[aria-labelledby="own-heading"] > p[role="status"]')?.textContent ?? ''
    const canvas = document.querySelector('canvas.tl-canvas')
    if (status.startsWith(`${records.toLocaleString('en')} records in`) && canvas !== null && canvas.clientWidth > 0) {
      marks.counted = performance.now()
      requestAnimationFrame(() => (marks.drawn = performance.now()))
    } else requestAnimationFrame(counted)
  }
  document.addEventListener(
    'change',
    (event) => {
      if (!(event.target instanceof HTMLInputElement) || event.target.type !== 'file' || marks.chosen !== undefined) return
      marks.chosen = performance.now()
      requestAnimationFrame(previewed)
    },
    true
  )
  document.addEventListener(
    'click',
    (event) => {
      if (!(event.target instanceof HTMLElement) || event.target.closest('.import-actions') === null || marks.write !== undefined) return
      marks.write = performance.now()
      requestAnimationFrame(counted)
    },
    true
  )
}

/** The functions that took the most of a CPU profile's time (self time, with their file), to stderr. */
function printProfile(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] }): void {
  const self = new Map<number, number>()
  ;(profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)))
  const byName = new Map<string, number>()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const name = `${functionName || '(anonymous)'} ${url.split('/').pop() ?? ''}:${lineNumber + 1}`
    byName.set(name, (byName.get(name) ?? 0) + (self.get(node.id) ?? 0))
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25)
  for (const [name, us] of top) console.error(`${String(Math.round(us / 1000)).padStart(7)} ms  ${name}`)
}

/** One import into a fresh device's empty history: the milliseconds the patient waits for the app. */
async function importOnce(browser: Browser, url: string, file: Buffer, records: number): Promise<number> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.addInitScript(watchImport, records)
    await page.goto(url)
    await expect(page.getByRole('region', { name: 'Connection status' })).toContainText(/relay reserved/, { timeout: 30_000 })
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await page.getByRole('button', { name: 'Open my history' }).click()
    const own = ownHistory(page)
    await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')
    await page.bringToFront()
    await own.getByText('Import or export records').click()
    await own.getByLabel('Choose a FHIR file to import').setInputFiles({ name: 'synthea.json', mimeType: 'application/fhir+json', buffer: file })
    const writeButton = own.getByRole('button', { name: `Write ${records.toLocaleString('en')} records to my history` })
    await writeButton.waitFor({ timeout: 60_000 })
    // PROFILE=<file>: where the page's time goes while it writes, by function (self time), printed after; the whole profile is saved to <file> (.cpuprofile).
    const profileFile = process.env.PROFILE
    const profiler = profileFile === undefined ? undefined : await context.newCDPSession(page)
    if (profiler !== undefined) {
      await profiler.send('Profiler.enable')
      await profiler.send('Profiler.start')
    }
    await writeButton.click()
    await page.waitForFunction(() => (window as unknown as { __import: Record<string, number> }).__import.drawn !== undefined, undefined, { timeout: 300_000 })
    if (profiler !== undefined && profileFile !== undefined) {
      const { profile } = await profiler.send('Profiler.stop')
      await writeFile(profileFile, JSON.stringify(profile))
      printProfile(profile)
    }
    const { chosen, previewed, write, drawn } = await page.evaluate(() => (window as unknown as { __import: Record<string, number> }).__import)
    if (chosen === undefined || previewed === undefined || write === undefined || drawn === undefined) throw new Error('a step of the import was not seen')
    console.error(`import of ${records} records: preview ${Math.round(previewed - chosen)} ms, writing and drawing ${Math.round(drawn - write)} ms`)
    return previewed - chosen + (drawn - write)
  } finally {
    await context.close()
  }
}

export async function measureImport(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const bundle = syntheaBundle({ encounters: ENCOUNTERS, seed: 5 })
  const records = keptResources(bundle)
  const file = Buffer.from(JSON.stringify(bundle))
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-relay.key') })
  const server = await serveStatic({ root: path.join(root, 'dist'), config: stack.config })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    const runs: number[] = []
    for (let run = 0; run < RUNS; run++) runs.push(await importOnce(browser, server.url, file, records))
    console.error(`import of ${(bundle.entry ?? []).length} resources (${records} records): ${runs.map((ms) => Math.round(ms)).join(', ')} ms`)
    return { 'import.records_per_s': { value: Math.round(records / (median(runs) / 1000)), unit: 'records/s' } }
  } finally {
    await browser.close()
    await server.stop()
    await stack.stop()
  }
}

if (import.meta.main) {
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  for (const [name, { value, unit }] of Object.entries(await measureImport())) console.log(`${name.padEnd(28)} ${value.toLocaleString('en')} ${unit}`)
}
