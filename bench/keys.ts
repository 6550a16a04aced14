// The key replacement's figure, measured on the built app in headless Chromium against the local
// stack (anvil automining, the contracts, the relay), each of RUNS runs on a fresh stack with a
// fresh browser context: the patient (the development wallet's "Patient") registers their key and
// opens their history; then, from the Settings click on "My keys may be exposed: replace them",
//
// - keys.replace.ms: click → the new keys registered on-chain, the history moved to a new epoch
//   under them, and the first record the patient then adds shown in their history, sealed under
//   that epoch. Both wallet signatures are the development wallet's (in the page, no prompt), and
//   the figure includes the page's navigation to the form and Playwright's typing into it (tens
//   of milliseconds). Anvil mines at once; on a real chain add one block.
//
// `node bench/keys.ts` builds the app and prints the figure; bench/run.ts adds measureKeys().
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { chromium, expect, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Runs of the figure; `RUNS=1 node bench/keys.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 3)

/**
 * Installed in the page: records, in the page's own clock, the click on the replace button, the
 * words saying the keys were replaced, and the first record shown in the history after them.
 */
function watchReplacement(): void {
  const marks: Record<string, number> = {}
  ;(window as unknown as { __keys: Record<string, number> }).__keys = marks
  const mark = (name: string): void => {
    marks[name] ??= performance.now()
  }
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null
      if (button?.textContent.trim() === 'My keys may be exposed: replace them') mark('click')
    },
    true
  )
  new MutationObserver(() => {
    if (marks.click === undefined) return
    if (document.querySelector('section[aria-labelledby="key-heading"]')?.textContent.includes('Your keys were replaced') === true) mark('replaced')
    const own = document.querySelector('section[aria-labelledby="own-heading"] > p[role="status"]')?.textContent ?? ''
    if (marks.replaced !== undefined && /^1 records? in/.test(own)) mark('sealed')
  }).observe(document, { subtree: true, childList: true, characterData: true })
}

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

/** One run: the milliseconds from the click to the first record under the new keys, and to the keys replaced. */
async function oneRun(executablePath: string): Promise<{ sealed: number; replaced: number }> {
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-relay.key') })
  const server = await serveStatic({ root: path.join(root, 'dist'), config: stack.config })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    const page = await (await browser.newContext()).newPage()
    await page.addInitScript(watchReplacement)
    await page.goto(`${server.url}/#/settings`)
    await expect(page.getByRole('region', { name: 'Connection status' })).toContainText(/relay reserved/, { timeout: 30_000 })
    const keySection = page.getByRole('region', { name: 'Encryption key' })
    await keySection.getByRole('button', { name: 'Register my encryption key' }).click()
    await expect(keySection).toContainText(/Your key was registered in block \d+\./)
    await go(page, 'My history')
    await page.getByRole('button', { name: 'Open my history' }).click()
    const own = page.getByRole('region', { name: 'Your history', exact: true })
    await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')

    await go(page, 'Settings')
    await keySection.getByRole('button', { name: 'My keys may be exposed: replace them' }).click()
    await expect(keySection).toContainText(/Your keys were replaced: version 2 is registered/, { timeout: 30_000 })
    await go(page, 'My history')
    await own.getByText('Add a record: a symptom or problem').click()
    const form = own.getByRole('form', { name: 'Add to my history' })
    await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
    await form.getByRole('textbox', { name: 'Symptom or problem' }).fill('Palpitations')
    await form.getByRole('button', { name: 'Add symptom' }).click()
    await expect(own.getByRole('status').first()).toContainText(/^1 records? in/)
    const marks = await page.evaluate(() => (window as unknown as { __keys: Record<string, number> }).__keys)
    const { click, replaced, sealed } = marks
    if (click === undefined || replaced === undefined || sealed === undefined) throw new Error(`a step was not seen: ${JSON.stringify(marks)}`)
    return { sealed: sealed - click, replaced: replaced - click }
  } finally {
    await browser.close()
    await server.stop()
    await stack.stop()
  }
}

export async function measureKeys(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const runs: { sealed: number; replaced: number }[] = []
  for (let run = 0; run < RUNS; run++) runs.push(await oneRun(executablePath))
  return { 'keys.replace.ms': { value: Math.round(median(runs.map((r) => r.sealed))), unit: 'ms' } }
}

if (import.meta.main) {
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const runs: { sealed: number; replaced: number }[] = []
  for (let run = 0; run < RUNS; run++) runs.push(await oneRun(executablePath))
  for (const [i, run] of runs.entries()) console.log(`run ${i + 1}: keys replaced ${Math.round(run.replaced)} ms, first record under them ${Math.round(run.sealed)} ms after the click`)
  console.log(`keys.replace.ms ${Math.round(median(runs.map((r) => r.sealed)))} ms (median of ${RUNS})`)
}
