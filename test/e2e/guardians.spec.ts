// A guardian acts for a patient who cannot: in their own browser they find the patient on the
// ledger, let a treating doctor read the emergency records for a few hours, and see that only the
// patient can end it; the patient then sees the emergency grant on their first screen and ends it.
import { expect, test } from '@playwright/test'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { addGuardian, publishEncryptionKey } from '../../src/chain/index.ts'
import { appUrl, connectBrowserWallet, derivedKeys, fundedAccount, stackConfig, wcagViolations } from './fixtures.ts'

test("a guardian grants a treating doctor emergency access in the app, and the patient sees it first and ends it", async ({ page, browser }) => {
  const config = stackConfig()
  const [patient, guardian, doctor, stranger] = await Promise.all([fundedAccount(), fundedAccount(), fundedAccount(), fundedAccount()])
  const transport = http(config.chain.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport })
  const walletOf = (privateKey: `0x${string}`) => createWalletClient({ account: privateKeyToAccount(privateKey), chain: foundry, transport })
  // The patient named the guardian earlier; the doctor uses the app, so their key is registered.
  await addGuardian(publicClient, walletOf(patient.privateKey), { ledger: config.contracts.consentLedger, guardian: guardian.address })
  const doctorKey = (await derivedKeys(doctor.privateKey)).encryption.publicKey
  await publishEncryptionKey(publicClient, walletOf(doctor.privateKey), { registry: config.contracts.keyRegistry, publicKey: doctorKey, version: 1 })

  // Someone the patient never named finds nobody to act for.
  await connectBrowserWallet(page, 'Stranger wallet', stranger.privateKey)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
  await expect(page.getByRole('region', { name: 'Act for someone I am guardian of' })).toContainText('Nobody has named you as their guardian.')

  const guardianPage = await (await browser.newContext()).newPage()
  await connectBrowserWallet(guardianPage, 'Guardian wallet', guardian.privateKey)
  await guardianPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
  const acting = guardianPage.getByRole('region', { name: 'Act for someone I am guardian of' })
  const wards = acting.getByRole('list', { name: 'Patients you are a guardian of' })
  await expect(wards).toContainText(patient.address)
  const form = wards.getByRole('form', { name: `Patient ${patient.address}` })
  const grantButton = form.getByRole('button', { name: `Grant emergency access to ${patient.address}'s history` })

  // Bad input is refused before any transaction, with what to fix.
  await form.getByRole('textbox', { name: "Treating doctor's address" }).fill(doctor.address)
  await form.getByRole('spinbutton', { name: 'Hours (at most 72)' }).fill('73')
  await grantButton.click()
  await expect(acting.getByRole('alert')).toContainText('Choose a whole number of hours from 1 to 72')
  await form.getByRole('textbox', { name: "Treating doctor's address" }).fill(patient.address)
  await form.getByRole('spinbutton', { name: 'Hours (at most 72)' }).fill('12')
  await grantButton.click()
  await expect(acting.getByRole('alert')).toContainText("the patient's own address")
  await expect(acting).toContainText("No emergency access is live on this patient's history.")

  await form.getByRole('textbox', { name: "Treating doctor's address" }).fill(doctor.address)
  await grantButton.click()
  await expect(acting).toContainText(`Emergency access granted to ${doctor.address} for 12 hours.`)
  const live = acting.getByRole('list', { name: `Emergency access live for ${patient.address}` })
  await expect(live).toContainText('read access to conditions, medications, allergies, procedures, immunizations, results')
  await expect(live).toContainText('granted by you')
  await expect(acting).toContainText('A guardian cannot end an emergency grant early: the ledger lets only the patient revoke it.')
  // The app then hands the doctor the emergency keys through the patient's keepers: this patient enrolled none, and the guardian is told.
  await expect(acting.getByRole('alert')).toContainText(`The keys did not reach ${doctor.address}: No keeper of the patient served their history`, { timeout: 30_000 })
  await expect(live.getByRole('button', { name: `Hand the keys on again to ${doctor.address}` })).toBeEnabled()
  expect(await wcagViolations(guardianPage)).toEqual([])

  // The patient, back, sees the emergency grant on the first screen and ends it.
  const patientPage = await (await browser.newContext()).newPage()
  await connectBrowserWallet(patientPage, 'Patient wallet', patient.privateKey)
  await patientPage.goto(appUrl())
  const notice = patientPage.getByRole('region', { name: 'Emergency access to your history' })
  await expect(notice.getByRole('list', { name: 'Emergency grants' })).toContainText(`Your guardian ${guardian.address} let Dr ${doctor.address} in`)
  expect(await wcagViolations(patientPage)).toEqual([])
  await notice.getByRole('button', { name: `End emergency access of ${doctor.address}` }).click()
  await expect(notice.getByRole('status').first()).toContainText('Access revoked')
  await expect(notice.getByRole('list', { name: 'Emergency grants' })).toHaveCount(0)

  await guardianPage.reload()
  await expect(guardianPage.getByRole('region', { name: 'Act for someone I am guardian of' })).toContainText("No emergency access is live on this patient's history.")
})
