// A guardian acts while the patient cannot, in three real browsers: the patient writes, enrols the
// stack's keeper and names a guardian, then every browser of theirs closes. The guardian lets a
// treating doctor in (a transaction on the local chain) and their app hands the doctor the emergency
// records' keys through the keeper; the doctor reads, from the keeper, the emergency records and
// nothing else. Then the patient's revocation of the doctor holds: the guardian's second grant for
// that doctor is refused. Real parts throughout: the local chain, the keeper process, Chromium.
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test'
import { createPublicClient, createWalletClient, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { publishEncryptionKey, revoke } from '../../src/chain/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { connectBrowserWallet, derivedKeys, fundedAccount, registerAndLoadDemo, stackConfig, statusStrip, wcagViolations } from './fixtures.ts'

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()


test("a guardian lets a doctor in while the patient's browser is closed, and the doctor reads the emergency records only, from the keeper", async () => {
  test.setTimeout(300_000)
  const config = stackConfig()
  expect(config.keepers?.[0], 'the local stack names a default keeper').toBeDefined()
  const [patientAccount, guardianAccount, doctorAccount] = await Promise.all([fundedAccount(), fundedAccount(), fundedAccount()])
  const patientAddress = privateKeyToAccount(patientAccount.privateKey).address
  const guardianAddress = privateKeyToAccount(guardianAccount.privateKey).address
  const doctorAddress = privateKeyToAccount(doctorAccount.privateKey).address
  const transport = http(config.chain.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport })
  const walletOf = (privateKey: Hex) => createWalletClient({ account: privateKeyToAccount(privateKey), chain: foundry, transport })
  // The guardian and the doctor use the app: their keys are registered (the patient's app wraps for the guardian's).
  for (const account of [guardianAccount, doctorAccount]) {
    const { publicKey } = (await derivedKeys(account.privateKey)).encryption
    await publishEncryptionKey(publicClient, walletOf(account.privateKey), { registry: config.contracts.keyRegistry, publicKey, version: 1 })
  }
  const browser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  const contexts: BrowserContext[] = []
  const pageOf = async (): Promise<Page> => {
    const context = await browser.newContext()
    contexts.push(context)
    return await context.newPage()
  }
  try {
    // The patient writes, enrols the stack's keeper and names the guardian; the app hands the guardian the emergency keys.
    const patient = await pageOf()
    await connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey)
    const { own, count } = await registerAndLoadDemo(patient)
    await own.getByText(/Table of the records shown/).click()
    // What the doctor must not see is in the history: the family history.
    await expect(own.getByRole('row').filter({ hasText: 'Myocardial infarction' })).toHaveCount(1)
    await expect(own.getByRole('row').filter({ hasText: 'Penicillin (demo data)' })).toHaveCount(1)

    await go(patient, 'Settings')
    const keepers = patient.getByRole('region', { name: 'Keepers' })
    await keepers.getByRole('button', { name: 'Enrol keeper' }).click()
    await expect(keepers.getByRole('status')).toContainText('now keeps your history', { timeout: 30_000 })
    const guardians = patient.getByRole('region', { name: 'Guardians' })
    await guardians.getByRole('textbox', { name: "Guardian's address" }).fill(guardianAddress)
    await guardians.getByRole('button', { name: 'Add guardian' }).click()
    await expect(guardians.getByRole('list', { name: 'Your guardians' })).toContainText(guardianAddress)
    // The records and the key drop that hands the guardian the emergency keys reach the keeper.
    const keeperList = keepers.getByRole('list', { name: 'Your keepers' })
    await expect(async () => {
      await keepers.getByRole('button', { name: 'Ask my keepers again' }).click()
      const held = Number((/Holds (\d+) entries/.exec((await keeperList.textContent({ timeout: 2_000 })) ?? '') ?? [])[1])
      expect(held).toBeGreaterThan(count)
    }).toPass({ timeout: 60_000 })
    // Every browser of the patient closes.
    await patient.context().close()

    // The guardian lets the doctor in; their app hands on the keys through the keeper.
    const guardian = await pageOf()
    await connectBrowserWallet(guardian, 'Guardian Wallet', guardianAccount.privateKey)
    await go(guardian, 'Visit')
    const acting = guardian.getByRole('region', { name: 'Act for someone I am guardian of' })
    const form = acting.getByRole('list', { name: 'Patients you are a guardian of' }).getByRole('form', { name: `Patient ${patientAddress}` })
    await form.getByRole('textbox', { name: "Treating doctor's address" }).fill(doctorAddress)
    await form.getByRole('spinbutton', { name: 'Hours (at most 72)' }).fill('12')
    await form.getByRole('button', { name: `Grant emergency access to ${patientAddress}'s history` }).click()
    await expect(acting).toContainText(`Emergency access granted to ${doctorAddress} for 12 hours.`)
    const handed = acting.getByRole('status', { name: `Keys for ${patientAddress}'s doctors` })
    await expect(handed).toContainText(new RegExp(`${doctorAddress} can now read the emergency records: \\d+ keys wait for them with the patient's keeper`), { timeout: 60_000 })
    // It says where, for a doctor whose app does not know that keeper.
    await expect(handed).toContainText(config.keepers?.[0] ?? 'no keeper')

    // The doctor, who never met the patient, reads from the keeper: the emergency records, and nothing else.
    const doctor = await pageOf()
    await connectBrowserWallet(doctor, 'Doctor Wallet', doctorAccount.privateKey)
    await go(doctor, 'Visit')
    await expect(statusStrip(doctor)).toContainText('Peer-to-peer: started', { timeout: 20_000 })
    const mine = doctor.getByRole('region', { name: 'My patients' })
    await expect(mine).toContainText('(emergency grant by a guardian)')
    const patients = mine.getByRole('list', { name: 'Patients who granted you access' })
    await patients.getByRole('textbox', { name: "Patient's keeper (optional)" }).fill(config.keepers?.[0] ?? '')
    expect(await wcagViolations(doctor)).toEqual([])
    await patients.getByRole('button', { name: `Read the history of ${patientAddress}` }).click()
    const history = doctor.getByRole('region', { name: `Follow-up with ${patientAddress}` }).getByRole('region', { name: "The patient's history" })
    const status = history.getByRole('status').first()
    await expect(status).toContainText("received directly from the patient's keeper.", { timeout: 90_000 })
    const [, read, blocks, closed] = (/^([\d,]+) records in ([\d,]+) blocks, received directly from the patient's keeper\. ([\d,]+) blocks cannot be read with the keys you were given\.$/.exec((await status.textContent()) ?? '') ?? []).map((n) => Number(n.replaceAll(',', '')))
    expect(blocks).toBe(count)
    expect(read).toBeGreaterThan(0)
    expect(closed).toBeGreaterThan(0)
    expect((read ?? 0) + (closed ?? 0)).toBe(count)
    await history.getByText(/Table of the records shown/).click()
    await expect(history.getByRole('row').filter({ hasText: 'Penicillin (demo data)' })).toHaveCount(1)
    await expect(history.getByRole('row').filter({ hasText: 'Myocardial infarction' })).toHaveCount(0)
    // Read only: an emergency grant writes nothing into the patient's history.
    await expect(history.getByRole('form', { name: "Write into the patient's history" })).toHaveCount(0)

    // The patient, back for a moment, revokes the doctor; the guardian's second grant for them is refused.
    await revoke(publicClient, walletOf(patientAccount.privateKey), { ledger: config.contracts.consentLedger, doctor: doctorAddress })
    await guardian.reload()
    const again = guardian.getByRole('region', { name: 'Act for someone I am guardian of' })
    const secondForm = again.getByRole('list', { name: 'Patients you are a guardian of' }).getByRole('form', { name: `Patient ${patientAddress}` })
    await secondForm.getByRole('textbox', { name: "Treating doctor's address" }).fill(doctorAddress)
    await secondForm.getByRole('button', { name: `Grant emergency access to ${patientAddress}'s history` }).click()
    await expect(again.getByRole('alert')).toContainText(/revoked/i)
    await expect(again).toContainText("No emergency access is live on this patient's history.")
  } finally {
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)))
    await browser.close()
  }
})
