// The status strip reflects reality: a stopped relay or chain shows within seconds,
// and a restarted one recovers without a reload. Each test runs its own relay or chain.
import { expect, test } from '@playwright/test'
import path from 'node:path'
import { startAnvil } from '../../scripts/stack/anvil.ts'
import { freePort } from '../../scripts/stack/ports.ts'
import { startRelay } from '../../scripts/stack/relay.ts'
import { appUrl, expectStackLive, stackConfig, statusStrip, useConfig } from './fixtures.ts'

const keyFile = path.resolve(import.meta.dirname, '../../.stack/e2e-resilience-relay.key')

test('stopping the relay is shown within seconds, and restarting it recovers without a reload', async ({ page }) => {
  const port = await freePort()
  let relay = await startRelay({ port, keyFile })
  try {
    await useConfig(page, { ...stackConfig(), relays: [relay.multiaddr] })
    await page.goto(appUrl())
    await expectStackLive(page)
    const strip = statusStrip(page)

    await relay.stop()
    await expect(strip).toContainText('relay unreachable, retrying', { timeout: 8_000 })
    await expect(strip).not.toContainText('relay reserved')

    relay = await startRelay({ port, keyFile })
    await expect(strip).toContainText('relay reserved', { timeout: 15_000 })
    await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
  } finally {
    await relay.stop()
  }
})

test('stopping the chain is shown within seconds, and restarting it recovers without a reload', async ({ page }) => {
  const port = await freePort()
  let anvil = await startAnvil({ port })
  try {
    const config = stackConfig()
    await useConfig(page, { ...config, chain: { ...config.chain, rpcUrl: anvil.rpcUrl } })
    await page.goto(appUrl())
    const strip = statusStrip(page)
    await expect(strip).toContainText(/Chain: connected · chain 31337 · block 0/)

    await anvil.stop()
    await expect(strip).toContainText(`Chain: chain unreachable at ${anvil.rpcUrl}, retrying`, { timeout: 8_000 })

    anvil = await startAnvil({ port })
    await expect(strip).toContainText(/Chain: connected · chain 31337 · block \d+/, { timeout: 10_000 })
  } finally {
    await anvil.stop()
  }
})
