// The Content-Security-Policy at work in Chromium: script that finds its way into the page
// (an injected <script>, an inline event handler, eval) does not run, and the browser reports it.
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { serveStatic, type StaticServer } from '../../scripts/stack/serveStatic.ts'
import { expectStackLive, stackConfig } from './fixtures.ts'

type Attacked = Window & { injected?: string; evalError?: string; violations: string[] }

// A server of this spec's own: the suite's server fails the run on any violation, and here there are some on purpose.
let server: StaticServer
test.beforeAll(async () => {
  server = await serveStatic({ root: path.resolve(import.meta.dirname, '../../dist'), config: stackConfig() })
})
test.afterAll(async () => {
  await server.stop()
})

test('an injected inline script, an inline event handler and eval do not run, and each is reported', async ({ page }) => {
  await page.addInitScript(() => {
    const attacked = window as unknown as Attacked
    attacked.violations = []
    document.addEventListener('securitypolicyviolation', (event) => attacked.violations.push(`${event.effectiveDirective} ${event.blockedURI}`))
  })
  await page.goto(`${server.url}/`)
  await expectStackLive(page)
  // The app itself runs under the policy without a single refusal.
  expect(await page.evaluate(() => (window as unknown as Attacked).violations)).toEqual([])

  await page.evaluate(() => {
    const attacked = window as unknown as Attacked
    const script = document.createElement('script')
    script.textContent = 'window.injected = "by an inline script"'
    document.body.append(script)
    const button = document.createElement('button')
    button.setAttribute('onclick', 'window.injected = "by an inline handler"')
    document.body.append(button)
    button.click()
    // From a task of the page's own: code Playwright evaluates may itself call eval.
    setTimeout(() => {
      try {
        eval('window.injected = "by eval"')
        attacked.evalError = 'none'
      } catch (error) {
        attacked.evalError = error instanceof Error ? error.name : String(error)
      }
    })
  })
  await expect.poll(() => page.evaluate(() => (window as unknown as Attacked).evalError)).toBe('EvalError')
  await expect.poll(() => page.evaluate(() => (window as unknown as Attacked).violations.toSorted())).toEqual(['script-src eval', 'script-src-attr inline', 'script-src-elem inline'])
  expect(await page.evaluate(() => (window as unknown as Attacked).injected)).toBeUndefined()
})
