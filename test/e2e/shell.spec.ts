import { expect, test } from '@playwright/test'
import { appUrl, expectStackLive, statusStrip } from './fixtures.ts'

const pages = [
  { link: 'My history', heading: 'My history', hash: '#/' },
  { link: 'Visit', heading: 'Visit', hash: '#/visit' },
  { link: 'Audit trail', heading: 'Audit trail', hash: '#/audit' },
  { link: 'Emergency', heading: 'Emergency', hash: '#/emergency' },
  { link: 'Settings', heading: 'Settings', hash: '#/settings' }
]

test('the app loads with the chain, the development wallet and the peer-to-peer node live', async ({ page }) => {
  await page.goto(appUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
  await expectStackLive(page)
  await expect(statusStrip(page)).toContainText('Wallet: 0xf39F…2266')
})

test('every page is reachable from the main navigation', async ({ page }) => {
  await page.goto(appUrl())
  const nav = page.getByRole('navigation', { name: 'Main' })
  for (const target of pages) {
    await nav.getByRole('link', { name: target.link, exact: true }).click()
    await expect(page.getByRole('heading', { level: 1, name: target.heading })).toBeVisible()
    expect(new URL(page.url()).hash).toBe(target.hash)
    await expect(statusStrip(page)).toBeVisible()
  }
})

test('the keyboard reaches the skip link, then every navigation link in order', async ({ page }) => {
  await page.goto(appUrl())
  await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
  const nav = page.getByRole('navigation', { name: 'Main' })
  await page.keyboard.press('Tab')
  const skip = page.getByRole('link', { name: 'Skip to content' })
  await expect(skip).toBeFocused()
  await expect(skip).toBeInViewport()
  for (const target of pages) {
    await page.keyboard.press('Tab')
    await expect(nav.getByRole('link', { name: target.link, exact: true })).toBeFocused()
  }
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible()
  // The skip link moves focus to the page's content.
  // From the Settings link, back past the four links before it to the skip link.
  for (let i = 0; i < pages.length; i++) await page.keyboard.press('Shift+Tab')
  await expect(skip).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('main')).toBeFocused()
})

test('an unknown address says so and links home', async ({ page }) => {
  await page.goto(`${appUrl()}#/no-such-page`)
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible()
  await page.getByRole('main').getByRole('link', { name: 'My history' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'My history' })).toBeVisible()
})
