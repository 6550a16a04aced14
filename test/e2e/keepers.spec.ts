// A patient enrols the stack's keeper in Settings and writes; the keeper follows the history; then,
// with every browser of the patient closed, a fresh browser with nothing but the wallet opens the
// history, finds the keeper in the sealed list on the ledger, and recovers every record from it.
// Real parts throughout: the local chain, the keeper process the stack runs, Chromium's IndexedDB.
import { chromium, expect, test, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { connectBrowserWallet, fundedAccount, registerAndLoadDemo, stackConfig } from './fixtures.ts'

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

async function freshPage(browsers: Browser[]): Promise<Page> {
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  browsers.push(browser)
  return await (await browser.newContext()).newPage()
}

test('a keeper the patient enrols follows the history, and a fresh browser with only the wallet recovers it all from the keeper', async () => {
  test.setTimeout(240_000)
  const keeper = stackConfig().keepers?.[0]
  expect(keeper, 'the local stack names a default keeper').toBeDefined()
  const browsers: Browser[] = []
  try {
    const account = await fundedAccount()
    const laptop = await freshPage(browsers)
    await connectBrowserWallet(laptop, 'Patient Wallet', account.privateKey)
    const { count } = await registerAndLoadDemo(laptop)

    // Settings → Keepers: the stack's keeper is offered; enrolling asks the keeper, then leaves the sealed list on the ledger.
    await go(laptop, 'Settings')
    const keepers = laptop.getByRole('region', { name: 'Keepers' })
    await expect(keepers).toContainText('No keeper holds your history')
    await expect(keepers.getByRole('textbox', { name: 'Keeper address' })).toHaveValue(keeper ?? '')
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 30_000 })
    // The keeper follows: it soon holds every entry (the records, and the identity-bound log's own).
    await expect(async () => {
      await keepers.getByRole('button', { name: 'Ask my keepers again' }).click()
      await expect(keepers.getByRole('list', { name: 'Your keepers' })).toContainText(`Holds ${count} entries`, { timeout: 2_000 })
    }).toPass({ timeout: 60_000 })

    // Every browser of the patient closes. A fresh one, with only the wallet, opens the history.
    await browsers[0]?.close()
    const fresh = await freshPage(browsers)
    await connectBrowserWallet(fresh, 'Patient Wallet', account.privateKey)
    await go(fresh, 'My history')
    await fresh.getByRole('button', { name: 'Open my history' }).click()
    const recovered = fresh.getByRole('region', { name: 'Your history', exact: true })
    await expect(recovered.getByRole('status').first()).toHaveText(`${count} records in ${count} blocks, encrypted in this browser.`, { timeout: 60_000 })
    await fresh.getByText(/Table of the records shown/).click()
    await expect(fresh.getByRole('row').filter({ hasText: 'Penicillin (demo data)' }).filter({ hasText: 'allergy' })).toHaveCount(1)
    await go(fresh, 'Settings')
    await expect(fresh.getByRole('region', { name: 'Keepers' }).getByRole('list', { name: 'Your keepers' })).toContainText('Reachable.')
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()))
  }
})
