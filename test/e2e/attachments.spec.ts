// Attached files in real browsers over a real visit: the patient attaches a 10 MB PDF and an
// image, sealed in their browser and stored as IPFS blocks there; the image shows inline; a file
// that is not what it claims is refused. A doctor granted reports fetches the PDF's blocks from the
// patient's browser over the direct WebRTC connection, with progress, and opens it checked; a
// doctor whose grant leaves reports out never sees the record or its file. With the patient's
// browser closed, a doctor following up from My patients opens the file from the patient's keeper.
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { chromium, expect, test, type Browser, type Page } from '@playwright/test'
import { privateKeyToAccount } from 'viem/accounts'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { appUrl, askForAccess, connectBrowserWallet, fundedAccount, registerAndLoadDemo, stackConfig, startVisit, statusStrip, wcagViolations } from './fixtures.ts'

// A PNG of one pixel, as a camera or scanner would hand the patient a (much larger) one.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

/** A 10 MB PDF: a PDF header and a body no two stretches of which are alike. */
function tenMegabytePdf(): Buffer {
  const pdf = randomBytes(10 * 1000 * 1000)
  pdf.write('%PDF-1.7\n', 0, 'latin1')
  return pdf
}

/** A doctor's page, connected with a wallet of its own, asking for access through `link`; the patient approves with `categories` left on or off. */
async function doctorJoins(doctor: Page, patient: Page, link: string, name: string, reports: boolean): Promise<void> {
  const account = await fundedAccount()
  await connectBrowserWallet(doctor, `${name} Wallet`, account.privateKey)
  await doctor.goto(link)
  await askForAccess(doctor, name)
  const request = patient.getByRole('region', { name: `Request from ${name}` })
  const box = request.getByRole('checkbox', { name: 'Reports' })
  if (reports) await box.check()
  else await box.uncheck()
  await request.getByRole('button', { name: 'Approve' }).click()
  await expect(request.getByRole('status').first()).toContainText('Approved')
  await expect(doctor.getByRole('region', { name: "The patient's history" }).getByRole('status').first()).toContainText("received directly from the patient's device.", { timeout: 60_000 })
}

test('a 10 MB PDF attached by the patient opens for a doctor granted reports and not for one without; an image shows inline', async () => {
  test.setTimeout(300_000)
  const browsers: Browser[] = []
  try {
    for (let i = 0; i < 3; i++) browsers.push(await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS }))
    const [patient, withReports, withoutReports] = (await Promise.all(browsers.map(async (browser) => (await browser.newContext()).newPage()))) as [Page, Page, Page]

    const patientAccount = await fundedAccount()
    await connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey)
    const { own, count } = await registerAndLoadDemo(patient)

    // The patient attaches the PDF and the image; the form states the limits.
    await own.getByText('Attach a file: a report (PDF) or an image').click()
    const attach = own.getByRole('form', { name: 'Attach a file' })
    await expect(attach).toContainText('up to 25 MB per file and 500 MB for the whole history')
    const pdf = tenMegabytePdf()
    await attach.getByLabel('PDF or image to attach').setInputFiles({ name: 'MRI report.pdf', mimeType: 'application/pdf', buffer: pdf })
    await attach.getByRole('button', { name: 'Attach the file' }).click()
    await expect(attach.getByRole('status')).toHaveText('Attached MRI report.pdf.', { timeout: 30_000 })
    await attach.getByLabel('PDF or image to attach').setInputFiles({ name: 'knee.png', mimeType: 'image/png', buffer: PNG })
    await attach.getByRole('button', { name: 'Attach the file' }).click()
    await expect(attach.getByRole('status')).toHaveText('Attached knee.png.')

    // A page that calls itself a PDF is refused by its bytes, and adds nothing.
    await attach.getByLabel('PDF or image to attach').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>alert(1)</script></html>') })
    await attach.getByRole('button', { name: 'Attach the file' }).click()
    await expect(attach.getByRole('alert')).toContainText('Only PDF documents and PNG, JPEG, GIF or WebP images can be attached')
    await expect(own.getByRole('status').first()).toContainText(`${(count + 2).toLocaleString('en')} records`)

    // The image opens inline, in the patient's own browser.
    await own.getByText(/Table of the records shown/).click()
    await own.getByRole('table').getByRole('button', { name: 'knee.png' }).click()
    const details = own.getByRole('region', { name: 'Selected record' })
    await details.getByRole('button', { name: 'Open knee.png' }).click()
    const image = details.getByRole('img', { name: 'knee.png' })
    await expect(image).toBeVisible()
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1)
    expect(await wcagViolations(patient)).toEqual([])

    // A doctor granted reports: the PDF comes from the patient's browser over WebRTC, checked.
    const firstLink = await startVisit(patient)
    await doctorJoins(withReports, patient, firstLink, 'Dr Reports', true)
    await expect(statusStrip(withReports)).toContainText(/\([1-9]\d* direct, \d+ relayed\)/)
    const history = withReports.getByRole('region', { name: "The patient's history" })
    await history.getByText(/Table of the records shown/).click()
    await history.getByRole('table').getByRole('button', { name: 'MRI report.pdf' }).click()
    const shown = history.getByRole('region', { name: 'Selected record' })
    await expect(shown).toContainText('Attached file: MRI report.pdf (PDF, 10.0 MB)')
    await shown.getByRole('button', { name: 'Open MRI report.pdf' }).click()
    const viewer = shown.getByRole('link', { name: "View MRI report.pdf in the browser's PDF viewer" })
    await expect(viewer).toBeVisible({ timeout: 60_000 })
    await expect(shown.getByRole('status').first()).toHaveText('MRI report.pdf is checked and ready.')
    const href = (await viewer.getAttribute('href')) ?? ''
    expect(href.startsWith('blob:')).toBe(true)
    // What the doctor downloads (the same checked bytes the PDF viewer gets) is the patient's file, every byte.
    const download = withReports.waitForEvent('download')
    await shown.getByRole('button', { name: 'Download MRI report.pdf' }).click()
    expect((await download).suggestedFilename()).toBe('MRI report.pdf')
    const saved = await readFile(await (await download).path())
    expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(pdf).digest('hex'))
    expect(await wcagViolations(withReports)).toEqual([])

    // A doctor whose grant leaves reports out: the record and its file stay sealed to them.
    const secondLink = await startVisit(patient)
    await doctorJoins(withoutReports, patient, secondLink, 'Dr No Reports', false)
    const theirs = withoutReports.getByRole('region', { name: "The patient's history" })
    await expect(theirs.getByRole('status').first()).toContainText('cannot be read with the keys you were given')
    await theirs.getByText(/Table of the records shown/).click()
    await expect(theirs.getByRole('table')).not.toContainText('MRI report.pdf')
    await expect(theirs.getByRole('button', { name: /Open MRI report\.pdf/ })).toHaveCount(0)
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()))
  }
})

