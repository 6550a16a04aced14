// The emergency card's break-glass, measured on the built app in headless Chromium against the local
// stack (anvil automining, the contracts, the relay, and the keeper process the stack runs, bound to
// the app's origin): the flow of test/e2e/emergencyBreakGlass.spec.ts. Once: the development
// wallet's "Patient" registers their key, loads the 400-record demo, enrols the stack's keeper (and
// waits until it holds every entry), publishes their card and photographs its QR code as the page
// draws it; then that browser closes (the patient cannot answer). Then, RUNS times, a new clinician
// (a fresh funded account in a browser wallet, EIP-6963, in a fresh browser context, so every run
// records a break-glass of its own and the keeper finds that one) reads the photo on "Emergency: scan
// a card", sees the offline tier and chooses a reason:
//
// - emergency.breakGlassToSummary.ms: from the click on "Open the full emergency summary" to the full
//   summary drawn (its sections in the page and the frame after): the break-glass transaction until
//   its receipt, dialling the keeper, the wallet's signature of the request, the keeper's ledger
//   check, opening the summary with the card's key, drawing. The wallet answers at once: a person
//   confirming in a real wallet adds their own time. Median of RUNS.
//
// Each run also prints where its time went: until the break-glass was recorded (its receipt), until the
// summary from the keeper is in the page, until drawn.
//
// `node bench/breakGlass.ts [--no-build]` builds the app and prints the figure; bench/run.ts adds measureBreakGlass().
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { chromium, expect, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import type { AppConfig } from '../src/config/index.ts'
import { connectAnnouncedWallet, fundedAccount } from '../test/e2e/fixtures.ts'
import { injectWallet } from '../test/e2e/injectedWallet.ts'
import { median, type Figures } from './figures.ts'
import { account, connectAccount } from './visit.ts'

const root = path.resolve(import.meta.dirname, '..')
const dist = path.join(root, 'dist')
/** Runs of the figure; `RUNS=1 node bench/breakGlass.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 7)
const OPEN = 'Open the full emergency summary'

/** The moments of one break-glass, in milliseconds after the click. */
interface Phases {
  recorded: number
  shown: number
  drawn: number
}

/**
 * Installed in the clinician's page: records, in the page's own clock, the click on "Open the full
 * emergency summary", the break-glass recorded (the page turns to asking the keeper), the released
 * summary's sections in the page, and the frame painted after.
 */
function watchBreakGlass(open: string): void {
  const marks: Record<string, number> = {}
  ;(window as unknown as { __breakGlass: Record<string, number> }).__breakGlass = marks
  const mark = (name: string, at = performance.now()): void => {
    marks[name] ??= at
  }
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null
      // The event's own time: when the click happened, before any handler ran.
      if (button?.textContent.trim() === open) mark('click', event.timeStamp)
    },
    true
  )
  new MutationObserver(() => {
    if (marks.click === undefined) return
    if (marks.recorded === undefined && document.body.textContent.includes("Asking the patient's keeper for the summary…")) mark('recorded')
    if (marks.shown === undefined && document.querySelector('section[aria-labelledby="released-summary-heading"] section.summary-section') !== null) {
      mark('shown')
      // Two frames: the one the summary is laid out in, and its paint.
      requestAnimationFrame(() => requestAnimationFrame(() => mark('drawn')))
    }
  }).observe(document, { subtree: true, childList: true, characterData: true })
}

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

/** The patient's side, in a browser of its own that closes after: returns a photo (PNG) of their published card's QR code. */
async function preparePatient(executablePath: string, url: string): Promise<Buffer> {
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    // A sharp photo: the page drawn at three device pixels a CSS pixel.
    const page = await (await browser.newContext({ deviceScaleFactor: 3 })).newPage()
    await connectAccount(page, url, account('Patient'))
    const keySection = page.getByRole('region', { name: 'Encryption key' })
    await keySection.getByRole('button', { name: 'Register my encryption key' }).click()
    await expect(keySection).toContainText(/Your key was registered in block \d+\./)
    await go(page, 'My history')
    await page.getByRole('button', { name: 'Open my history' }).click()
    const own = page.getByRole('region', { name: 'Your history', exact: true })
    await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: '400 records' })
    await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
    await expect(own).toContainText(/Added [\d,]+ demo records/, { timeout: 120_000 })
    await expect(own.getByRole('status').first()).toContainText(/[\d,]+ records in [\d,]+ blocks/)
    const status = (await own.getByRole('status').first().textContent()) ?? ''
    const count = Number((/^([\d,]+) records? in/.exec(status)?.[1] ?? '0').replaceAll(',', ''))
    if (count === 0) throw new Error(`the demo wrote no records: "${status}"`)

    // The keeper holds the whole history before the runs, so its pull does not share the cores with them.
    await go(page, 'Settings')
    const keepers = page.getByRole('region', { name: 'Keepers' })
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 60_000 })
    await expect(async () => {
      await keepers.getByRole('button', { name: 'Ask my keepers again' }).click()
      await expect(keepers.getByRole('list', { name: 'Your keepers' })).toContainText(`Holds ${count} entries`, { timeout: 2_000 })
    }).toPass({ timeout: 180_000 })

    await go(page, 'Emergency')
    const fullTier = page.getByRole('region', { name: 'The full summary, for a clinician' })
    const code = page.getByRole('img', { name: 'QR code of your emergency card' })
    const before = await code.getAttribute('src')
    await fullTier.getByRole('button', { name: 'Publish my card' }).click()
    await expect(fullTier.getByRole('status')).toContainText('Your keepers hold your current summary', { timeout: 30_000 })
    // The code now carries the link to the full tier.
    await expect(code).not.toHaveAttribute('src', before ?? '')
    return await code.screenshot()
  } finally {
    await browser.close()
  }
}

