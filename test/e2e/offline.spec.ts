// The app as an installed, offline app: its manifest and icons, the history opened after a first
// visit with the network gone (at the root and under a sub-path; nothing installed on a shared
// gateway's path), and a new version that is offered, never forced, and waits for a write under
// way before it reloads the page.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { chromium, expect, test, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { serveStatic } from '../../scripts/stack/serveStatic.ts'
import { appUrl, expectStackLive, fundedAccount, gatewayUrl, stackConfig, statusStrip, subpathUrl } from './fixtures.ts'
import { injectWallet } from './injectedWallet.ts'

const dist = path.resolve(import.meta.dirname, '..', '..', 'dist')

/** Until this page is under the app's service worker and the deployment's settings are in its cache. */
async function readyOffline(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(async () => navigator.serviceWorker.controller !== null && (await caches.keys()).includes('anamnesis-config')), { timeout: 30_000 })
    .toBe(true)
}

async function addSymptom(page: Page, text: string): Promise<void> {
  const own = page.getByRole('region', { name: 'Your history' })
  await own.getByText('Add a record: a symptom or problem').click()
  const form = own.getByRole('form', { name: 'Add to my history' })
  await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
  await form.getByRole('textbox', { name: 'Symptom or problem' }).fill(text)
  await form.getByRole('button', { name: 'Add symptom' }).click()
  await expect(form.getByRole('status')).toContainText('Symptom added')
}

