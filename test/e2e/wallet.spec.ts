import { expect, test } from '@playwright/test'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { appUrl, stackConfig, statusStrip, useConfig } from './fixtures.ts'
import { injectWallet } from './injectedWallet.ts'

const doctor = developmentAccounts[1]
// An account no other test registers a key for.
const unregistered = developmentAccounts[3]
if (doctor === undefined || unregistered === undefined) throw new Error('development accounts missing')

test('a browser wallet found through EIP-6963 can be connected and is named in the status strip', async ({ page }) => {
  const config = stackConfig()
  await injectWallet(page, { name: 'Test Wallet', privateKey: doctor.privateKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id })
  await page.goto(`${appUrl()}#/settings`)
  const walletSection = page.getByRole('region', { name: 'Wallet' })
  await walletSection.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Test Wallet' })
  await walletSection.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(statusStrip(page)).toContainText('Wallet: 0x7099…79C8 · browser wallet (Test Wallet)')
  await expect(walletSection).toContainText(`Connected: ${doctor.address}`)
})

test('a wallet that refuses gets a clear message and nothing breaks', async ({ page }) => {
  const config = stackConfig()
  await injectWallet(page, { name: 'Refusing Wallet', privateKey: doctor.privateKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id, refuse: ['eth_requestAccounts'] })
  await page.goto(`${appUrl()}#/settings`)
  const walletSection = page.getByRole('region', { name: 'Wallet' })
  await expect(statusStrip(page)).toContainText('development wallet (Patient)')
  await walletSection.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Refusing Wallet' })
  await walletSection.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(walletSection.getByRole('alert')).toHaveText('The wallet declined to share an account. Nothing was sent.')
  // The wallet in use before is still in use, and the app still works.
  await expect(statusStrip(page)).toContainText('development wallet (Patient)')
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Visit' })).toBeVisible()
})

test('a wallet that refuses to sign leaves the key unregistered, with a clear message', async ({ page }) => {
  const config = stackConfig()
  await injectWallet(page, { name: 'Cautious Wallet', privateKey: unregistered.privateKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id, refuse: ['eth_signTypedData_v4'] })
  await page.goto(`${appUrl()}#/settings`)
  const walletSection = page.getByRole('region', { name: 'Wallet' })
  await walletSection.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Cautious Wallet' })
  await walletSection.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(statusStrip(page)).toContainText('browser wallet (Cautious Wallet)')
  const keySection = page.getByRole('region', { name: 'Encryption key' })
  await expect(keySection).toContainText('Not registered')
  await keySection.getByRole('button', { name: 'Register my encryption key' }).click()
  await expect(keySection.getByRole('alert')).toHaveText('The wallet declined to sign the key derivation message. Nothing was sent.')
  await expect(keySection).toContainText('Not registered')
})

test('the development wallet exists only on the local chain', async ({ page }) => {
  const config = stackConfig()
  // A deployment on another chain: its config names no development accounts.
  await useConfig(page, { ...config, chain: { ...config.chain, id: 11155111, name: 'Sepolia' }, developmentAccounts: undefined })
  await page.goto(`${appUrl()}#/settings`)
  await expect(statusStrip(page)).toContainText(`wrong chain at ${config.chain.rpcUrl}: chain 31337, expected 11155111`)
  await expect(statusStrip(page)).toContainText('Wallet: none connected')
  const select = page.getByRole('region', { name: 'Wallet' }).getByRole('combobox', { name: 'Account' })
  await expect(select.getByRole('option', { name: /Patient/ })).toHaveCount(0)
  await expect(page.getByText('development wallet', { exact: false })).toHaveCount(0)
})

test("a config that names development accounts on another chain is refused: their keys would be every visitor's", async ({ page }) => {
  const config = stackConfig()
  expect(config.developmentAccounts?.length).toBeGreaterThan(0)
  await useConfig(page, { ...config, chain: { ...config.chain, id: 11155111, name: 'Sepolia' } })
  await page.goto(`${appUrl()}#/settings`)
  await expect(page.getByRole('alert').filter({ hasText: 'This deployment is not configured' })).toContainText(
    'developmentAccounts are for the local chain (31337) only'
  )
  await expect(statusStrip(page)).toContainText('Wallet: none connected')
  await expect(page.getByRole('region', { name: 'Wallet' }).getByRole('combobox', { name: 'Account' }).getByRole('option', { name: /Patient/ })).toHaveCount(0)
})
