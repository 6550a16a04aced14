// The full tier of an emergency card, in real browsers over the local chain, relay and the stack's
// keeper: the patient enrols the keeper and publishes their card, whose QR code now carries the link
// to the summary the keeper holds sealed. A clinician (another wallet, in a browser of their own whose
// fake camera films the card) reads the offline tier, gives a reason, records the break-glass on the
// ledger and reads the full summary, allergies first. The patient's app then says who opened it, why
// and when. An allergy the patient adds reaches the keeper's summary by itself, under the same card.
// After "Replace my card" the old card's full tier is refused by the keeper with words that say the
// card was replaced. Every screen passes axe's WCAG rules.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, expect, test, type Browser, type Locator, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { CARD_QR_OPTIONS, parseCard } from '../../src/emergency/index.ts'
import { fakeCameraArgs, writeQrVideo } from './fakeCamera.ts'
import { connectBrowserWallet, fundedAccount, readImageCode, registerAndLoadDemo, stackConfig, wcagViolations } from './fixtures.ts'

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

/** A browser of its own, with a camera that films `video` when one is given. */
async function browserPage(browsers: Browser[], video?: string): Promise<Page> {
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...(video === undefined ? [] : fakeCameraArgs(video))] })
  browsers.push(browser)
  const context = await browser.newContext()
  return await context.newPage()
}

/** The clinician scans the card the camera films, chooses a reason and opens the full summary. */
async function scanAndOpen(clinician: Page): Promise<Locator> {
  await clinician.getByRole('button', { name: 'Scan a card with the camera' }).click()
  await expect(clinician.getByRole('region', { name: 'What the card says' })).toBeVisible({ timeout: 30_000 })
  const full = clinician.getByRole('region', { name: 'The full emergency summary' })
  await expect(full).toContainText('records your access on a public ledger')
  await full.getByRole('combobox', { name: 'Reason for opening the full summary' }).selectOption({ label: 'The patient was unconscious' })
  await full.getByRole('button', { name: 'Open the full emergency summary' }).click()
  return full
}

