// What the end-to-end tests share: the running stack's addresses and the app's status strip.
import AxeBuilder from '@axe-core/playwright'
import { chromium, expect, type Browser, type Locator, type Page } from '@playwright/test'
import { numberToHex, parseEther, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { readQrCode } from '../../src/app/ui/qrScan.ts'
import type { AppConfig } from '../../src/config/index.ts'
import type { SigningDomain, WalletKeys } from '../../src/crypto/index.ts'
import { walletSignatures } from '../support/walletSignatures.ts'
import { injectWallet } from './injectedWallet.ts'

function env(name: string): string {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set: run the e2e tests through 'npm test' (globalSetup sets it)`)
  return value
}

export const appUrl = (): string => env('E2E_APP_URL')
export const subpathUrl = (): string => env('E2E_SUBPATH_URL')
export const gatewayUrl = (): string => env('E2E_GATEWAY_URL')
export const stackConfig = (): AppConfig => JSON.parse(env('E2E_CONFIG')) as AppConfig

/** What the app's wallet signatures name when it is served at `url`: its origin and the stack's deployment. */
export function appDomain(url = appUrl()): SigningDomain {
  const config = stackConfig()
  return { origin: new URL(url).origin, chainId: config.chain.id, verifyingContract: config.contracts.keyRegistry }
}

/** The keys the app derives for the account of `privateKey` (its wallet signing honestly), on `domain`, of key `version`. */
export async function derivedKeys(privateKey: Hex, { domain = appDomain(), version = 1 }: { domain?: SigningDomain; version?: number } = {}): Promise<WalletKeys> {
  return (await walletSignatures(privateKeyToAccount(privateKey), { domain, version })).keys
}

export function statusStrip(page: Page): Locator {
  return page.getByRole('region', { name: 'Connection status' })
}

/** Waits until the strip shows the chain connected, the development wallet, and the node reserved on the relay. */
export async function expectStackLive(page: Page, walletName = 'Patient'): Promise<void> {
  const strip = statusStrip(page)
  await expect(strip).toContainText(/Chain: connected · chain 31337 · block \d+/)
  await expect(strip).toContainText(`development wallet (${walletName})`)
  await expect(strip).toContainText(/Peer-to-peer: started · peer 12D3Koo\S+ · relay reserved/, { timeout: 20_000 })
}

/**
 * Serves a different config.json to this page, e.g. to point it at a relay the test controls. Routed
 * for the page's whole context: once the app's service worker controls the page, config.json is
 * fetched by the worker, which the page's own routes do not see.
 */
export async function useConfig(page: Page, config: AppConfig): Promise<void> {
  await page.context().route('**/config.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(config) }))
}

/** Connects the development wallet's account `label` on the Settings page. */
export async function useDevelopmentAccount(page: Page, label: string, address: string): Promise<void> {
  await page.goto(`${appUrl()}#/settings`)
  const wallet = page.getByRole('region', { name: 'Wallet' })
  await wallet.getByRole('combobox', { name: 'Account' }).selectOption({ label: `${label} (${address.slice(0, 6)}…${address.slice(-4)})` })
  await wallet.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(statusStrip(page)).toContainText(`development wallet (${label})`)
}

/**
 * A patient's page and a doctor's, each in a Chromium of its own, as two people's computers are;
 * `config` points both at a stack the test runs itself. `close` ends both browsers.
 */
export async function twoPeoplesPages(config?: AppConfig): Promise<{ patient: Page; doctor: Page; close: () => Promise<void> }> {
  const browsers: Browser[] = []
  const close = async (): Promise<void> => {
    await Promise.all(browsers.map((browser) => browser.close()))
  }
  try {
    for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS }))
    // A context of its own for each (what AxeBuilder needs to analyse a page), in a browser of its own.
    const [patient, doctor] = (await Promise.all(browsers.map(async (browser) => (await browser.newContext()).newPage()))) as [Page, Page]
    if (config !== undefined) for (const page of [patient, doctor]) await useConfig(page, config)
    return { patient, doctor, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** On the join screen of an invite: the doctor gives the name the patient will see and asks for access. */
export async function askForAccess(doctor: Page, name: string): Promise<void> {
  await doctor.getByRole('textbox', { name: 'Your name, as the patient will see it' }).fill(name)
  await doctor.getByRole('button', { name: 'Ask for access' }).click()
}

/**
 * A new account with 100 ether on the local chain at `rpcUrl` (anvil_setBalance), for a browser wallet:
 * no other test knows it, so no grant or key of another test shows up on its screens.
 */
export async function fundedAccount(rpcUrl = stackConfig().chain.rpcUrl): Promise<{ privateKey: Hex; address: Address }> {
  const privateKey = generatePrivateKey()
  const { address } = privateKeyToAccount(privateKey)
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_setBalance', params: [address, numberToHex(parseEther('100'))] })
  })
  const body = (await response.json()) as { error?: { message: string } }
  if (body.error !== undefined) throw new Error(`anvil_setBalance: ${body.error.message}`)
  return { privateKey, address }
}