test('with the patient\'s browser closed, a doctor following up opens an attached file from the patient\'s keeper', async () => {
  test.setTimeout(300_000)
  const keeper = stackConfig().keepers?.[0]
  expect(keeper, 'the local stack names a default keeper').toBeDefined()
  const browsers: Browser[] = []
  try {
    for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS }))
    const [patient, doctor] = (await Promise.all(browsers.map(async (browser) => (await browser.newContext()).newPage()))) as [Page, Page]
    const patientAccount = await fundedAccount()
    await connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey)
    const { own, count } = await registerAndLoadDemo(patient)
    const patientAddress = privateKeyToAccount(patientAccount.privateKey).address

    // The patient attaches a PDF, then enrols the stack's keeper: the keeper takes the records, then the file.
    await own.getByText('Attach a file: a report (PDF) or an image').click()
    const attach = own.getByRole('form', { name: 'Attach a file' })
    const pdf = randomBytes(1_000_000)
    pdf.write('%PDF-1.7\n', 0, 'latin1')
    await attach.getByLabel('PDF or image to attach').setInputFiles({ name: 'Spirometry.pdf', mimeType: 'application/pdf', buffer: pdf })
    await attach.getByRole('button', { name: 'Attach the file' }).click()
    await expect(attach.getByRole('status')).toHaveText('Attached Spirometry.pdf.', { timeout: 30_000 })
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    const keepers = patient.getByRole('region', { name: 'Keepers' })
    await expect(keepers.getByRole('textbox', { name: 'Keeper address' })).toHaveValue(keeper ?? '')
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 30_000 })
    await expect(async () => {
      await keepers.getByRole('button', { name: 'Ask my keepers again' }).click()
      // Settings says when the keeper holds the file too: then the patient may close the browser.
      await expect(keepers.getByRole('list', { name: 'Your keepers' }).getByRole('listitem')).toContainText(`Holds ${count + 1} entries and 1 attached file (`, { timeout: 2_000 })
    }).toPass({ timeout: 60_000 })
    await expect(keepers.getByRole('list', { name: 'Your keepers' })).not.toContainText('could not be copied')

    // A visit grants the doctor reports; then the patient's browser closes.
    const link = await startVisit(patient)
    await doctorJoins(doctor, patient, link, 'Dr Keeper', true)
    await browsers[0]?.close()
    await doctor.goto(`${appUrl()}#/visit`)
    await doctor.reload()
    await expect(statusStrip(doctor)).toContainText(/Peer-to-peer: started · peer 12D3Koo\S+ · relay reserved/, { timeout: 20_000 })

    // From My patients the doctor reads the history from the keeper, and opens the file from it.
    await doctor.getByRole('list', { name: 'Patients who granted you access' }).getByRole('button', { name: new RegExp(`Read the history of ${patientAddress}`, 'i') }).click()
    const history = doctor.getByRole('region', { name: "The patient's history" })
    await expect(history.getByRole('status').first()).toContainText("received directly from the patient's keeper.", { timeout: 90_000 })
    await history.getByText(/Table of the records shown/).click()
    await history.getByRole('table').getByRole('button', { name: 'Spirometry.pdf' }).click()
    const shown = history.getByRole('region', { name: 'Selected record' })
    // The keeper fetches the file from the patient's browser once it synced the records: it may still be on its way.
    await expect(async () => {
      await shown.getByRole('button', { name: 'Open Spirometry.pdf' }).click()
      await expect(shown.getByRole('status').first()).toHaveText('Spirometry.pdf is checked and ready.', { timeout: 10_000 })
    }).toPass({ timeout: 60_000 })
    const download = doctor.waitForEvent('download')
    await shown.getByRole('button', { name: 'Download Spirometry.pdf' }).click()
    const saved = await readFile(await (await download).path())
    expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(pdf).digest('hex'))
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()))
  }
})
