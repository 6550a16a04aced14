// The encrypted backup's figures, measured on the built app in headless Chromium against the local
// stack (anvil, the contracts, the relay): the patient (the development wallet's "Patient") loads
// the 1,000-record demo history and downloads a backup from Settings; then, in each of RUNS fresh
// browser contexts (a new device: empty IndexedDB, the same wallet), opens the empty history and
// restores the file from My history.
//
// - backup.bytes1000: the size of the backup file of that history (CAR: entries, identities, manifests).
// - backup.restore1000.ms: the file chosen in the page → the history's status line counts every
//   record and the timeline has drawn them (the animation frame after). Reading the file, checking
//   every block against its CID, the entries' signatures and links, storing them in IndexedDB, and
//   decrypting them are all inside; the wallet is not asked (the history was opened before).
//
// `node bench/backup.ts` builds the app and prints the figures; bench/run.ts adds measureBackup().
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium, expect, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Restores measured; `RUNS=1 node bench/backup.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)
const RECORDS = 1000

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
const ownHistory = (page: Page) => page.getByRole('region', { name: 'Your history', exact: true })

/**
 * Installed in the page: records, in the page's own clock, the backup file chosen, the first frame
 * where the history's status counts `records` with the timeline on screen, and the frame after.
 */
function watchRestore(records: number): void {
  const marks: Partial<Record<'chosen' | 'counted' | 'drawn', number>> = {}
  ;(window as unknown as { __restore: typeof marks }).__restore = marks
  // Checked every frame, not on DOM changes: the canvas gets its size from layout, which no mutation reports.
  const check = (): void => {
    const status = document.querySelector('section[aria-labelledby="own-heading"] > p[role="status"]')?.textContent ?? ''
    const canvas = document.querySelector('canvas.tl-canvas')
    if (status.startsWith(`${records.toLocaleString('en')} records in`) && canvas !== null && canvas.clientWidth > 0) {
      marks.counted = performance.now()
      // The timeline draws in an animation frame requested with the data: the next frame follows it.
      requestAnimationFrame(() => (marks.drawn = performance.now()))
    } else requestAnimationFrame(check)
  }
  document.addEventListener(
    'change',
    (event) => {
      if (!(event.target instanceof HTMLInputElement) || event.target.type !== 'file' || marks.chosen !== undefined) return
      marks.chosen = performance.now()
      requestAnimationFrame(check)
    },
    true
  )
}

async function openHistory(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(page.getByRole('region', { name: 'Connection status' })).toContainText(/relay reserved/, { timeout: 30_000 })
  await go(page, 'My history')
  await page.getByRole('button', { name: 'Open my history' }).click()
  await expect(ownHistory(page).getByRole('status').first()).toBeVisible()
}

/** The demo history written and backed up on a first device: the file's bytes and how many records it holds. */
async function makeBackup(browser: Browser, url: string): Promise<{ bytes: Buffer; records: number }> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await openHistory(page, url)
    const own = ownHistory(page)
    await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: `${RECORDS.toLocaleString('en')} records` })
    await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
    await expect(own).toContainText(/Added [\d,]+ demo records/, { timeout: 120_000 })
    const added = /Added ([\d,]+) demo records/.exec((await own.textContent()) ?? '')?.[1] ?? ''
    const records = Number(added.replaceAll(',', ''))
    // The count on screen follows a moment later (redraws are spaced while records stream in).
    await expect(own.getByRole('status').first()).toContainText(`${added} records in`)
    await go(page, 'Settings')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download an encrypted backup' }).click()])
    const file = await download.path()
    return { bytes: await readFile(file), records }
  } finally {
    await context.close()
  }
}

/** One restore on a fresh device: milliseconds from the file chosen to the timeline drawn with every record. */
async function restoreOnce(browser: Browser, url: string, backup: { bytes: Buffer; records: number }): Promise<{ counted: number; drawn: number }> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.addInitScript(watchRestore, backup.records)
    await openHistory(page, url)
    const own = ownHistory(page)
    await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')
    // A page in the background gets no animation frames: this one is the device's screen.
    await page.bringToFront()
    await own.getByLabel('Restore from a backup').setInputFiles({ name: 'anamnesis-backup.car', mimeType: 'application/vnd.ipld.car', buffer: backup.bytes })
    await page.waitForFunction(() => (window as unknown as { __restore: Record<string, number> }).__restore.drawn !== undefined, undefined, { timeout: 120_000 })
    const { chosen, counted, drawn } = await page.evaluate(() => (window as unknown as { __restore: Record<string, number> }).__restore)
    if (chosen === undefined || counted === undefined || drawn === undefined) throw new Error('a step of the restore was not seen')
    return { counted: counted - chosen, drawn: drawn - chosen }
  } finally {
    await context.close()
  }
}

export async function measureBackup(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-relay.key') })
  const server = await serveStatic({ root: path.join(root, 'dist'), config: stack.config })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    const backup = await makeBackup(browser, server.url)
    const runs: { counted: number; drawn: number }[] = []
    for (let run = 0; run < RUNS; run++) runs.push(await restoreOnce(browser, server.url, backup))
    const times = runs.map(({ counted, drawn }) => `${Math.round(drawn)} (counted at ${Math.round(counted)})`)
    console.error(`backup of ${backup.records} records: ${backup.bytes.length} bytes; restores ${times.join(', ')} ms`)
    return {
      'backup.bytes1000': { value: backup.bytes.length, unit: 'bytes' },
      'backup.restore1000.ms': { value: Math.round(median(runs.map((run) => run.drawn))), unit: 'ms' }
    }
  } finally {
    await browser.close()
    await server.stop()
    await stack.stop()
  }
}

if (import.meta.main) {
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  for (const [name, { value, unit }] of Object.entries(await measureBackup())) console.log(`${name.padEnd(28)} ${value.toLocaleString('en')} ${unit}`)
}
