// The app opens keys only on an origin of its own: through a shared IPFS path gateway, where every
// site on the gateway shares the origin's storage, it says where to open it instead and creates nothing.
import { expect, test, type Page } from '@playwright/test'
import { appUrl, expectStackLive, gatewayUrl, stackConfig, statusStrip, useConfig } from './fixtures.ts'

const databases = (page: Page): Promise<string[]> => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''))

test('opened through a path gateway (/ipfs/<cid>/), the app says to open its own address and creates no key store', async ({ page }) => {
  await page.goto(gatewayUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'Open Anamnesis from its own address' })).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('opened through a shared IPFS gateway')
  await expect(page.getByRole('alert')).toContainText('no key is created or opened here')
  await expect(page).toHaveTitle('Open Anamnesis from its own address · Anamnesis')
  await expect(statusStrip(page)).toContainText('Wallet: none connected')
  await expect(statusStrip(page)).toContainText('Peer-to-peer: not started on a shared gateway')
  // Another page of the app does not open either.
  await page.goto(`${gatewayUrl()}#/settings`)
  await expect(page.getByRole('heading', { level: 1, name: 'Open Anamnesis from its own address' })).toBeVisible()
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toHaveCount(0)
  expect(await databases(page)).toEqual([])

  // The same origin at the app's own root starts the node, whose stores are IndexedDB databases.
  await page.goto(appUrl())
  await expectStackLive(page)
  expect((await databases(page)).length).toBeGreaterThan(0)
})

test('a deployment whose config declares the gateway its own opens under /ipfs/', async ({ page }) => {
  await useConfig(page, { ...stackConfig(), dedicatedGateway: true })
  await page.goto(gatewayUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
  await expectStackLive(page)
})
