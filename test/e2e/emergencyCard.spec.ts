// The patient's emergency card, in real browsers over the local chain and relay: the patient loads
// the demo records, fills in what records do not say, and prepares the card; unticking a condition
// takes it out of the summary, off the card and out of its QR code, and another is kept for
// clinicians but left off the card; the profile and the choices are saved into the history and are
// there again after a reload, and a problem added later shows in the summary and on the card. A clinician's browser, whose camera
// (Chromium's fake camera) films the card's code, reads what the card says, allergies first, large
// enough to read at 200 % zoom without losing a word; a damaged code is refused with words that say
// what to do. Every screen passes axe's WCAG rules, and the controls are reached with the keyboard.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, expect, test, type Browser, type Locator, type Page } from '@playwright/test'
import encodeQR from 'qr'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { CARD_KEY_LENGTH, CARD_QR_OPTIONS, formatCardLink, parseCard } from '../../src/emergency/index.ts'
import { fakeCameraArgs, writeQrVideo } from './fakeCamera.ts'
import { appUrl, expectStackLive, readImageCode, wcagViolations } from './fixtures.ts'

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
const ownHistory = (page: Page): Locator => page.getByRole('region', { name: 'Your history', exact: true })

/** Presses Tab until `target` has the focus, as a keyboard user reaches it. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab')
    if (await target.evaluate((element) => element === document.activeElement)) return
  }
  throw new Error('the control cannot be reached with the keyboard')
}

/** The patient's page with the demo records in their own history, on the Emergency page. */
async function patientWithDemo(page: Page): Promise<void> {
  await page.goto(appUrl())
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Open my history' }).click()
  const own = ownHistory(page)
  await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: '50 records' })
  await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
  await expect(own).toContainText(/Added \d+ demo records/)
  await go(page, 'Emergency')
}

