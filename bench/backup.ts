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
import type { Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Restores measured; `RUNS=1 node bench/backup.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)
const RECORDS = 1000

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
const ownHistory = (page: Page) => page.getByRole('region', { name: 'Your history', exact: true })

/**
 * Installed in the page: records, in the page's own clock, the backup file chosen, and the frame
 * after the history's status counts `records` with the timeline on screen.
 */
function watchRestore(records: number): void {
  const marks: Partial<Record<'chosen' | 'counted' | 'drawn', number>> = {}
  ;(window as unknown as { __restore: typeof marks }).__restore = marks
  document.addEventListener(
    'change',
    (event) => {
      if (event.target instanceof HTMLInputElement && event.target.type === 'file') marks.chosen ??= performance.now()
    },
    true
  )
  new MutationObserver(() => {
    if (marks.chosen === undefined || marks.counted !== undefined) return
    const status = document.querySelector('section[aria-labelledby="own-heading"] > p[role="status"]')?.textContent ?? ''
    const canvas = document.querySelector('canvas.tl-canvas')
    if (status.startsWith(`${records.toLocaleString('en')} records in`) && canvas !== null && canvas.clientWidth > 0) {
      marks.counted = performance.now()
      // The timeline draws in an animation frame requested with the data: the next frame follows it.
      requestAnimationFrame(() => (marks.drawn = performance.now()))
    }
  }).observe(document, { subtree: true, childList: true, characterData: true })
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
    const status = (await own.getByRole('status').first().textContent()) ?? ''
    const records = Number((/^([\d,]+) records in/.exec(status)?.[1] ?? '').replaceAll(',', ''))
    await go(page, 'Settings')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download an encrypted backup' }).click()])
    const file = await download.path()
    return { bytes: await readFile(file), records }
  } finally {
    await context.close()
  }
}

/** One restore on a fresh device: milliseconds from the file chosen to the timeline drawn with every record. */
async function restoreOnce(browser: Browser, url: string, backup: { bytes: Buffer; records: number }): Promise<number> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.addInitScript(watchRestore, backup.records)
    await openHistory(page, url)
    const own = ownHistory(page)
    await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')
    await own.getByLabel('Restore from a backup').setInputFiles({ name: 'anamnesis-backup.car', mimeType: 'application/vnd.ipld.car', buffer: backup.bytes })
    await page.waitForFunction(() => (window as unknown as { __restore: Record<string, number> }).__restore.drawn !== undefined, undefined, { timeout: 120_000 })
    const { chosen, drawn } = await page.evaluate(() => (window as unknown as { __restore: Record<string, number> }).__restore)
    if (chosen === undefined || drawn === undefined) throw new Error('a step of the restore was not seen')
    return drawn - chosen
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
    const runs: number[] = []
    for (let run = 0; run < RUNS; run++) runs.push(await restoreOnce(browser, server.url, backup))
    console.error(`backup of ${backup.records} records: ${backup.bytes.length} bytes; restores ${runs.map((ms) => Math.round(ms)).join(', ')} ms`)
    return {
      'backup.bytes1000': { value: backup.bytes.length, unit: 'bytes' },
      'backup.restore1000.ms': { value: Math.round(median(runs)), unit: 'ms' }
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
