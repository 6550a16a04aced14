// The patient's page closes while the doctor's browser is still receiving the history: the
// doctor is told the patient is offline and keeps what arrived; when the patient's app is
// open again (same browser, same device key), the doctor's browser reconnects on its own
// and ends with every record exactly once.
import { chromium, expect, test, type Browser, type Locator } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { appUrl, askForAccess, expectStackLive, startVisit, useDevelopmentAccount } from './fixtures.ts'

const doctorAccount = developmentAccounts[1]
if (doctorAccount === undefined) throw new Error('no development account 1')

const numbers = async (status: Locator): Promise<number[]> => ((await status.textContent()) ?? '').match(/[\d,]+(?= (?:records|blocks))/g)?.map((n) => Number(n.replaceAll(',', ''))) ?? []

test('the patient page closes mid-sync and comes back; the doctor ends with every record exactly once', async () => {
  test.setTimeout(240_000)
  const browsers: Browser[] = []
  try {
    for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS }))
    const [patientBrowser, doctorBrowser] = browsers as [Browser, Browser]
    const patientContext = await patientBrowser.newContext()
    let patient = await patientContext.newPage()
    const doctor = await doctorBrowser.newPage()

    await patient.goto(appUrl())
    await expectStackLive(patient)
    await patient.getByRole('button', { name: 'Open my history' }).click()
    const own = patient.getByRole('region', { name: 'Your history' })
    await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: '2,000 records' })
    await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
    await expect(own).toContainText(/Added [\d,]+ demo records/, { timeout: 60_000 })
    await expect(own.getByRole('status').first()).toContainText(/[\d,]+ records in [\d,]+ blocks/)
    const [total] = await numbers(own.getByRole('status').first())
    if (total === undefined) throw new Error('no record count')
    expect(total).toBeGreaterThan(1500)

    const link = await startVisit(patient)

    await useDevelopmentAccount(doctor, 'Doctor', doctorAccount.address)
    await doctor.goto(link)
    await expectStackLive(doctor, 'Doctor')
    await askForAccess(doctor, 'Dr Offline Test')
    const request = patient.getByRole('region', { name: 'Request from Dr Offline Test' })
    await expect(request.getByRole('button', { name: 'Approve' })).toBeVisible({ timeout: 30_000 })
    // A slow doctor's device, so that the patient's page closes in the middle of the transfer (which
    // starts, as ciphertext, while the patient decides).
    const cdp = await doctor.context().newCDPSession(doctor)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 10 })
    await request.getByRole('checkbox', { name: 'Notes' }).check()
    await request.getByRole('button', { name: 'Approve' }).click()

    const history = doctor.getByRole('region', { name: "The patient's history" })
    const status = history.getByRole('status').first()
    // The patient's device said how much the pull brings: the doctor sees how much is still to come.
    await expect(status).toContainText(/Receiving the patient's history from their device: [1-9][\d,]* blocks so far, [\d,]+ records decrypted, up to [1-9][\d,]* more to come…/, { timeout: 60_000 })
    await patient.close()
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })

    // The doctor is told, and keeps what arrived.
    await expect(status).toContainText("The patient's device is offline. You keep the", { timeout: 30_000 })
    const [kept] = await numbers(status)
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(total)

    // The patient's app opens again on the same device; the doctor's browser reconnects by itself.
    patient = await patientContext.newPage()
    await patient.goto(appUrl())
    await expect(patient.getByRole('region', { name: 'Your history' }).getByRole('status').first()).toContainText(`${total.toLocaleString('en')} records`, { timeout: 30_000 })
    await expect(status).toContainText(`records in ${total.toLocaleString('en')} blocks, received directly from the patient's device.`, {
      timeout: 60_000
    })
    // Exactly once: the log holds as many blocks as there are records, none twice.
    expect(await numbers(status)).toEqual([total, total])

    // The doctor's list of patients says the patient's device is reachable now.
    await doctor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
    await expect(doctor.getByRole('list', { name: 'Patients who granted you access' }).getByRole('listitem').filter({ hasText: '0xf39F…2266' })).toContainText('device connected now')
  } finally {
    for (const browser of browsers) await browser.close()
  }
})
