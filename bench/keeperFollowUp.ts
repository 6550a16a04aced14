// The doctor's follow-up from the keeper, measured on the built app in two headless Chromium
// browsers over WebRTC inside the private network namespace (the flow of test/e2e/followUp.spec.ts
// with 1,000 records), on one local stack (anvil automining, the contracts, the relay, and the
// keeper process the stack runs, bound to the app's origin). Once: the patient registers their key,
// loads the 1,000-record demo, enrols the stack's keeper and waits until it holds every entry
// (bench/recovery.ts's preparation); a doctor visits and is granted read and write; then every
// browser of the patient closes. Then, RUNS times, the doctor's browser with what the visit left in
// it (their localStorage: the patient's keepers and the keys wrapped for them) and no copy of the
// history (an empty IndexedDB, so every record comes from the keeper) opens My patients:
//
// - keeper.followUp1000.ms: from the click on "Read the history of <patient>" to the timeline drawn
//   (its canvas in the page and the frame after it) with all 1,000 records, "received directly from
//   the patient's keeper": trying the patient's device (offline), dialling the keeper, the pull,
//   decrypting, drawing. Median of RUNS.
//
// Each run also prints where its time went: until the reading opened, the first record, the last, drawn.
//
// `node bench/keeperFollowUp.ts` builds the app and prints the figure; bench/run.ts adds measureKeeperFollowUp().
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { PRIVATE_NETWORK_ADDRESS } from '../scripts/stack/privateNetwork.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'
import { figuresFromPrivateNetwork } from './privateNetworkRun.ts'
import { prepare } from './recovery.ts'
import { account, approveAtOnce, askAtOnce, connectAccount } from './visit.ts'

const root = path.resolve(import.meta.dirname, '..')
const dist = path.join(root, 'dist')
/** Runs of the figure; `RUNS=1 node bench/keeperFollowUp.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)
const DOCTOR_NAME = 'Dr Follow'
const FIGURES_LINE = 'FOLLOW_UP_FIGURES '

/** The moments of one follow-up, in milliseconds after the click. */
interface Phases {
  opened: number
  firstRecord: number
  allRecords: number
  drawn: number
}

/**
 * Installed in the doctor's page: records, in the page's own clock, the click on "Read the history
 * of …", the reading shown, its first record, all `expected` records from the keeper, and the frame
 * after the timeline's canvas is in the page with all of them.
 */
function watchFollowUp(expected: number): void {
  const marks: Record<string, number> = {}
  ;(window as unknown as { __followUp: Record<string, number> }).__followUp = marks
  const mark = (name: string): void => {
    marks[name] ??= performance.now()
  }
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null
      if (button?.getAttribute('aria-label')?.startsWith('Read the history of') === true) mark('click')
    },
    true
  )
  new MutationObserver(() => {
    if (marks.click === undefined) return
    const reading = document.querySelector('section[aria-labelledby="reading-heading"]')
    const status = reading?.querySelector(':scope > p[role="status"]')?.textContent ?? ''
    if (status === '') return
    mark('opened')
    const records = Number((/([\d,]+) records (?:in|decrypted)/.exec(status)?.[1] ?? '0').replaceAll(',', ''))
    if (records > 0) mark('firstRecord')
    if (marks.allRecords === undefined && status.startsWith(`${expected.toLocaleString('en')} records in`) && status.includes("from the patient's keeper")) mark('allRecords')
    if (marks.allRecords !== undefined && marks.drawn === undefined && reading?.querySelector('canvas.tl-canvas') !== null) {
      // Two frames: the one the canvas is drawn in, and its paint.
      requestAnimationFrame(() => requestAnimationFrame(() => mark('drawn')))
    }
  }).observe(document, { subtree: true, childList: true, characterData: true })
}

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

/** A visit: the doctor asks, the patient's page approves at once with read and write. Returns once the doctor's app recorded it. */
async function visit(patient: Page, doctor: Page, count: number): Promise<void> {
  await go(patient, 'Visit')
  await patient.getByRole('button', { name: 'Start a visit' }).click()
  const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
  await patient.evaluate(approveAtOnce)
  await doctor.evaluate(askAtOnce, DOCTOR_NAME)
  await doctor.goto(link)
  const history = doctor.getByRole('region', { name: "The patient's history" })
  await expect(history.getByRole('status').first()).toHaveText(`${count.toLocaleString('en')} records in ${count.toLocaleString('en')} blocks, received directly from the patient's device.`, { timeout: 120_000 })
  await expect(doctor.getByText(/The visit is recorded/)).toBeVisible({ timeout: 60_000 })
}

