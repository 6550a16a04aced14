// The new device's figure, measured on the built app in headless Chromium against the local stack
// (anvil automining, the contracts, the relay, and the keeper process the stack runs, bound to the
// app's origin). Once per stack: the development wallet's "Patient" registers their key, loads the
// 1,000-record demo into their history, enrols the stack's keeper in Settings → Keepers and waits
// until the keeper holds every entry; then that browser closes. Then, RUNS times, a fresh Chromium
// (a new context, empty IndexedDB) with only the wallet opens My history:
//
// - recovery.newDevice1000.ms: from the click on "Open my history" to the timeline drawn (its canvas
//   in the page and a frame painted) with all 1,000 records, recovered from the keeper: the two
//   wallet signatures (the development wallet's, in the page), reading the sealed keeper list on the
//   ledger, dialling the keeper, the pull, decrypting, drawing. Median of RUNS.
//
// Each run also prints where its time went: signing, until the history is open, until the first
// record shows, until the last, until drawn.
//
// `node bench/recovery.ts [--no-build]` builds the app and prints the figure; bench/run.ts adds measureRecovery().
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium, expect, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Runs of the figure; `RUNS=1 node bench/recovery.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)
const DEMO_SIZE = '1,000 records'
const RECORDS = 1000

/** The moments of one recovery, in milliseconds after the click. */
interface Phases {
  signed: number
  opened: number
  firstRecord: number
  allRecords: number
  drawn: number
}

/**
 * Installed in the page: records, in the page's own clock, the click on "Open my history", the
 * history opened (its status shown), the first record shown, all `expected` records shown, and the
 * frame painted after the timeline's canvas is in the page with all of them.
 */
function watchRecovery(expected: number): void {
  const marks: Record<string, number> = {}
  ;(window as unknown as { __recovery: Record<string, number> }).__recovery = marks
  const mark = (name: string): void => {
    marks[name] ??= performance.now()
  }
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null
      if (button?.textContent.trim() === 'Open my history') mark('click')
    },
    true
  )
  new MutationObserver(() => {
    if (marks.click === undefined) return
    if (marks.signed === undefined && document.body.textContent.includes('Opening your history…')) mark('signed')
    const own = document.querySelector('section[aria-labelledby="own-heading"]')
    const status = own?.querySelector(':scope > p[role="status"]')?.textContent ?? ''
    if (status === '') return
    mark('opened')
    const records = Number((/^([\d,]+) records? in/.exec(status)?.[1] ?? '0').replaceAll(',', ''))
    if (records > 0) mark('firstRecord')
    if (records === expected && marks.allRecords === undefined) mark('allRecords')
    if (marks.allRecords !== undefined && marks.drawn === undefined && own?.querySelector('canvas.tl-canvas') !== null) {
      // Two frames: the one the canvas is drawn in, and its paint.
      requestAnimationFrame(() => requestAnimationFrame(() => mark('drawn')))
    }
  }).observe(document, { subtree: true, childList: true, characterData: true })
}

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

async function newPage(browsers: Browser[], executablePath: string, url: string): Promise<Page> {
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  browsers.push(browser)
  const page = await (await browser.newContext()).newPage()
  await page.goto(`${url}/#/settings`)
  await expect(page.getByRole('region', { name: 'Connection status' })).toContainText(/relay reserved/, { timeout: 30_000 })
  return page
}

/** The patient's first browser: key registered, the 1,000-record demo written, the keeper enrolled and holding it all. Returns the record count. */
export async function prepare(page: Page): Promise<number> {
  const keySection = page.getByRole('region', { name: 'Encryption key' })
  await keySection.getByRole('button', { name: 'Register my encryption key' }).click()
  await expect(keySection).toContainText(/Your key was registered in block \d+\./)
  await go(page, 'My history')
  await page.getByRole('button', { name: 'Open my history' }).click()
  const own = page.getByRole('region', { name: 'Your history', exact: true })
  await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: DEMO_SIZE })
  await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
  await expect(own).toContainText(/Added [\d,]+ demo records/, { timeout: 120_000 })
  await expect(own.getByRole('status').first()).toContainText(/[\d,]+ records in [\d,]+ blocks/)
  const summary = (await own.getByRole('status').first().textContent()) ?? ''
  let count = Number((/^([\d,]+) records in/.exec(summary)?.[1] ?? '0').replaceAll(',', ''))
  if (count < RECORDS - 10 || count > RECORDS) throw new Error(`the demo wrote ${count} records, not about ${RECORDS}: "${summary}"`)
  // The demo's series end a record or so short: the patient adds the rest by hand.
  await own.getByText('Add a record: a symptom or problem').click()
  const form = own.getByRole('form', { name: 'Add to my history' })
  while (count < RECORDS) {
    await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
    await form.getByRole('textbox', { name: 'Symptom or problem' }).fill(`Palpitations ${count}`)
    await form.getByRole('button', { name: 'Add symptom' }).click()
    count += 1
    await expect(own.getByRole('status').first()).toContainText(`${count.toLocaleString('en')} records in`)
  }

  await go(page, 'Settings')
  const keepers = page.getByRole('region', { name: 'Keepers' })
  await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
  await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 60_000 })
  await expect(async () => {
    await keepers.getByRole('button', { name: 'Ask my keepers again' }).click()
    await expect(keepers.getByRole('list', { name: 'Your keepers' })).toContainText(`Holds ${count} entries`, { timeout: 2_000 })
  }).toPass({ timeout: 180_000 })
  return count
}

