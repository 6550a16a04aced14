import { expect, test } from '@playwright/test'
import { expectStackLive, subpathUrl } from './fixtures.ts'

test('the built app works the same from a sub-path of its own origin', async ({ page }) => {
  const failed: string[] = []
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`)
  })
  await page.goto(subpathUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
  await expectStackLive(page)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible()
  // Hash routing keeps the document at the sub-path.
  const url = new URL(page.url())
  expect(`${url.origin}${url.pathname}`).toBe(subpathUrl())
  expect(url.hash).toBe('#/settings')
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible()
  expect(failed).toEqual([])
})