/** One follow-up in a doctor's browser holding what the visit left in localStorage, nothing in IndexedDB. */
async function followUp(browser: Browser, url: string, storageState: Awaited<ReturnType<BrowserContext['storageState']>>, patientAddress: string, count: number, run: number): Promise<Phases> {
  const context = await browser.newContext({ storageState })
  try {
    const page = await context.newPage()
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') console.error(`follow-up run ${run}, page ${message.type()}: ${message.text()}`)
    })
    await page.addInitScript(watchFollowUp, count)
    // The wallet choice is in the localStorage the visit left: the app connects it as it opens.
    await page.goto(`${url}/#/visit`)
    const strip = page.getByRole('region', { name: 'Connection status' })
    await expect(strip).toContainText('development wallet (Third doctor)', { timeout: 30_000 })
    await expect(strip).toContainText(/Peer-to-peer: started · peer \S+ · relay reserved/, { timeout: 30_000 })
    const patients = page.getByRole('list', { name: 'Patients who granted you access' })
    await expect(page.getByRole('region', { name: 'My patients' })).toContainText('read and write access to', { timeout: 30_000 })
    // BENCH_PROFILE=<file> writes the page's CPU profile of each follow-up to <file>.<run>.cpuprofile.
    const profileFile = process.env.BENCH_PROFILE
    const profile = profileFile === undefined ? undefined : await context.newCDPSession(page)
    if (profile !== undefined) {
      await profile.send('Profiler.enable')
      await profile.send('Profiler.setSamplingInterval', { interval: 200 })
      await profile.send('Profiler.start')
      const clicked = Date.now()
      page.on('websocket', (socket) => {
        console.error(`  ${Date.now() - clicked} ms: WebSocket to ${socket.url()}`)
        socket.on('close', () => console.error(`  ${Date.now() - clicked} ms: ${socket.url()} closed`))
      })
      page.on('console', (message) => console.error(`  ${Date.now() - clicked} ms: page: ${message.text()}`))
    }
    await patients.getByRole('button', { name: `Read the history of ${patientAddress}` }).click()
    const history = page.getByRole('region', { name: `Follow-up with ${patientAddress}` }).getByRole('region', { name: "The patient's history" })
    await expect(history.getByRole('status').first()).toHaveText(`${count.toLocaleString('en')} records in ${count.toLocaleString('en')} blocks, received directly from the patient's keeper.`, { timeout: 120_000 })
    await expect(history.locator('canvas.tl-canvas')).toBeAttached()
    await page.waitForFunction(() => (window as unknown as { __followUp: Record<string, number> }).__followUp.drawn !== undefined)
    if (profile !== undefined) {
      const { profile: cpu } = await profile.send('Profiler.stop')
      await writeFile(`${profileFile ?? 'followUp'}.${run}.cpuprofile`, JSON.stringify(cpu))
    }
    const { click, opened, firstRecord, allRecords, drawn } = await page.evaluate(() => (window as unknown as { __followUp: Record<string, number> }).__followUp)
    if (click === undefined || opened === undefined || firstRecord === undefined || allRecords === undefined || drawn === undefined) throw new Error('a step of the follow-up was not seen')
    return { opened: opened - click, firstRecord: firstRecord - click, allRecords: allRecords - click, drawn: drawn - click }
  } finally {
    await context.close()
  }
}

/** Inside the private network namespace: one stack, one patient and one visit, then RUNS follow-ups. */
async function browserFigures(appDir: string): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const appPort = await freePort()
  const url = `http://127.0.0.1:${appPort}`
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-follow-up-relay.key'), keeper: { origin: url } })
  const server = await serveStatic({ root: appDir, port: appPort, config: stack.config })
  const browsers: Browser[] = []
  try {
    for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS }))
    const [patientBrowser, doctorBrowser] = browsers as [Browser, Browser]
    const patientAccount = account('Second patient')
    const patientContext = await patientBrowser.newContext()
    const doctorContext = await doctorBrowser.newContext()
    const patient = await patientContext.newPage()
    const doctor = await doctorContext.newPage()
    await Promise.all([connectAccount(patient, url, patientAccount), connectAccount(doctor, url, account('Third doctor'))])
    const count = await prepare(patient)
    await visit(patient, doctor, count)
    const storageState = await doctorContext.storageState()
    // Every browser of the patient closes; the doctor's, too: each run opens it again without the history.
    await patientContext.close()
    await doctorContext.close()
    const runs: Phases[] = []
    for (let run = 0; run < RUNS; run++) runs.push(await followUp(doctorBrowser, url, storageState, patientAccount.address, count, run + 1))
    for (const [i, run] of runs.entries()) {
      console.error(`follow-up run ${i + 1}: open ${Math.round(run.opened)} ms, first record ${Math.round(run.firstRecord)} ms, all ${Math.round(run.allRecords)} ms, drawn ${Math.round(run.drawn)} ms after the click`)
    }
    return { 'keeper.followUp1000.ms': { value: Math.round(median(runs.map((run) => run.drawn))), unit: 'ms' } }
  } finally {
    await Promise.allSettled(browsers.map((browser) => browser.close()))
    await server.stop()
    await stack.stop()
  }
}

/** Runs this file inside a fresh private network namespace and reads the figure it prints. Needs the app built in `appDir`. */
export async function measureKeeperFollowUp(appDir = dist): Promise<Figures> {
  if (!existsSync(path.join(appDir, 'index.html'))) throw new Error(`${appDir} has no build: run 'npm run build' first.`)
  return await figuresFromPrivateNetwork('keeperFollowUp.ts', ['--browsers', appDir], FIGURES_LINE, 'follow-up benchmark')
}

if (import.meta.main) {
  const [mode, appDir] = process.argv.slice(2)
  const inside = mode === '--browsers' && appDir !== undefined
  if (inside && process.env.ANAMNESIS_PRIVATE_NETWORK !== '1') throw new Error(`run the browser part inside the private network (${PRIVATE_NETWORK_ADDRESS})`)
  // Standalone, the app is built apart from dist/ (--no-build measures the build already there).
  const ownBuild = path.join(root, '.stack', 'bench-follow-up-app')
  if (!inside && !process.argv.includes('--no-build')) {
    const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn', '--outDir', ownBuild, '--emptyOutDir'], { cwd: root, stdio: 'inherit' })
    if (build.status !== 0) throw new Error('vite build failed')
  }
  ;(inside ? browserFigures(appDir) : measureKeeperFollowUp(ownBuild)).then(
    (figures) => {
      if (inside) console.log(FIGURES_LINE + JSON.stringify(figures))
      else for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(40)} ${value.toLocaleString('en')} ${unit}`)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    }
  )
}
