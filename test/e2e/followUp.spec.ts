// Follow-up without the patient, in two real browsers: the patient enrols the stack's keeper and
// writes; a doctor is granted read and write at a visit; the visit ends and every browser of the
// patient closes; the doctor opens the patient from My patients, reads every record from the
// keeper, and writes a follow-up; the patient's browser opens again and shows it. Then the patient
// revokes the doctor: the doctor's reading says access ended, and the patient's new record reaches
// the keeper but not the doctor. Real parts throughout: the local chain, the relay, the keeper
// process the stack runs, WebRTC, Chromium's IndexedDB kept on disk between the patient's sessions.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test'
import { privateKeyToAccount } from 'viem/accounts'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { appUrl, askForAccess, connectBrowserWallet, fundedAccount, registerAndLoadDemo, stackConfig, startVisit, statusStrip } from './fixtures.ts'
import { injectWallet } from './injectedWallet.ts'

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

/** A Chromium whose profile (IndexedDB, localStorage) lives in `profile`, so closing and opening it again is a browser restarted. */
async function browserWithProfile(profile: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profile, { headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  return { context, page: context.pages()[0] ?? (await context.newPage()) }
}


test('a doctor follows up from the keeper while the patient is offline, and the patient receives the follow-up at their next connection', async () => {
  test.setTimeout(300_000)
  const keeper = stackConfig().keepers?.[0]
  expect(keeper, 'the local stack names a default keeper').toBeDefined()
  const profile = await mkdtemp(path.join(tmpdir(), 'anamnesis-patient-'))
  const contexts: BrowserContext[] = []
  try {
    const patientAccount = await fundedAccount()
    const doctorAccount = await fundedAccount()
    const patientAddress = privateKeyToAccount(patientAccount.privateKey).address

    // The patient registers, opens the history, writes, and enrols the stack's keeper.
    const first = await browserWithProfile(profile)
    contexts.push(first.context)
    const patient = first.page
    await connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey)
    const { count } = await registerAndLoadDemo(patient)

    await go(patient, 'Settings')
    const keepers = patient.getByRole('region', { name: 'Keepers' })
    await expect(keepers.getByRole('textbox', { name: 'Keeper address' })).toHaveValue(keeper ?? '')
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 30_000 })
    await expect(async () => {
      await keepers.getByRole('button', { name: 'Ask my keepers again' }).click()
      await expect(keepers.getByRole('list', { name: 'Your keepers' })).toContainText(`Holds ${count} entries`, { timeout: 2_000 })
    }).toPass({ timeout: 60_000 })

    // A visit: the doctor is granted read and write to every kind of record.
    const link = await startVisit(patient)
    const doctorBrowser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
    const doctorContext = await doctorBrowser.newContext()
    contexts.push(doctorContext)
    const doctor = await doctorContext.newPage()
    await connectBrowserWallet(doctor, 'Doctor Wallet', doctorAccount.privateKey)
    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Follow')
    const request = patient.getByRole('region', { name: 'Request from Dr Follow' })
    await request.getByRole('checkbox', { name: /They may add records/ }).check()
    await request.getByRole('checkbox', { name: 'Notes' }).check()
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText('Approved')
    await expect(doctor.getByRole('region', { name: "The patient's history" }).getByRole('status').first()).toContainText("received directly from the patient's device.", {
      timeout: 60_000
    })

    // The visit ends: the doctor's page loads anew on Visit, and every browser of the patient closes.
    await first.context.close()
    contexts.splice(contexts.indexOf(first.context), 1)
    await doctor.goto(`${appUrl()}#/visit`)
    await doctor.reload()
    await expect(statusStrip(doctor)).toContainText(/Peer-to-peer: started · peer 12D3Koo\S+ · relay reserved/, { timeout: 20_000 })

    // From My patients, the doctor reads every record, from the keeper.
    const patients = doctor.getByRole('list', { name: 'Patients who granted you access' })
    await expect(doctor.getByRole('region', { name: 'My patients' })).toContainText('read and write access to')
    await patients.getByRole('button', { name: `Read the history of ${patientAddress}` }).click()
    const followUp = doctor.getByRole('region', { name: `Follow-up with ${patientAddress}` })
    const history = followUp.getByRole('region', { name: "The patient's history" })
    await expect(history.getByRole('status').first()).toHaveText(`${count} records in ${count} blocks, received directly from the patient's keeper.`, { timeout: 90_000 })
    await history.getByText(/Table of the records shown/).click()
    await expect(history.getByRole('row').filter({ hasText: 'Penicillin (demo data)' })).toHaveCount(1)

    // The doctor writes a follow-up into the history, while the patient is still offline.
    const form = history.getByRole('form', { name: "Write into the patient's history" })
    await form.getByRole('radio', { name: 'Request for more information', exact: true }).check()
    await form.getByRole('textbox', { name: 'What is requested' }).fill('Spirometry two weeks after the visit')
    await form.getByRole('button', { name: 'Add request' }).click()
    await expect(form.getByRole('status')).toContainText('Request added')
    await expect(history.getByRole('status').first()).toContainText(`${count + 1} records in ${count + 1} blocks`)

    // The patient's browser opens again: at its next connection it receives the doctor's follow-up from the keeper.
    const again = await browserWithProfile(profile)
    contexts.push(again.context)
    const reopened = again.page
    const { chain } = stackConfig()
    await injectWallet(reopened, { name: 'Patient Wallet', privateKey: patientAccount.privateKey, rpcUrl: chain.rpcUrl, chainId: chain.id })
    await reopened.goto(`${appUrl()}#/`)
    await expect(statusStrip(reopened)).toContainText('browser wallet (Patient Wallet)')
    const ownAgain = reopened.getByRole('region', { name: 'Your history', exact: true })
    await expect(ownAgain.getByRole('status').first()).toContainText(`${count + 1} records in ${count + 1} blocks`, { timeout: 90_000 })
    await ownAgain.getByRole('checkbox', { name: 'Hide demo records' }).check()
    await reopened.getByText(/Table of the records shown/).click()
    await expect(reopened.getByRole('row').filter({ hasText: 'Spirometry two weeks after the visit' })).toHaveCount(1)

    // The patient revokes the doctor: the doctor's reading says access ended, and the patient's new record
    // reaches the keeper but not the doctor (the keeper no longer serves them).
    await go(reopened, 'Visit')
    await reopened.getByRole('button', { name: `Revoke access of ${doctorAccount.address}` }).click()
    await expect(reopened.getByRole('region', { name: 'Who has access now' })).toContainText('Your history now uses a new key (epoch 1)', { timeout: 30_000 })
    await expect(history).toContainText('Your access to this history has ended', { timeout: 60_000 })
    await expect(form).toHaveCount(0)
    const before = await history.getByRole('status').first().textContent()
    await go(reopened, 'Settings')
    const keepersAgain = reopened.getByRole('region', { name: 'Keepers' })
    const keeperList = keepersAgain.getByRole('list', { name: 'Your keepers' })
    const held = async (): Promise<number> => Number((/Holds (\d+) entries/.exec((await keeperList.textContent()) ?? '') ?? [])[1])
    /** What the keeper holds once it holds more than `than` entries. */
    const keeperHoldsMore = async (than: number): Promise<number> => {
      // The count that passed is the one returned: read again, the list may be between two answers.
      let holds = Number.NaN
      await expect(async () => {
        await keepersAgain.getByRole('button', { name: 'Ask my keepers again' }).click()
        await expect(keeperList).toContainText('Holds', { timeout: 2_000 })
        holds = await held()
        expect(holds).toBeGreaterThan(than)
      }).toPass({ timeout: 60_000 })
      return holds
    }
    // The records, the doctor's follow-up and the new epoch's key drops.
    const afterRevocation = await keeperHoldsMore(count + 1)
    await go(reopened, 'My history')
    await ownAgain.getByText('Add a record: a symptom or problem').click()
    const mine = ownAgain.getByRole('form', { name: 'Add to my history' })
    await mine.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
    await mine.getByRole('textbox', { name: 'Symptom or problem' }).fill('Wheezing at night')
    await mine.getByRole('button', { name: 'Add symptom' }).click()
    await expect(mine.getByRole('status')).toContainText('Symptom added')
    await go(reopened, 'Settings')
    await keeperHoldsMore(afterRevocation)
    // The keeper announces new heads only to peers it still admits; its answer about this doctor is reused 2 s at most.
    await doctor.waitForTimeout(5_000)
    expect(await history.getByRole('status').first().textContent()).toBe(before)
    // And My patients no longer offers the doctor this patient's history.
    await doctor.getByRole('button', { name: 'Refresh' }).click()
    await expect(doctor.getByRole('region', { name: 'My patients' })).toContainText('No patient has granted you access.')
  } finally {
    await Promise.all(contexts.map((context) => context.browser()?.close() ?? context.close()))
    await rm(profile, { recursive: true, force: true })
  }
})