test("a clinician opens the full summary only with a recorded break-glass, the patient sees who and why, and a replaced card's full tier is refused", async () => {
  test.setTimeout(300_000)
  const keeper = stackConfig().keepers?.[0]
  expect(keeper, 'the local stack names a default keeper').toBeDefined()
  const dir = await mkdtemp(path.join(tmpdir(), 'anamnesis-breakglass-'))
  const browsers: Browser[] = []
  try {
    const patientAccount = await fundedAccount()
    const patient = await browserPage(browsers)
    await connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey)
    await registerAndLoadDemo(patient)

    // Without a keeper the full tier is not offered: the page says what it needs.
    await go(patient, 'Emergency')
    const fullTier = patient.getByRole('region', { name: 'The full summary, for a clinician' })
    await expect(fullTier).toContainText('The full summary needs a keeper')
    await expect(fullTier.getByRole('link', { name: 'Settings → Keepers' })).toBeVisible()
    await expect(fullTier.getByRole('button', { name: 'Publish my card' })).toHaveCount(0)

    await go(patient, 'Settings')
    const keepers = patient.getByRole('region', { name: 'Keepers' })
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 30_000 })

    await go(patient, 'Emergency')
    await fullTier.getByRole('button', { name: 'Publish my card' }).click()
    await expect(fullTier.getByRole('status')).toContainText('Your keepers hold your current summary', { timeout: 30_000 })
    const code = patient.getByRole('img', { name: 'QR code of your emergency card' })
    await expect.poll(async () => parseCard((await readImageCode(code, 2)) ?? '').link?.keeper ?? 'no link', { timeout: 30_000 }).toBe(keeper)
    const firstCard = (await readImageCode(code, 2)) ?? ''
    expect(parseCard(firstCard).link?.patient).toBe(patientAccount.address.toLowerCase())
    expect(await wcagViolations(patient, { seriousOnly: true })).toEqual([])

    // The clinician: another wallet, a camera that films the card.
    const video = path.join(dir, 'first-card.y4m')
    await writeQrVideo(video, firstCard, { qr: CARD_QR_OPTIONS })
    const clinicianAccount = await fundedAccount()
    const clinician = await browserPage(browsers, video)
    await clinician.context().grantPermissions(['camera'])
    await connectBrowserWallet(clinician, 'Clinician Wallet', clinicianAccount.privateKey)
    await clinician.goto(clinician.url().replace(/#.*$/, '#/emergency/scan'))
    const full = await scanAndOpen(clinician)
    await expect(clinician.getByRole('region', { name: 'What the card says' }).getByRole('list', { name: 'Allergies' })).toContainText('Penicillin')
    const released = full.getByRole('region', { name: 'Allergies and intolerances' })
    await expect(released).toContainText('Penicillin', { timeout: 30_000 })
    await expect(full).toContainText('the patient was unconscious')
    // Allergies first among the summary's sections.
    expect((await full.locator('h4').allTextContents())[0]).toBe('Allergies and intolerances')
    expect(await wcagViolations(clinician, { seriousOnly: true })).toEqual([])

    // The patient's app, at its next open, says who opened the summary, why and when.
    await patient.reload()
    await expect(patient.getByRole('region', { name: 'Your emergency summary was opened' })).toContainText(clinicianAccount.address, { ignoreCase: true, timeout: 30_000 })
    // And on the first screen, until the patient says they have read it.
    await go(patient, 'My history')
    const opened = patient.getByRole('region', { name: 'Your emergency summary was opened' })
    await expect(opened).toContainText(new RegExp(`opened by ${clinicianAccount.address} for the patient was unconscious on `, 'i'), { timeout: 30_000 })
    expect(await wcagViolations(patient, { seriousOnly: true })).toEqual([])
    await opened.getByRole('button', { name: 'I have read this' }).click()
    await expect(opened).toHaveCount(0)
    await go(patient, 'Audit trail')
    await expect(patient.getByRole('list', { name: 'Audit trail entries, newest first' })).toContainText(/opened the emergency summary on .+ \(break-glass: the patient was unconscious\)/)

    // The patient adds an allergy on their history page: the keepers' summary follows by itself, under the
    // same card, and the clinician's next opening shows it.
    await go(patient, 'My history')
    const mine = patient.getByRole('region', { name: 'Your history', exact: true })
    await mine.getByText('Add a record: a symptom or problem').click()
    const form = mine.getByRole('form', { name: 'Add to my history' })
    await form.getByRole('radio', { name: 'Allergy', exact: true }).check()
    await form.getByRole('textbox', { name: 'Allergic to' }).fill('Latex')
    await form.getByRole('button', { name: 'Add allergy' }).click()
    await expect(form.getByRole('status')).toContainText('Allergy added')
    await go(patient, 'Emergency')
    await expect(fullTier.getByRole('status')).toContainText(/Your keepers hold your current summary, refreshed .+ when your history changed\./, { timeout: 30_000 })
    // The card in the patient's wallet still opens it: its link is the same.
    expect(parseCard((await readImageCode(code, 2)) ?? '').link?.key).toEqual(parseCard(firstCard).link?.key)
    await clinician.reload()
    const updated = await scanAndOpen(clinician)
    await expect(updated.getByRole('region', { name: 'Allergies and intolerances' })).toContainText('Latex', { timeout: 30_000 })

    // Replace my card: a new key in the code, and the old card's full tier is refused.
    await go(patient, 'Emergency')
    const open = patient.getByRole('button', { name: 'Open my history' })
    if (await open.isVisible()) await open.click()
    await expect(patient.getByRole('region', { name: 'Your emergency summary was opened' })).toContainText(clinicianAccount.address.slice(2, 10), { ignoreCase: true })
    await fullTier.getByRole('button', { name: 'Replace my card' }).click()
    await expect(fullTier.getByRole('status')).toContainText("Your new card is ready: print it and save its image again. Your keepers dropped the old card's summary", { timeout: 30_000 })
    await expect(fullTier.getByRole('status')).toContainText('the old printed card still shows what is printed on it')
    await expect.poll(async () => (await readImageCode(code, 2)) ?? firstCard).not.toBe(firstCard)
    expect(parseCard((await readImageCode(code, 2)) ?? '').link?.key).not.toEqual(parseCard(firstCard).link?.key)

    await clinician.reload()
    const again = await scanAndOpen(clinician)
    await expect(again.getByRole('alert')).toContainText('This card has been replaced by the patient', { timeout: 30_000 })
    await expect(again.getByRole('region', { name: 'Allergies and intolerances' })).toHaveCount(0)
    expect(await wcagViolations(clinician, { seriousOnly: true })).toEqual([])
  } finally {
    await Promise.all(browsers.map((b) => b.close()))
    await rm(dir, { recursive: true, force: true })
  }
})