/** One clinician, new to the app, in a fresh context of `browser`: the moments of their break-glass. */
async function openFullTier(browser: Browser, url: string, config: AppConfig, photo: Buffer, run: number): Promise<Phases> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`break-glass run ${run}, page error: ${message.text()}`)
    })
    const clinician = await fundedAccount(config.chain.rpcUrl)
    await injectWallet(page, { name: 'Clinician Wallet', privateKey: clinician.privateKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id })
    await page.addInitScript(watchBreakGlass, OPEN)
    await connectAnnouncedWallet(page, 'Clinician Wallet', `${url}/`)
    await page.goto(`${url}/#/emergency/scan`)
    await page.getByLabel('Or read the code from a photo of the card').setInputFiles({ name: 'card.png', mimeType: 'image/png', buffer: photo })
    await page.getByRole('region', { name: 'What the card says' }).waitFor()
    const full = page.getByRole('region', { name: 'The full emergency summary' })
    await full.getByRole('combobox', { name: 'Reason for opening the full summary' }).selectOption({ label: 'The patient was unconscious' })

    await full.getByRole('button', { name: OPEN }).click()
    const allergies = full.getByRole('region', { name: 'Allergies and intolerances' })
    const failed = full.getByRole('alert')
    await Promise.race([
      allergies.waitFor({ timeout: 60_000 }),
      failed.waitFor({ timeout: 60_000 }).then(async () => {
        throw new Error(`break-glass run ${run}: ${(await failed.textContent()) ?? 'the page reported a failure'}`)
      })
    ])
    await expect(allergies).toContainText('Penicillin')
    await page.waitForFunction(() => (window as unknown as { __breakGlass: Record<string, number> }).__breakGlass.drawn !== undefined)
    const { click, recorded, shown, drawn } = await page.evaluate(() => (window as unknown as { __breakGlass: Record<string, number> }).__breakGlass)
    if (click === undefined || recorded === undefined || shown === undefined || drawn === undefined) throw new Error('a step of the break-glass was not seen')
    return { recorded: recorded - click, shown: shown - click, drawn: drawn - click }
  } finally {
    await context.close()
  }
}

export async function measureBreakGlass(appDir = dist): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const appPort = await freePort()
  const url = `http://127.0.0.1:${appPort}`
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, keeper: { origin: url } })
  const server = await serveStatic({ root: appDir, port: appPort, config: stack.config })
  try {
    const photo = await preparePatient(executablePath, url)
    const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
    const runs: Phases[] = []
    try {
      for (let run = 0; run < RUNS; run++) runs.push(await openFullTier(browser, url, stack.config, photo, run + 1))
    } finally {
      await browser.close()
    }
    for (const [i, run] of runs.entries()) {
      console.error(`break-glass run ${i + 1}: recorded ${Math.round(run.recorded)} ms, summary in the page ${Math.round(run.shown)} ms, drawn ${Math.round(run.drawn)} ms after the click`)
    }
    return { 'emergency.breakGlassToSummary.ms': { value: Math.round(median(runs.map((run) => run.drawn))), unit: 'ms' } }
  } finally {
    await server.stop()
    await stack.stop()
  }
}

if (import.meta.main) {
  // --no-build measures the dist/ already there.
  const build = process.argv.includes('--no-build') ? { status: 0 } : spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  const figures = await measureBreakGlass()
  for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(38)} ${value.toLocaleString('en')} ${unit}`)
}
