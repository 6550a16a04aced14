// The app's first-screen figures: what the first screen downloads (gzip) and how long
// the built app takes from navigation until the chain is connected and the node started.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import type { Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
const COLD_START_RUNS = 5

/** Records, in the page, when the status strip first shows the chain connected and the node started. */
function watchReady(): void {
  const w = window as unknown as { __readyAt?: number }
  const check = (): void => {
    const strip = document.querySelector('[aria-label="Connection status"]')
    const text = strip?.textContent ?? ''
    if (w.__readyAt === undefined && text.includes('Chain: connected') && text.includes('Peer-to-peer: started')) w.__readyAt = performance.now()
  }
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true })
}

export async function measureApp(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-relay.key') })
  const dist = path.join(root, 'dist')
  const server = await serveStatic({ root: dist, config: stack.config })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  try {
    const times: number[] = []
    let firstScreenFiles = new Set<string>()
    for (let run = 0; run < COLD_START_RUNS; run++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const files = new Set<string>()
      page.on('request', (request) => {
        const type = request.resourceType()
        if (type === 'script' || type === 'stylesheet') files.add(new URL(request.url()).pathname)
      })
      await page.addInitScript(watchReady)
      await page.goto(`${server.url}/`)
      await page.waitForFunction(() => (window as unknown as { __readyAt?: number }).__readyAt !== undefined, undefined, { timeout: 30_000 })
      times.push(await page.evaluate(() => (window as unknown as { __readyAt: number }).__readyAt))
      if (run === 0) firstScreenFiles = files
      await context.close()
    }
    let gzipBytes = 0
    for (const file of firstScreenFiles) gzipBytes += gzipSync(await readFile(path.join(dist, file))).length
    times.sort((a, b) => a - b)
    return {
      'app.bundle.gzip.bytes': { value: gzipBytes, unit: 'bytes' },
      'app.coldStart.ms': { value: Math.round(times[Math.floor(times.length / 2)] ?? Number.NaN), unit: 'ms' }
    }
  } finally {
    await browser.close()
    await server.stop()
    await stack.stop()
  }
}
