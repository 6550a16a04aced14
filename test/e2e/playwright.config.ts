// End-to-end tests: real Chromium (Debian's, never downloaded), the built app, a real
// local chain and a real relay, all inside the private network namespace that `npm test` creates.
import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../../scripts/stack/chromium.ts'

const executablePath = chromiumPath()
if (executablePath === undefined) throw new Error(missingChromiumMessage())

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './globalSetup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: '../../test-results',
  use: {
    headless: true,
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
    actionTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure'
  }
})