/** Width and height of a PNG, from its header. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

test('the app can be installed: a manifest with its name, a relative start and scope, its colour and icons that load', async ({ page, request }) => {
  await page.goto(appUrl())
  const href = await page.locator('link[rel="manifest"]').getAttribute('href')
  expect(href).toBe('./manifest.webmanifest')
  const manifestUrl = new URL(href ?? '', page.url())
  const manifest = (await (await request.get(manifestUrl.href)).json()) as Record<string, unknown> & { icons: { src: string; sizes: string; purpose?: string }[] }
  expect(manifest).toMatchObject({ name: 'Anamnesis', short_name: 'Anamnesis', start_url: './', scope: './', display: 'standalone', theme_color: '#0b5cad' })
  expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose ?? 'any'}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable'])
  for (const icon of manifest.icons) {
    const response = await request.get(new URL(icon.src, manifestUrl).href)
    expect(response.headers()['content-type']).toBe('image/png')
    const [width, height] = icon.sizes.split('x').map(Number)
    expect(pngSize(await response.body())).toEqual({ width, height })
  }
})

test('after a first visit the app loads and opens the history with the network gone', async ({ page, context }) => {
  test.setTimeout(120_000)
  await page.goto(appUrl())
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Open my history' }).click()
  const own = page.getByRole('region', { name: 'Your history' })
  await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')
  await addSymptom(page, 'Wheezing at night')
  await expect(own.getByRole('status').first()).toContainText('1 records in 1 blocks')
  await readyOffline(page)

  await context.setOffline(true)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
  // The network is really gone: the chain cannot be reached, and the history opens all the same.
  await expect(statusStrip(page)).toContainText('chain unreachable', { timeout: 20_000 })
  await expect(page.getByRole('button', { name: 'Open my history' })).toHaveCount(0)
  await expect(own.getByRole('status').first()).toContainText('1 records in 1 blocks', { timeout: 30_000 })
  await page.getByText(/Table of the records shown/).click()
  await expect(page.getByRole('table')).toContainText('Wheezing at night')
  // A page loaded lazily comes from the service worker too.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible()
})

test('under a sub-path of its origin the app has its own service worker and loads offline too', async ({ page, context }) => {
  await page.goto(`${subpathUrl()}#/settings`)
  await expectStackLive(page)
  await readyOffline(page)
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope)).toBe(subpathUrl())
  await context.setOffline(true)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Wallet' })).toContainText('development wallet')
})

test("on a shared gateway's path the app installs no service worker: only its own address gets one", async ({ page }) => {
  await page.goto(gatewayUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'Open Anamnesis from its own address' })).toBeVisible()
  await page.waitForLoadState('load')
  await page.goto(appUrl())
  await expectStackLive(page)
  await readyOffline(page)
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope))).toEqual([appUrl()])
})

test("the chain's requests go past the service worker: it answers the app's own files only", async ({ page }) => {
  // A worker woken by every poll of the chain is never idle, and a new version waits for the old worker to be idle.
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  const rpc = stackConfig().chain.rpcUrl
  const routes = new Map<string, string>()
  cdp.on('Network.responseReceived', ({ response }) => {
    const where = response.fromServiceWorker ? 'worker' : (response.serviceWorkerRouterInfo?.matchedSourceType ?? 'no route')
    routes.set(response.url === rpc || response.url === `${rpc}/` ? 'chain' : new URL(response.url).pathname.split('/').pop() ?? '', where)
  })
  await page.goto(`${appUrl()}#/settings`)
  await expectStackLive(page)
  await readyOffline(page)
  routes.clear()
  // Under the worker: a page loaded lazily comes from it, and the chain is polled past it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible()
  await expect.poll(() => routes.get('chain'), { timeout: 20_000 }).toBe('network')
  expect([...routes].filter(([file]) => file.startsWith('AuditPage-'))).toEqual([[expect.stringMatching(/^AuditPage-.*\.js$/), 'worker']])
})

test('a new version is offered, not forced: it waits for the write under way, then the page reloads into it', async () => {
  test.setTimeout(120_000)
  // A deployment of the app's own, whose files the test can replace with a newer build's.
  const folder = await mkdtemp(path.join(tmpdir(), 'anamnesis-pwa-'))
  await cp(dist, folder, { recursive: true })
  const server = await serveStatic({ root: folder, config: stackConfig() })
  // A browser of its own, as a patient's is: the suite's shared browser carries the service workers of
  // every earlier test, and in the full suite the new version's worker was seen never to take over there.
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  const page = await (await browser.newContext()).newPage()
  // The service workers' states as the browser reports them, printed if the reload never completes.
  const workers: string[] = []
  const cdp = await page.context().newCDPSession(page)
  const started = Date.now()
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const v of versions) workers.push(`${Date.now() - started} ms: version ${v.versionId} ${v.scriptURL.split('/').pop() ?? ''} ${v.runningStatus} ${v.status} clients=${(v.controlledClients ?? []).length}`)
  })
  cdp.on('ServiceWorker.workerErrorReported', ({ errorMessage }) => workers.push(`${Date.now() - started} ms: error ${errorMessage.errorMessage}`))
  await cdp.send('ServiceWorker.enable')
  const note = (what: string): number => workers.push(`${Date.now() - started} ms: ${what}`)
  page.on('framenavigated', (f) => note(`navigated ${f.url().slice(0, 100)}`))
  try {
    // An account of its own: keys another test registered for a shared account were derived on the suite's
    // origin, and this deployment's origin derives others, which the unlock would rightly refuse.
    const account = await fundedAccount()
    const config = stackConfig()
    // A wallet whose user signs only when the test says so: while it waits, opening the history is a write under way.
    let sign = (): void => undefined
    let holding = false
    const signed = new Promise<void>((resolve) => (sign = resolve))
    await injectWallet(page, { name: 'Slow Wallet', privateKey: account.privateKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id, signing: () => (holding ? signed : Promise.resolve()) })
    await page.goto(`${server.url}/#/settings`)
    const wallet = page.getByRole('region', { name: 'Wallet' })
    await wallet.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Slow Wallet' })
    await wallet.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect(statusStrip(page)).toContainText('browser wallet (Slow Wallet)')
    await readyOffline(page)
    const offer = page.getByRole('button', { name: 'Reload to use the new version' })
    await expect(offer).toHaveCount(0)

    // A new build is published: its service worker differs from the one in control.
    const worker = path.join(folder, 'sw.js')
    await writeFile(worker, `${await readFile(worker, 'utf8')}\n// the next build\n`)
    await page.reload()
    await expect(page.getByText('A new version of Anamnesis is ready.')).toBeVisible({ timeout: 30_000 })
    await expect(statusStrip(page)).toContainText('browser wallet (Slow Wallet)')
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    expect(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])

    // The patient starts opening the history, and the wallet waits for them to sign.
    holding = true
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await page.getByRole('button', { name: 'Open my history' }).click()
    await expect(page.getByText('Waiting for your wallet to sign the key message (1 of 2)…')).toBeVisible()
    await page.evaluate(() => Object.assign(window, { beforeTheNewVersion: true }))
    // The offer is a button like any other: the keyboard reaches and presses it.
    await offer.focus()
    note('accept')
    await page.keyboard.press('Enter')
    await expect(page.getByText('A new version of Anamnesis is ready: it loads as soon as what is being saved is stored.')).toBeVisible()
    // No reload while the wallet waits.
    await expect(page.getByText('Waiting for your wallet to sign the key message (1 of 2)…')).toBeVisible()
    expect(await page.evaluate(() => (window as { beforeTheNewVersion?: boolean }).beforeTheNewVersion)).toBe(true)
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null)).toBe(true)

    // The wallet signs, the keys are stored, and only then the page reloads under the new version.
    // The new worker activates (its precache set up) before the page reloads: on a loaded machine that takes a while.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 })
    note('sign')
    sign()
    await reloaded.catch((error: unknown) => {
      throw new Error(`the page never reloaded; the service workers went through:\n${workers.join('\n')}`, { cause: error })
    })
    await expect(page.getByText(/A new version of Anamnesis/)).toHaveCount(0)
    expect(await page.evaluate(() => (window as { beforeTheNewVersion?: boolean }).beforeTheNewVersion)).toBeUndefined()
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull()
    // The history opened before the reload: the keys were stored, so it opens now without asking the wallet.
    await expect(page.getByRole('region', { name: 'Your history' }).getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.', {
      timeout: 30_000
    })
    await expect(page.getByRole('button', { name: 'Open my history' })).toHaveCount(0)
  } finally {
    await browser.close()
    await server.stop()
    await rm(folder, { recursive: true, force: true })
  }
})
