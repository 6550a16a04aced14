// Sharing a snapshot by SMART Health Link, in real browsers over the local stack and its keeper
// process: the patient enrols the keeper and makes two links on the records page, one of the
// International Patient Summary and one of their allergies behind a passcode. A second browser with
// no wallet opens each from the link alone; a wrong passcode is refused with the attempts left; the
// patient sees who opened each link, in the list and in the audit trail (as the keeper reports it),
// deactivates one, and the second browser is refused it from then on. A damaged link gets words.
// Every new page passes axe's WCAG rules; controls are found by role and name.
import { chromium, expect, test, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { appUrl, connectBrowserWallet, fundedAccount, readImageCode, registerAndLoadDemo, stackConfig, wcagViolations } from './fixtures.ts'

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

async function freshPage(browsers: Browser[]): Promise<Page> {
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  browsers.push(browser)
  return await (await browser.newContext()).newPage()
}

/** In the recipient's browser: opens `link`, gives the name (and passcode), and asks for the records. */
async function openAs(page: Page, link: string, name: string, passcode?: string): Promise<void> {
  await page.goto(link)
  await expect(page.getByRole('heading', { name: 'Shared health records', level: 1 })).toBeVisible()
  await page.getByRole('textbox', { name: 'Your name, as the patient will see it' }).fill(name)
  if (passcode !== undefined) await page.getByLabel('Passcode the patient gave you').fill(passcode)
  await page.getByRole('button', { name: 'Open the shared records' }).click()
}

test('a shared link opens in a second browser with and without a passcode, refuses a wrong passcode and a deactivated link, and the patient sees who opened it', async () => {
  test.setTimeout(300_000)
  expect(stackConfig().keepers?.[0], 'the local stack names a default keeper').toBeDefined()
  const browsers: Browser[] = []
  try {
    const account = await fundedAccount()
    const patient = await freshPage(browsers)
    await connectBrowserWallet(patient, 'Patient Wallet', account.privateKey)
    const { own } = await registerAndLoadDemo(patient)

    await go(patient, 'Settings')
    const keepers = patient.getByRole('region', { name: 'Keepers' })
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 30_000 })

    await go(patient, 'My history')
    await own.getByText('Import or export records').click()
    const share = own.getByRole('region', { name: 'Share by link' })
    await expect(share.getByRole('list', { name: 'Your shared links' }).or(share.getByText('You have shared no link.'))).toBeVisible({ timeout: 30_000 })

    // The summary, no passcode.
    await share.getByRole('textbox', { name: 'Label the recipient sees (optional)' }).fill('For Dr Grey')
    await share.getByRole('button', { name: 'Make the link' }).click()
    const linkBox = share.getByRole('textbox', { name: 'Link to share' })
    await expect(linkBox).toHaveValue(/#shlink:\/[\w-]+$/, { timeout: 30_000 })
    const summaryLink = await linkBox.inputValue()
    expect(summaryLink.startsWith(appUrl())).toBe(true)
    expect(await readImageCode(share.getByRole('img', { name: 'QR code of the shared link' }), 3)).toBe(summaryLink)
    expect(await wcagViolations(patient)).toEqual([])

    // The allergies alone, behind a passcode.
    await share.getByRole('radio', { name: 'Records I choose' }).check()
    const categories = share.getByRole('group', { name: 'Categories to share' })
    for (const checkbox of await categories.getByRole('checkbox').all()) await checkbox.uncheck()
    await categories.getByRole('checkbox', { name: 'Allergies' }).check()
    await share.getByRole('textbox', { name: 'Label the recipient sees (optional)' }).fill('Allergies for the clinic')
    await share.getByRole('textbox', { name: 'Passcode (optional, 4 to 64 characters)' }).fill('heron-4417')
    await share.getByRole('button', { name: 'Make the link' }).click()
    await expect(linkBox).not.toHaveValue(summaryLink, { timeout: 30_000 })
    const allergyLink = await linkBox.inputValue()

    // A second browser, no wallet: the summary opens with a name alone.
    const recipient = await freshPage(browsers)
    await openAs(recipient, summaryLink, 'Dr Meredith Grey')
    const shared = recipient.getByRole('region', { name: 'What the patient shared' })
    await expect(shared).toContainText('A patient summary', { timeout: 30_000 })
    await expect(shared).toContainText('Penicillin')
    expect(await wcagViolations(recipient)).toEqual([])

    // The passcode link: refused without the right passcode, with the attempts left; opened with it.
    const clinic = await recipient.context().newPage()
    await openAs(clinic, allergyLink, 'Riverside Clinic', 'not-the-code')
    await expect(clinic.getByRole('alert')).toHaveText('Wrong passcode: 4 attempts left before the link stops.')
    await clinic.getByLabel('Passcode the patient gave you').fill('heron-4417')
    await clinic.getByRole('button', { name: 'Open the shared records' }).click()
    const allergies = clinic.getByRole('table', { name: 'Allergies' })
    await expect(allergies).toContainText('Penicillin', { timeout: 30_000 })
    await expect(clinic.getByRole('table', { name: 'Conditions' })).toHaveCount(0)
    expect(await wcagViolations(clinic)).toEqual([])

    // The patient sees both openings by the names given, and deactivates the summary's link.
    await share.getByRole('button', { name: 'Ask my keepers about my links' }).click()
    const list = share.getByRole('list', { name: 'Your shared links' })
    await expect(list.getByRole('list', { name: 'Openings of link For Dr Grey' })).toContainText('Opened by “Dr Meredith Grey”')
    await expect(list.getByRole('list', { name: 'Openings of link Allergies for the clinic' })).toContainText('Opened by “Riverside Clinic”')
    await expect(list).toContainText('1 wrong passcode tried.')
    await list.getByRole('button', { name: 'Deactivate link For Dr Grey' }).click()
    await expect(list.getByRole('listitem').filter({ hasText: 'Link For Dr Grey' }).first()).toContainText('Deactivated')

    // From now on the summary's link opens for nobody.
    const again = await recipient.context().newPage()
    await openAs(again, summaryLink, 'Dr Meredith Grey')
    await expect(again.getByRole('alert')).toContainText('This link no longer opens', { timeout: 30_000 })
    await expect(again.getByRole('region', { name: 'What the patient shared' })).toHaveCount(0)

    // The audit trail shows the openings, as the keeper reports them.
    await go(patient, 'Audit trail')
    const openings = patient.getByRole('region', { name: 'Openings of your shared links' })
    const entries = openings.getByRole('list', { name: 'Shared link openings reported by your keepers, newest first' })
    await expect(entries).toContainText('“Dr Meredith Grey” opened your shared link For Dr Grey', { timeout: 30_000 })
    await expect(entries).toContainText('“Riverside Clinic” opened your shared link Allergies for the clinic')
    await expect(entries.getByRole('listitem').first()).toContainText('reported by your keeper, not on the ledger')
    expect(await wcagViolations(patient)).toEqual([])

    // A damaged link gets words, not a blank page.
    const damaged = await recipient.context().newPage()
    await damaged.goto(`${appUrl()}#shlink:/eyJ1cmwiOiJqYXZhc2NyaXB0OmFsZXJ0KDEpIn0`)
    await expect(damaged.getByRole('alert')).toContainText('This is not a SMART Health Link the app can open')
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()))
  }
})
