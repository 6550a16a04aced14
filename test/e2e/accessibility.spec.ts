// Every page passes axe's WCAG 2 A and AA rules: names for every control, contrast, landmarks.
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import { appUrl, expectStackLive, gatewayUrl } from './fixtures.ts'

for (const [name, hash] of [
  ['My history', '#/'],
  ['Visit', '#/visit'],
  ['Audit trail', '#/audit'],
  ['Emergency', '#/emergency'],
  ['Emergency: scan a card', '#/emergency/scan'],
  ['Settings', '#/settings']
] as const) {
  test(`${name} has no WCAG A or AA violations`, async ({ page }) => {
    await page.goto(`${appUrl()}${hash}`)
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
    await expectStackLive(page)
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
  })
}

test('the refusal on a shared path gateway has no WCAG A or AA violations', async ({ page }) => {
  await page.goto(gatewayUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'Open Anamnesis from its own address' })).toBeVisible()
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
})
