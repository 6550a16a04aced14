// The doctor joins from the Visit page: the camera (Chromium's fake camera, playing a video of
// the patient's QR code) reads the visit link, the join screen opens and the patient receives the
// request; a code that is not a visit link, a damaged pasted link, and a camera that is missing
// or refused are each met with words that say what to do.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { chromium, expect, test, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { fakeCameraArgs, writeQrVideo } from './fakeCamera.ts'
import { appUrl, askForAccess, expectStackLive, readImageCode, useDevelopmentAccount } from './fixtures.ts'

const doctorAccount = developmentAccounts[4]
if (doctorAccount === undefined) throw new Error('no development account 4')

const CAMERA_VIEW = "Camera view for scanning the patient's QR code"

/** Keeps every camera stream the page opens, so that the test can see each one released. */
function keepCameraStreams(): void {
  const devices = navigator.mediaDevices
  const open = devices.getUserMedia.bind(devices)
  const kept: MediaStream[] = []
  ;(window as unknown as { cameraStreams: MediaStream[] }).cameraStreams = kept
  devices.getUserMedia = async (constraints) => {
    const stream = await open(constraints)
    kept.push(stream)
    return stream
  }
}

/** The state of every camera track the page opened: 'ended' once released. */
function cameraTracks(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cameraStreams: MediaStream[] }).cameraStreams.flatMap((s) => s.getTracks().map((t) => t.readyState)))
}

/** A browser whose camera films `text`'s QR code, and a page in it that may use the camera. */
async function browserFilming(text: string, dir: string): Promise<{ browser: Browser; page: Page }> {
  const video = path.join(dir, 'camera.y4m')
  await writeQrVideo(video, text)
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...fakeCameraArgs(video)] })
  const context = await browser.newContext()
  await context.grantPermissions(['camera'], { origin: new URL(appUrl()).origin })
  const page = await context.newPage()
  await page.addInitScript(keepCameraStreams)
  return { browser, page }
}

test("a doctor scans the patient's QR code with the camera and joins the visit", async () => {
  test.setTimeout(120_000)
  const dir = await mkdtemp(path.join(tmpdir(), 'anamnesis-camera-'))
  const browsers: Browser[] = []
  try {
    const patientBrowser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
    browsers.push(patientBrowser)
    const patient = await patientBrowser.newPage()
    await patient.goto(`${appUrl()}#/visit`)
    await expectStackLive(patient)
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
    expect(link).toContain('#/visit/join/')
    // The code on the patient's screen holds the link, read at its 220 pixels.
    expect(await readImageCode(patient.getByRole('img', { name: 'QR code of the visit link' }))).toBe(link)

    const { browser: doctorBrowser, page: doctor } = await browserFilming(link, dir)
    browsers.push(doctorBrowser)
    await useDevelopmentAccount(doctor, 'Second doctor', doctorAccount.address)
    await doctor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
    await doctor.getByRole('region', { name: 'Join as the doctor' }).getByRole('button', { name: "Scan the patient's QR code" }).click()

    // The code read opens the join screen, as opening the link does, and the camera is released.
    await expect(doctor.getByRole('heading', { name: "Join a patient's visit" })).toBeVisible()
    await expect(doctor).toHaveURL(link)
    await expect(doctor.getByLabel(CAMERA_VIEW)).toHaveCount(0)
    await expect.poll(() => cameraTracks(doctor)).toEqual(['ended'])

    // The scanned invite reaches the patient's browser.
    await expectStackLive(doctor, 'Second doctor')
    await askForAccess(doctor, 'Dr Rosalind Franklin')
    const request = patient.getByRole('region', { name: 'Request from Dr Rosalind Franklin' })
    await expect(request).toContainText(doctorAccount.address, { timeout: 30_000 })
    await request.getByRole('button', { name: 'Decline' }).click()
    await expect(doctor.getByText('The patient declined. Nothing was shared.')).toBeVisible()
  } finally {
    await Promise.all(browsers.map((b) => b.close()))
    await rm(dir, { recursive: true, force: true })
  }
})