/** One fresh browser with only the wallet: the moments of its recovery of `count` records. */
async function recover(executablePath: string, url: string, count: number, run: number): Promise<Phases> {
  const browsers: Browser[] = []
  try {
    const page = await newPage(browsers, executablePath, url)
    await page.evaluate(watchRecovery, count)
    await go(page, 'My history')
    // BENCH_PROFILE=<file> writes the page's CPU profile of each recovery to <file>.<run>.cpuprofile.
    const profileFile = process.env.BENCH_PROFILE
    const profile = profileFile === undefined ? undefined : await page.context().newCDPSession(page)
    if (profile !== undefined) {
      await profile.send('Profiler.enable')
      await profile.send('Profiler.setSamplingInterval', { interval: 200 })
      await profile.send('Profiler.start')
    }
    // With BENCH_PROFILE, the page's WebSockets and chain calls are printed too, in ms after the click.
    const clicked = Date.now()
    if (profile !== undefined) {
      const at = (): number => Date.now() - clicked
      page.on('websocket', (socket) => {
        let frames = 0
        let bytes = 0
        console.error(`  ${at()} ms: WebSocket to ${socket.url()}`)
        socket.on('framereceived', ({ payload }) => {
          if (frames++ === 0) console.error(`  ${at()} ms: first frame from ${socket.url()}`)
          bytes += payload.length
        })
        socket.on('close', () => console.error(`  ${at()} ms: ${socket.url()} closed after ${frames} frames, ${bytes} bytes`))
      })
      page.on('requestfinished', (request) => {
        if (request.method() === 'POST') console.error(`  ${at()} ms: ${request.url()} ${(request.postData() ?? '').slice(0, 60)}`)
      })
      page.on('console', (message) => console.error(`  ${at()} ms: page: ${message.text()}`))
    }
    await page.getByRole('button', { name: 'Open my history' }).click()
    const own = page.getByRole('region', { name: 'Your history', exact: true })
    await expect(own.getByRole('status').first()).toHaveText(`${count.toLocaleString('en')} records in ${count.toLocaleString('en')} blocks, encrypted in this browser.`, { timeout: 120_000 })
    await expect(own.locator('canvas.tl-canvas')).toBeAttached()
    await page.waitForFunction(() => (window as unknown as { __recovery: Record<string, number> }).__recovery.drawn !== undefined)
    if (profile !== undefined) {
      const { profile: cpu } = await profile.send('Profiler.stop')
      await writeFile(`${profileFile ?? 'recovery'}.${run}.cpuprofile`, JSON.stringify(cpu))
    }
    const marks = await page.evaluate(() => (window as unknown as { __recovery: Record<string, number> }).__recovery)
    const { click, signed, opened, firstRecord, allRecords, drawn } = marks
    if (click === undefined || signed === undefined || opened === undefined || firstRecord === undefined || allRecords === undefined || drawn === undefined) throw new Error(`a step was not seen: ${JSON.stringify(marks)}`)
    return { signed: signed - click, opened: opened - click, firstRecord: firstRecord - click, allRecords: allRecords - click, drawn: drawn - click }
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()))
  }
}

/** One stack, prepared once; RUNS fresh browsers recover from its keeper. */
async function measureRuns(executablePath: string): Promise<Phases[]> {
  const appPort = await freePort()
  const url = `http://127.0.0.1:${appPort}`
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-relay.key'), keeper: { origin: url } })
  const server = await serveStatic({ root: path.join(root, 'dist'), port: appPort, config: stack.config })
  try {
    const browsers: Browser[] = []
    let count: number
    try {
      count = await prepare(await newPage(browsers, executablePath, url))
    } finally {
      // The patient's other browser is closed before any recovery: the keeper is the only source.
      await Promise.all(browsers.map((browser) => browser.close()))
    }
    const runs: Phases[] = []
    for (let run = 0; run < RUNS; run++) runs.push(await recover(executablePath, url, count, run + 1))
    return runs
  } finally {
    await server.stop()
    await stack.stop()
  }
}

const describe = (run: Phases): string =>
  `signed ${Math.round(run.signed)} ms, open ${Math.round(run.opened)} ms, first record ${Math.round(run.firstRecord)} ms, all ${Math.round(run.allRecords)} ms, drawn ${Math.round(run.drawn)} ms after the click`

export async function measureRecovery(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const runs = await measureRuns(executablePath)
  for (const [i, run] of runs.entries()) console.error(`recovery run ${i + 1}: ${describe(run)}`)
  return { 'recovery.newDevice1000.ms': { value: Math.round(median(runs.map((run) => run.drawn))), unit: 'ms' } }
}

if (import.meta.main) {
  // --no-build measures the dist/ already there (e.g. one built with --minify false, for a readable profile).
  const build = process.argv.includes('--no-build') ? { status: 0 } : spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  const figures = await measureRecovery()
  for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(38)} ${value.toLocaleString('en')} ${unit}`)
}
