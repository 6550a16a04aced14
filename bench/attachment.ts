// The attachment figures, measured on the built app as a patient and a doctor use it: two headless
// Chromium browsers over WebRTC inside the private network namespace, driven by role and name (the
// flow of test/e2e/attachments.spec.ts), each run on a fresh local stack with fresh browser
// contexts. Medians of the runs:
//
// - attachment.10MB.store.ms: the patient, with a 10 MB PDF chosen, presses "Attach the file" → the
//   form says it is attached (checked, sealed in 256 KiB chunks, stored as IPFS blocks in IndexedDB,
//   and its DocumentReference written to the history). Reading the file from disk is not in it.
// - attachment.10MB.doctorOpen.ms: the doctor, granted reports at a visit, presses "Open" on the
//   record → the PDF is checked and ready to view (every block fetched from the patient's browser over
//   the direct WebRTC connection, every chunk opened, the SHA-256 compared, the blob: URL made).
//
// `node bench/attachment.ts` builds the app and prints them; bench/run.ts adds measureAttachment() to its figures.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { PRIVATE_NETWORK_ADDRESS } from '../scripts/stack/privateNetwork.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'
import { figuresFromPrivateNetwork } from './privateNetworkRun.ts'
import { account, approveAtOnce, askAtOnce, connectAccount } from './visit.ts'

const root = path.resolve(import.meta.dirname, '..')
const dist = path.join(root, 'dist')
/** Runs per figure; `RUNS=1 node bench/attachment.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)
const FILE_NAME = 'MRI report.pdf'
const DOCTOR_NAME = 'Dr Bench'
const FIGURES_LINE = 'ATTACHMENT_FIGURES '

/**
 * Installed in every page: when the attach and open buttons are pressed, and when each says it is
 * done, in the page's own clock. The driver checks each step by role and name too.
 */
function watchFiles(): void {
  const marks: Record<string, number> = {}
  ;(window as unknown as { __files: Record<string, number> }).__files = marks
  const mark = (name: string): void => {
    marks[name] ??= performance.timeOrigin + performance.now()
  }
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null
      const text = button?.textContent.trim() ?? ''
      if (text === 'Attach the file') mark('attach:click')
      if (text.startsWith('Open ')) mark('open:click')
    },
    true
  )
  new MutationObserver(() => {
    for (const status of document.querySelectorAll('[role="status"]')) {
      const text = status.textContent
      if (text.startsWith('Attached ')) mark('attach:done')
      if (text.endsWith('is checked and ready.')) mark('open:done')
    }
  }).observe(document, { subtree: true, childList: true, characterData: true })
}

async function marksOf(page: Page): Promise<Record<string, number>> {
  return await page.evaluate(() => ({ ...(window as unknown as { __files: Record<string, number> }).__files }))
}

function span(marks: Record<string, number>, from: string, to: string): number {
  const a = marks[from]
  const b = marks[to]
  if (a === undefined || b === undefined) throw new Error(`no mark ${a === undefined ? from : to} (marks: ${Object.keys(marks).join(', ')})`)
  return b - a
}