test("the patient prepares an emergency card, leaves a condition out, and a clinician's camera reads the card, allergies first", async () => {
  test.setTimeout(240_000)
  const dir = await mkdtemp(path.join(tmpdir(), 'anamnesis-card-'))
  const browsers: Browser[] = []
  try {
    const patientBrowser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
    browsers.push(patientBrowser)
    const patient = await (await patientBrowser.newContext({ acceptDownloads: true })).newPage()
    await patientWithDemo(patient)

    // What records do not say: a blood group and someone to call.
    await patient.getByRole('combobox', { name: 'Blood group' }).selectOption('O-')
    const contact = patient.getByRole('group', { name: 'Emergency contact 1' })
    await contact.getByRole('textbox', { name: 'Name' }).fill('Ada Lovelace')
    await contact.getByRole('textbox', { name: 'Relation' }).fill('daughter')
    await contact.getByRole('textbox', { name: 'Phone' }).fill('+44 20 7946 0000')

    const summary = patient.getByRole('region', { name: 'Your emergency summary' })
    const front = patient.getByRole('group', { name: 'Front of the card' })
    const code = patient.getByRole('img', { name: 'QR code of your emergency card' })
    await expect(summary.getByRole('region', { name: 'Active problems' })).toContainText('Hypertensive disorder')
    await expect(summary).toContainText(/Last refreshed: .+\d/)
    await expect(front).toContainText('Allergy, high risk: Penicillin (Urticaria)')
    await expect(front).toContainText('Blood group: O-')
    await expect(front).toContainText('Contact (daughter): Ada Lovelace, +44 20 7946 0000')
    await expect(front).toContainText('Hypertensive disorder')
    await expect.poll(async () => (await readImageCode(code, 2)) ?? '').toContain('CONDITIONS: Hypertensive disorder')

    // The patient leaves the hypertension out: it leaves the summary, the card and its code at once.
    await patient.getByRole('group', { name: 'Active problems' }).getByRole('checkbox', { name: 'Hypertensive disorder', exact: true }).uncheck()
    await expect(summary).not.toContainText('Hypertensive disorder')
    await expect(summary.getByRole('region', { name: 'Active problems' })).toContainText('Diabetes mellitus type 2')
    await expect(front).not.toContainText('Hypertensive disorder')
    await expect.poll(async () => (await readImageCode(code, 2)) ?? 'unread').not.toContain('Hypertensive')
    // The diabetes stays in the summary, for clinicians, but off the card that anyone who finds it reads.
    await patient.getByRole('checkbox', { name: 'On the card: Diabetes mellitus type 2' }).uncheck()
    await expect(front).not.toContainText('Diabetes')
    await expect(summary.getByRole('region', { name: 'Active problems' })).toContainText('Diabetes mellitus type 2')
    await expect.poll(async () => (await readImageCode(code, 2)) ?? 'unread').not.toContain('Diabetes')
    const cardText = (await readImageCode(code, 2)) ?? ''
    const { tier } = parseCard(cardText)
    expect(tier.allergies).toEqual([{ substance: 'Penicillin', critical: true, reaction: 'Urticaria' }])
    expect(tier.bloodGroup).toBe('O-')
    expect(tier.conditions).toEqual(['Osteoarthritis of knee'])

    // Saved into the history, with the keyboard: and there again after a reload.
    await tabTo(patient, patient.getByRole('button', { name: 'Save my emergency profile and choices' }))
    await patient.keyboard.press('Enter')
    await expect(patient.getByRole('status').filter({ hasText: 'Saved into your history, encrypted' })).toBeVisible()
    expect(await wcagViolations(patient, { seriousOnly: true })).toEqual([])

    // The lock-screen image, with the keyboard too: a PNG.
    await tabTo(patient, patient.getByRole('button', { name: 'Save an image for my lock screen' }))
    const [download] = await Promise.all([patient.waitForEvent('download'), patient.keyboard.press('Enter')])
    expect(download.suggestedFilename()).toBe('emergency-lock-screen.png')
    const png = await readFile(await download.path())
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    // A phone screen's shape: 1080 × 2340 (the PNG header's width and height).
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1080, 2340])

    // Printing shows the card alone, at credit-card size: 85.6 × 54 mm (96 CSS pixels an inch).
    await patient.emulateMedia({ media: 'print' })
    await expect(patient.getByRole('heading', { level: 1, name: 'Emergency' })).toBeHidden()
    await expect(front).toBeVisible()
    const box = await front.boundingBox()
    expect(Math.round(((box?.width ?? 0) * 25.4) / 96)).toBe(86)
    expect(Math.round(((box?.height ?? 0) * 25.4) / 96)).toBe(54)
    const qrBox = await code.boundingBox()
    // 46 mm for some 85 modules: over half a millimetre a module, which a phone reads from paper.
    expect(((qrBox?.width ?? 0) * 25.4) / 96).toBeGreaterThan(45)
    await patient.emulateMedia({ media: 'screen' })

    await patient.reload()
    await go(patient, 'My history')
    // A reload opens the history again from this device's key vault, or asks once.
    const open = patient.getByRole('button', { name: 'Open my history' })
    await expect(ownHistory(patient).or(open)).toBeVisible()
    if (await open.isVisible()) await open.click()
    await expect(ownHistory(patient).getByRole('status').first()).toBeVisible()
    await go(patient, 'Emergency')
    await expect(patient.getByRole('combobox', { name: 'Blood group' })).toHaveValue('O-')
    await expect(patient.getByRole('group', { name: 'Active problems' }).getByRole('checkbox', { name: 'Hypertensive disorder', exact: true })).not.toBeChecked()
    await expect(patient.getByRole('group', { name: 'Front of the card' })).not.toContainText('Hypertensive disorder')
    await expect(patient.getByRole('checkbox', { name: 'On the card: Diabetes mellitus type 2' })).not.toBeChecked()

    // The summary stays current: a problem the patient adds shows in it, and on the card, when they come back.
    const refreshed = await patient.getByRole('region', { name: 'Your emergency summary' }).locator('time').getAttribute('datetime')
    await go(patient, 'My history')
    const form = ownHistory(patient).getByRole('form', { name: 'Add to my history' })
    if (!(await form.isVisible())) await ownHistory(patient).getByText('Add a record: a symptom or problem').click()
    await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
    await form.getByRole('textbox', { name: 'Symptom or problem' }).fill('Chest pain on exertion')
    await form.getByRole('button', { name: 'Add symptom' }).click()
    await expect(form.getByRole('status')).toContainText('Symptom added')
    await go(patient, 'Emergency')
    await expect(patient.getByRole('region', { name: 'Your emergency summary' }).getByRole('region', { name: 'Active problems' })).toContainText('Chest pain on exertion')
    await expect(patient.getByRole('group', { name: 'Front of the card' })).toContainText('Chest pain on exertion')
    expect(await patient.getByRole('region', { name: 'Your emergency summary' }).locator('time').getAttribute('datetime')).not.toBe(refreshed)

    // A clinician's phone films the card's code.
    const video = path.join(dir, 'camera.y4m')
    await writeQrVideo(video, cardText, { qr: CARD_QR_OPTIONS })
    const clinicianBrowser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...fakeCameraArgs(video)] })
    browsers.push(clinicianBrowser)
    // 200 % zoom of a 1280-pixel-wide window: 640 CSS pixels across.
    const context = await clinicianBrowser.newContext({ viewport: { width: 640, height: 900 } })
    await context.grantPermissions(['camera'], { origin: new URL(appUrl()).origin })
    const clinician = await context.newPage()
    await clinician.goto(`${appUrl()}#/emergency`)
    await clinician.getByRole('link', { name: 'Emergency: scan a card' }).click()
    await expect(clinician.getByRole('heading', { level: 1, name: 'Emergency: scan a card' })).toBeVisible()
    await clinician.getByRole('button', { name: 'Scan a card with the camera' }).click()
    const read = clinician.getByRole('region', { name: 'What the card says' })
    await expect(read).toBeVisible({ timeout: 30_000 })
    await expect(clinician.getByLabel('Camera view for scanning an emergency card')).toHaveCount(0)
    const allergies = read.getByRole('list', { name: 'Allergies' })
    await expect(allergies).toHaveText('High risk: Penicillin (reaction: Urticaria)')
    // Allergies first: above everything else the card says.
    const headings = await read.locator('h3, dt').allTextContents()
    expect(headings[0]).toBe('Allergies')
    await expect(read).toContainText('O-')
    await expect(read).toContainText('Osteoarthritis of knee')
    await expect(read).not.toContainText('Hypertensive disorder')
    await expect(read).not.toContainText('Diabetes')
    // Nothing of the allergies is cut off at 200 %: no line wider than the window, nothing scrolled sideways.
    const widths = await allergies.evaluate((list) => ({
      page: document.documentElement.scrollWidth,
      window: window.innerWidth,
      items: [...list.querySelectorAll('li')].map((li) => ({ right: li.getBoundingClientRect().right, scroll: li.scrollWidth, client: li.clientWidth }))
    }))
    expect(widths.page).toBeLessThanOrEqual(widths.window)
    for (const item of widths.items) {
      expect(item.right).toBeLessThanOrEqual(widths.window)
      expect(item.scroll).toBeLessThanOrEqual(item.client)
    }
    const fontSize = await allergies.evaluate((list) => parseFloat(getComputedStyle(list).fontSize))
    expect(fontSize).toBeGreaterThanOrEqual(20)
    await expect(clinician.getByRole('button', { name: 'Open the full emergency summary' })).toHaveCount(0)
    await expect(clinician.getByRole('region', { name: 'The full emergency summary' })).toContainText('carries no link to a full summary')
    expect(await wcagViolations(clinician, { seriousOnly: true })).toEqual([])
  } finally {
    await Promise.all(browsers.map((b) => b.close()))
    await rm(dir, { recursive: true, force: true })
  }
})