test('a QR code that is not a visit link is refused, and a damaged pasted link stays with its error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'anamnesis-camera-'))
  const { browser, page } = await browserFilming('https://example.org/', dir)
  try {
    await page.goto(`${appUrl()}#/visit`)
    await expectStackLive(page)
    const entry = page.getByRole('region', { name: 'Join as the doctor' })
    await entry.getByRole('button', { name: "Scan the patient's QR code" }).click()
    await expect(entry.getByRole('alert')).toHaveText(
      "This QR code is not an Anamnesis visit link. Scan the code on the patient's Visit page, or paste the link instead."
    )
    // Scanning goes on, for the right code, until the doctor stops it.
    await expect(entry.getByLabel(CAMERA_VIEW)).toBeVisible()
    await expect(page).toHaveURL(`${appUrl()}#/visit`)
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    expect(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
    await entry.getByRole('button', { name: 'Stop scanning' }).click()
    await expect(entry.getByRole('status')).toHaveText('Scanning stopped; the camera is off.')
    await expect(entry.getByRole('alert')).toHaveCount(0)
    await expect(entry.getByLabel(CAMERA_VIEW)).toHaveCount(0)
    await expect.poll(() => cameraTracks(page)).toEqual(['ended'])

    // A page sent to the background (another tab, a locked phone) turns the camera off.
    await entry.getByRole('button', { name: "Scan the patient's QR code" }).click()
    await expect(entry.getByLabel(CAMERA_VIEW)).toBeVisible()
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await expect(entry.getByRole('status')).toHaveText('Scanning stopped while the page was hidden; the camera is off.')
    await expect(entry.getByLabel(CAMERA_VIEW)).toHaveCount(0)
    await expect.poll(() => cameraTracks(page)).toEqual(['ended', 'ended'])
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true })
    })

    const field = entry.getByRole('textbox', { name: 'Or paste the link the patient sent' })
    const damaged = `${appUrl()}#/visit/join/not-an-invite`
    await field.fill(damaged)
    await entry.getByRole('button', { name: 'Join', exact: true }).click()
    await expect(entry.getByRole('alert').filter({ hasText: 'This visit link is damaged' })).toBeVisible()
    await expect(field).toHaveValue(damaged)
    await expect(field).toHaveAccessibleDescription(/This visit link is damaged/)
    await expect(page).toHaveURL(`${appUrl()}#/visit`)

    await field.fill('https://example.org/')
    await field.press('Enter')
    await expect(entry.getByRole('alert').filter({ hasText: 'This is not an Anamnesis visit link' })).toBeVisible()
    await expect(field).toHaveValue('https://example.org/')
  } finally {
    await browser.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('without a camera the doctor is told to paste the link', async ({ page }) => {
  await page.goto(`${appUrl()}#/visit`)
  await expectStackLive(page)
  const entry = page.getByRole('region', { name: 'Join as the doctor' })
  await entry.getByRole('button', { name: "Scan the patient's QR code" }).click()
  await expect(entry.getByRole('alert')).toContainText('Paste the visit link instead.')
  await expect(entry.getByRole('button', { name: "Scan the patient's QR code" })).toBeFocused()
  await expect(entry.getByRole('textbox', { name: 'Or paste the link the patient sent' })).toBeEditable()
})

test('a camera the browser refuses sends the doctor to the link', async () => {
  // A camera exists, but this page was never allowed to use it.
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream'] })
  try {
    const page = await browser.newPage()
    await page.goto(`${appUrl()}#/visit`)
    await expectStackLive(page)
    const entry = page.getByRole('region', { name: 'Join as the doctor' })
    await entry.getByRole('button', { name: "Scan the patient's QR code" }).click()
    await expect(entry.getByRole('alert')).toHaveText('The browser refused the camera: Permission denied. Paste the visit link instead.')
    await expect(entry.getByLabel(CAMERA_VIEW)).toHaveCount(0)
  } finally {
    await browser.close()
  }
})