/**
 * Gives `page` a browser wallet (EIP-6963) holding `privateKey` that talks to the local chain itself,
 * connects it on the Settings page, and waits until the app's node holds a relay reservation.
 */
/**
 * A patient's first steps in a page whose wallet is connected: register the encryption key, open the
 * history and load the 50-record demo patient into it. The history's region, and how many records it
 * says it holds.
 */
export async function registerAndLoadDemo(page: Page): Promise<{ own: Locator; count: number }> {
  const key = page.getByRole('region', { name: 'Encryption key' })
  await key.getByRole('button', { name: 'Register my encryption key' }).click()
  await expect(key).toContainText(/Your key was registered in block \d+\./)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
  await page.getByRole('button', { name: 'Open my history' }).click()
  const own = page.getByRole('region', { name: 'Your history', exact: true })
  await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: '50 records' })
  await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
  await expect(own).toContainText(/Added \d+ demo records/)
  const status = own.getByRole('status').first()
  await expect(status).toContainText(/[\d,]+ records in [\d,]+ blocks/)
  const count = Number((/([\d,]+) records in/.exec((await status.textContent()) ?? '') ?? [])[1]?.replaceAll(',', ''))
  expect(count).toBeGreaterThan(40)
  return { own, count }
}

export async function connectBrowserWallet(page: Page, name: string, privateKey: Hex): Promise<void> {
  const { chain } = stackConfig()
  await injectWallet(page, { name, privateKey, rpcUrl: chain.rpcUrl, chainId: chain.id })
  await connectAnnouncedWallet(page, name)
}

/** The patient opens Visit and starts one: the visit link their page shows (what its QR code holds). */
export async function startVisit(patient: Page): Promise<string> {
  await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
  await patient.getByRole('button', { name: 'Start a visit' }).click()
  return await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
}

/** Connects the browser wallet `name` the page already announces (EIP-6963) on the Settings page of the app at `url`, and waits for the node's relay reservation. */
export async function connectAnnouncedWallet(page: Page, name: string, url = appUrl()): Promise<void> {
  await page.goto(`${url}#/settings`)
  const wallet = page.getByRole('region', { name: 'Wallet' })
  await wallet.getByRole('combobox', { name: 'Account' }).selectOption({ label: name })
  await wallet.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(statusStrip(page)).toContainText(`browser wallet (${name})`)
  await expect(statusStrip(page)).toContainText(/Peer-to-peer: started · peer 12D3Koo\S+ · relay reserved/, { timeout: 20_000 })
}

/** The QR version (1 to 40) of the code the page draws in `image`: its SVG is 17 + 4 × version modules a side, with a quiet zone of 2. */
export async function drawnQrVersion(image: Locator): Promise<number> {
  const src = (await image.getAttribute('src')) ?? ''
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(decodeURIComponent(src))?.[1])
  return (size - 4 - 17) / 4
}

/** The WCAG A and AA violations axe finds on the page as it stands (only the serious and critical ones with `seriousOnly`), each in a line. */
export async function wcagViolations(page: Page, { seriousOnly = false }: { seriousOnly?: boolean } = {}): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return results.violations
    .filter((v) => !seriousOnly || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

/** The text of the QR code `image` shows, drawn as the browser draws it (`scale` times, without smoothing), read by the app's own decoder. */
export async function readImageCode(image: Locator, scale = 1): Promise<string | undefined> {
  const pixels = await image.evaluate(async (element: HTMLImageElement, times: number) => {
    await element.decode()
    const canvas = document.createElement('canvas')
    canvas.width = element.width * times
    canvas.height = element.height * times
    const context = canvas.getContext('2d')
    if (context === null) throw new Error('no 2D canvas')
    context.imageSmoothingEnabled = false
    context.drawImage(element, 0, 0, canvas.width, canvas.height)
    return { width: canvas.width, height: canvas.height, data: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) }
  }, scale)
  return readQrCode({ ...pixels, data: Uint8ClampedArray.from(pixels.data) })
}