test('a damaged card code, a code that is no card and a photo without a code are each refused with words that say what to do', async ({ page }) => {
  await page.goto(`${appUrl()}#/emergency/scan`)
  await expect(page.getByRole('heading', { level: 1, name: 'Emergency: scan a card' })).toBeVisible()
  const chooser = page.getByLabel('Or read the code from a photo of the card')
  const photo = (name: string, text: string) => ({ name, mimeType: 'image/gif', buffer: Buffer.from(encodeQR(text, 'gif', { ...CARD_QR_OPTIONS, scale: 6 })) })

  await chooser.setInputFiles(photo('damaged.gif', 'ANAMNESIS EMERGENCY CARD 1\nSEVERE ALLERGY: Penicillin\nBLOOD: Z+'))
  await expect(page.getByRole('alert')).toHaveText(
    'This emergency card\'s code is damaged (line 3 names blood group "Z+", which is none of A+, A-, B+, B-, AB+, AB-, O+, O-). Read the card\'s printed text instead.'
  )
  await expect(page.getByRole('region', { name: 'What the card says' })).toHaveCount(0)

  await chooser.setInputFiles(photo('other.gif', 'https://example.org/'))
  await expect(page.getByRole('alert')).toHaveText("This QR code is not an Anamnesis emergency card. Read the card's printed text instead.")

  // A photo of the page's heading: no code in it.
  const heading = await page.getByRole('heading', { level: 1 }).screenshot()
  await chooser.setInputFiles({ name: 'heading.png', mimeType: 'image/png', buffer: heading })
  await expect(page.getByRole('alert')).toHaveText("No QR code could be read in heading.png. Choose a sharper photo of the card's code, or read its printed words.")

  // A sound card read from a photo, after the refusals: shown at once, allergies first.
  await chooser.setInputFiles(photo('card.gif', 'ANAMNESIS EMERGENCY CARD 1\nBLOOD: A+\nALLERGY: Latex\nSEVERE ALLERGY: Peanuts | Anaphylaxis\nCONDITIONS: Epilepsy'))
  const read = page.getByRole('region', { name: 'What the card says' })
  await expect(read.getByRole('list', { name: 'Allergies' }).getByRole('listitem')).toHaveText(['High risk: Peanuts (reaction: Anaphylaxis)', 'Latex'])
  await expect(page.getByRole('alert')).toHaveCount(0)
  expect(await wcagViolations(page, { seriousOnly: true })).toEqual([])
  await expect(page.getByRole('region', { name: 'The full emergency summary' })).toContainText('carries no link to a full summary')

  // A card with a link to its full tier: opening it is said to leave a trace, and to need the keepers' part.
  const link = (expires: number) =>
    formatCardLink({
      patient: '0xd3e0000000000000000000000000000000000001',
      keeper: '/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
      key: new Uint8Array(CARD_KEY_LENGTH).fill(7),
      expires,
      flags: ['L']
    })
  const full = page.getByRole('region', { name: 'The full emergency summary' })
  await chooser.setInputFiles(photo('linked.gif', `ANAMNESIS EMERGENCY CARD 1\nALLERGY: Latex\nFULL: ${link(Math.floor(Date.now() / 1000) + 86_400)}`))
  await expect(full).toContainText('Opening it records your access on a public ledger (break-glass), with your reason and your wallet\'s address, and the patient will see who opened it, why and when.')
  // Opening asks for the reason first (test/e2e/emergencyBreakGlass.spec.ts opens one).
  await expect(full.getByRole('combobox', { name: 'Reason for opening the full summary' })).toHaveValue('')
  await expect(full.getByRole('button', { name: 'Open the full emergency summary' })).toBeDisabled()
  // An expired link, and a damaged one: the card's words still show, with why the rest cannot be had.
  await chooser.setInputFiles(photo('expired.gif', `ANAMNESIS EMERGENCY CARD 1\nALLERGY: Latex\nFULL: ${link(1_700_000_000)}`))
  await expect(full).toContainText('expired on')
  await expect(full.getByRole('button', { name: 'Open the full emergency summary' })).toHaveCount(0)
  await chooser.setInputFiles(photo('cut.gif', `ANAMNESIS EMERGENCY CARD 1\nALLERGY: Latex\nFULL: ${link(1_900_000_000).slice(0, 50)}`))
  await expect(read.getByRole('list', { name: 'Allergies' })).toHaveText('Latex')
  await expect(full).toContainText("The card's link to the full summary is cut short. The printed part of the card still stands.")
})