async function attachmentRun(appDir: string, browsers: [Browser, Browser]): Promise<{ store: number; doctorOpen: number }> {
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-attachment-relay.key') })
  const server = await serveStatic({ root: appDir, config: stack.config })
  const contexts: BrowserContext[] = []
  const openPage = async (browser: Browser): Promise<Page> => {
    const context = await browser.newContext()
    contexts.push(context)
    context.setDefaultTimeout(60_000)
    const page = await context.newPage()
    page.on('pageerror', (error) => console.error('page error:', error.message))
    await page.addInitScript(watchFiles)
    return page
  }
  try {
    const [patient, doctor] = await Promise.all([openPage(browsers[0]), openPage(browsers[1])])
    await Promise.all([connectAccount(patient, server.url, account('Second patient')), connectAccount(doctor, server.url, account('Third doctor'))])

    // The patient attaches the 10 MB PDF to their history.
    const nav = patient.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'My history' }).click()
    await patient.getByRole('button', { name: 'Open my history' }).click()
    const own = patient.getByRole('region', { name: 'Your history' })
    await own.getByText('Attach a file: a report (PDF) or an image').click()
    const form = own.getByRole('form', { name: 'Attach a file' })
    const pdf = randomBytes(10 * 1000 * 1000)
    pdf.write('%PDF-1.7\n', 0, 'latin1')
    await form.getByLabel('PDF or image to attach').setInputFiles({ name: FILE_NAME, mimeType: 'application/pdf', buffer: pdf })
    await form.getByRole('button', { name: 'Attach the file' }).click()
    await form.getByRole('status').filter({ hasText: `Attached ${FILE_NAME}.` }).waitFor()

    // The visit: every category granted at once, the doctor's history arrives.
    await nav.getByRole('link', { name: 'Visit' }).click()
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
    await patient.evaluate(approveAtOnce)
    await doctor.evaluate(askAtOnce, DOCTOR_NAME)
    await doctor.goto(link)
    const history = doctor.getByRole('region', { name: "The patient's history" })
    await history.getByRole('status').filter({ hasText: "received directly from the patient's device." }).waitFor({ timeout: 120_000 })

    // The doctor opens the file.
    await history.getByText(/Table of the records shown/).click()
    await history.getByRole('table').getByRole('button', { name: FILE_NAME }).click()
    const details = history.getByRole('region', { name: 'Selected record' })
    await details.getByRole('button', { name: `Open ${FILE_NAME}` }).click()
    await details.getByRole('status').filter({ hasText: `${FILE_NAME} is checked and ready.` }).waitFor({ timeout: 120_000 })

    const p = await marksOf(patient)
    const d = await marksOf(doctor)
    const times = { store: span(p, 'attach:click', 'attach:done'), doctorOpen: span(d, 'open:click', 'open:done') }
    console.error(`run: store ${Math.round(times.store)} ms, doctor open ${Math.round(times.doctorOpen)} ms`)
    return times
  } finally {
    await Promise.allSettled(contexts.map((c) => c.close()))
    await server.stop()
    await stack.stop()
  }
}

async function browserFigures(appDir: string): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const browsers: Browser[] = []
  try {
    for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS }))
    const runs: { store: number; doctorOpen: number }[] = []
    let failures = 0
    while (runs.length < RUNS) {
      try {
        runs.push(await attachmentRun(appDir, browsers as [Browser, Browser]))
      } catch (error) {
        if (++failures > 2) throw error
        console.error(`attachment run failed, running it again: ${error instanceof Error ? error.message.split('\n').slice(0, 4).join(' | ') : String(error)}`)
      }
    }
    return {
      'attachment.10MB.store.ms': { value: Math.round(median(runs.map((r) => r.store))), unit: 'ms' },
      'attachment.10MB.doctorOpen.ms': { value: Math.round(median(runs.map((r) => r.doctorOpen))), unit: 'ms' }
    }
  } finally {
    await Promise.allSettled(browsers.map((b) => b.close()))
  }
}

/** Runs this file inside a fresh private network namespace and reads the figures it prints. Needs the app built in `appDir`. */
export async function measureAttachment(appDir = dist): Promise<Figures> {
  if (!existsSync(path.join(appDir, 'index.html'))) throw new Error(`${appDir} has no build: run 'npm run build' first.`)
  return await figuresFromPrivateNetwork('attachment.ts', ['--browsers', appDir], FIGURES_LINE, 'attachment benchmark')
}

if (import.meta.main) {
  const [mode, appDir] = process.argv.slice(2)
  const inside = mode === '--browsers' && appDir !== undefined
  if (inside && process.env.ANAMNESIS_PRIVATE_NETWORK !== '1') throw new Error(`run the browser part inside the private network (${PRIVATE_NETWORK_ADDRESS})`)
  // Standalone, the app is built apart from dist/, which the end-to-end tests may be serving meanwhile.
  const ownBuild = path.join(root, '.stack', 'bench-attachment-app')
  if (!inside) {
    const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn', '--outDir', ownBuild, '--emptyOutDir'], { cwd: root, stdio: 'inherit' })
    if (build.status !== 0) throw new Error('vite build failed')
  }
  ;(inside ? browserFigures(appDir) : measureAttachment(ownBuild)).then(
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
