// What the keys are bound to, run as the attacks and accidents they defend against, in the
// built app with a browser wallet that signs in Node: a copy of the app on another origin asks the
// wallet for the same typed data and derives other keys, so it opens nothing; and a wallet that
// does not sign the same way twice is stopped with the reason, publishing nothing.
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { bytesToHex, createPublicClient, createWalletClient, http, type TypedDataDefinition } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { serveStatic, type StaticServer } from '../../scripts/stack/serveStatic.ts'
import { publishEncryptionKey, readEncryptionKey } from '../../src/chain/index.ts'
import { appDomain, appUrl, derivedKeys, fundedAccount, stackConfig, statusStrip } from './fixtures.ts'
import { injectWallet, type InjectedWalletOptions } from './injectedWallet.ts'

// An account of its own: no other spec registers a key for it or opens its history.
let account: Awaited<ReturnType<typeof fundedAccount>>

const mismatch = (): RegExp =>
  new RegExp(`The keys your wallet's signature gives here are not the encryption key registered for ${account.address.slice(0, 6)}…${account.address.slice(-4)} \\(key version 1\\), so nothing was opened and nothing was published\\.`)

let secondOrigin: StaticServer | undefined

const chain = () => createPublicClient({ chain: foundry, transport: http(stackConfig().chain.rpcUrl) })
const registered = () => readEncryptionKey(chain(), { registry: stackConfig().contracts.keyRegistry, user: account.address })

test.beforeAll(async () => {
  account = await fundedAccount()
  // The account registered its key once, honestly, where the app is served: what every check compares with.
  const wallet = createWalletClient({ account: privateKeyToAccount(account.privateKey), chain: foundry, transport: http(stackConfig().chain.rpcUrl) })
  await publishEncryptionKey(chain(), wallet, { registry: stackConfig().contracts.keyRegistry, publicKey: (await derivedKeys(account.privateKey)).encryption.publicKey, version: 1 })
  // The same build and deployment, served from a second origin (another port), as a copy of the app would be.
  secondOrigin = await serveStatic({ root: path.resolve(import.meta.dirname, '../../dist'), config: stackConfig() })
})

test.afterAll(async () => {
  await secondOrigin?.stop()
})

/** Opens `url` with the injected wallet and connects it in Settings. */
async function connectInjected(page: Page, url: string, options: Partial<InjectedWalletOptions> = {}): Promise<void> {
  const config = stackConfig()
  await injectWallet(page, { name: 'Test Wallet', privateKey: account.privateKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id, ...options })
  await page.goto(`${url}#/settings`)
  const wallet = page.getByRole('region', { name: 'Wallet' })
  await wallet.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Test Wallet' })
  await wallet.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(statusStrip(page)).toContainText('browser wallet (Test Wallet)')
  await expect(statusStrip(page)).toContainText(/relay reserved/, { timeout: 20_000 })
}

async function openHistory(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
  await page.getByRole('button', { name: 'Open my history' }).click()
}

test('a page on another origin that asks the wallet for the same typed data derives other keys and opens nothing', async ({ page }) => {
  if (secondOrigin === undefined) throw new Error('no second origin')
  const before = await registered()
  const signed: TypedDataDefinition[] = []
  await connectInjected(page, `${secondOrigin.url}/`, { signedTypedData: signed })

  await openHistory(page)
  const unlock = page.getByRole('region', { name: 'Open your history on this device' })
  await expect(unlock.getByRole('alert')).toContainText(mismatch())
  await expect(page.getByRole('button', { name: 'Try again to open my history' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Your history', exact: true })).toHaveCount(0)

  // The wallet signed one typed data, for the second origin on the same deployment, and no binding.
  expect(signed).toHaveLength(1)
  expect(signed[0]).toMatchObject({
    primaryType: 'UnlockKeys',
    domain: { name: 'Anamnesis', chainId: stackConfig().chain.id, verifyingContract: stackConfig().contracts.keyRegistry.toLowerCase() },
    message: { origin: secondOrigin.url, keyVersion: 1 }
  })
  // What that signature derives is not the registered key, which stays as it was.
  const there = bytesToHex((await derivedKeys(account.privateKey, { domain: appDomain(`${secondOrigin.url}/`) })).encryption.publicKey)
  expect(before?.key).toBe(bytesToHex((await derivedKeys(account.privateKey)).encryption.publicKey))
  expect(there).not.toBe(before?.key)

  // Registering from there is refused too: the copy never publishes its keys over the account's.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  const keySection = page.getByRole('region', { name: 'Encryption key' })
  await expect(keySection).toContainText(`Registered key: ${before?.key ?? ''} (version 1)`)
  await keySection.getByRole('button', { name: /Register my encryption key/ }).click()
  await expect(keySection.getByRole('alert')).toContainText(mismatch())
  expect(await registered()).toEqual(before)
})

test('a wallet that does not sign the same way twice is stopped with the reason, and nothing is published', async ({ page }) => {
  const before = await registered()
  await connectInjected(page, appUrl(), { typedDataSigning: 'random-nonce' })
  await openHistory(page)
  const unlock = page.getByRole('region', { name: 'Open your history on this device' })
  await expect(unlock.getByRole('alert')).toContainText(mismatch())
  await expect(unlock.getByRole('alert')).toContainText('the wallet does not sign the same way each time')
  await expect(page.getByRole('region', { name: 'Your history', exact: true })).toHaveCount(0)
  expect(await registered()).toEqual(before)
})

test('the same wallet, signing honestly where the key was registered, opens the history', async ({ page }) => {
  const signed: TypedDataDefinition[] = []
  await connectInjected(page, appUrl(), { signedTypedData: signed })
  await openHistory(page)
  await expect(page.getByRole('region', { name: 'Your history', exact: true }).getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')
  // Two typed signatures for this origin: the keys' and the binding of the signing key.
  expect(signed.map((data) => [data.primaryType, (data.message as { origin: string }).origin])).toEqual([
    ['UnlockKeys', new URL(appUrl()).origin],
    ['BindHistorySigningKey', new URL(appUrl()).origin]
  ])
})
