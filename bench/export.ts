// The export's figure, measured on the built app in headless Chromium against the local stack: the
// patient (the development wallet's "Patient"), on a fresh device, loads the 1,000-record demo history
// into their own history, opens "Import or export records" and exports their International Patient
// Summary.
//
// - export.ips.ms: from "Export my International Patient Summary" pressed to the file handed to the
//   browser to save (the download link clicked, in the page's own clock): composing the IPS document
//   from every record, writing its JSON and making the file. Median of RUNS exports; the first, which
//   also loads the summary's code, is printed apart. Goal: at most 300 ms.
//
// `node bench/export.ts` builds the app and prints the figure; bench/run.ts adds measureExport().
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { chromium, expect } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Exports measured; `RUNS=1 node bench/export.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 7)
const DEMO_RECORDS = 1000

/** Installed in the page: the time of each press of the summary's export, and of each file handed to the browser after it. */
function watchExport(): void {
  const marks: { pressed: number[]; ready: number[] } = { pressed: [], ready: [] }
  ;(window as unknown as { __export: typeof marks }).__export = marks
  // The app hands a file over by clicking a download link it put in the page: that click is seen here too.
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof HTMLButtonElement && event.target.textContent.trim() === 'Export my International Patient Summary') marks.pressed.push(performance.now())
      if (event.target instanceof HTMLAnchorElement && event.target.download !== '') marks.ready.push(performance.now())
    },
    true
  )
}

export async function measureExport(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-relay.key') })
  const server = await serveStatic({ root: path.join(root, 'dist'), config: stack.config })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    const context = await browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    await page.addInitScript(watchExport)
    await page.goto(server.url)
    await expect(page.getByRole('region', { name: 'Connection status' })).toContainText(/relay reserved/, { timeout: 60_000 })
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await page.getByRole('button', { name: 'Open my history' }).click()
    const own = page.getByRole('region', { name: 'Your history', exact: true })
    await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.', { timeout: 60_000 })
    await own.getByLabel('Demo size').selectOption(String(DEMO_RECORDS))
    await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
    await expect(own.getByText(/^Added [\d,]+ demo records/)).toBeVisible({ timeout: 300_000 })
    await expect(own.getByRole('status').first()).toHaveText(/^[\d,]+ records in/)
    const records = (await own.getByRole('status').first().textContent())?.match(/^([\d,]+) records in/)?.[1] ?? '?'
    await own.getByText('Import or export records').click()
    const button = own.getByRole('button', { name: 'Export my International Patient Summary' })
    const status = own.getByRole('region', { name: 'Export my records' }).getByRole('status')
    const times: number[] = []
    for (let run = 0; run < RUNS + 1; run++) {
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()])
      await download.cancel()
      await expect(status).toContainText('an International Patient Summary of')
      const { pressed, ready } = await page.evaluate(() => (window as unknown as { __export: { pressed: number[]; ready: number[] } }).__export)
      const start = pressed[run]
      const end = ready[run]
      if (start === undefined || end === undefined) throw new Error('the export was not seen')
      times.push(end - start)
    }
    const [first, ...rest] = times
    console.error(`export of the IPS of ${records} records: first ${Math.round(first ?? Number.NaN)} ms (loads its code), then ${rest.map((ms) => Math.round(ms)).join(', ')} ms; ${(await status.textContent()) ?? ''}`)
    return { 'export.ips.ms': { value: Math.round(median(rest)), unit: 'ms' } }
  } finally {
    await browser.close()
    await server.stop()
    await stack.stop()
  }
}

if (import.meta.main) {
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  for (const [name, { value, unit }] of Object.entries(await measureExport())) console.log(`${name.padEnd(28)} ${value.toLocaleString('en')} ${unit}`)
}
