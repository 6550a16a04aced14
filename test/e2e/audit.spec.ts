// The patient's audit trail and guardians, against the real ledger: what the patient does in
// the app, and what happens on-chain meanwhile, appears in the trail without a reload.
import { expect, test } from '@playwright/test'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { grant, publishEncryptionKey } from '../../src/chain/index.ts'
import { formatDay } from '../../src/format/index.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { connectBrowserWallet, derivedKeys, fundedAccount, stackConfig } from './fixtures.ts'

const [, doctor, , guardian] = developmentAccounts
if (doctor === undefined || guardian === undefined) throw new Error('development accounts missing')

test('a guardian added and removed in Settings, and a grant made meanwhile, appear in the audit trail live', async ({ page }) => {
  const config = stackConfig()
  // A patient of this test's own: a guardian removed is an end of access, and a fresh device of the shared
  // patient would move its history to a new key for it, which later tests of that patient do not expect.
  const patient = await fundedAccount()
  await connectBrowserWallet(page, 'Patient wallet', patient.privateKey)
  const section = page.getByRole('region', { name: 'Guardians' })
  await expect(section).toContainText('You have named no guardians.')

  // A malformed address is refused before any transaction.
  await section.getByRole('textbox', { name: "Guardian's address" }).fill('0x1234')
  await section.getByRole('button', { name: 'Add guardian' }).click()
  await expect(section.getByRole('alert')).toContainText('is not an Ethereum address')
  await expect(section).toContainText('You have named no guardians.')

  await section.getByRole('textbox', { name: "Guardian's address" }).fill(guardian.address)
  await section.getByRole('button', { name: 'Add guardian' }).click()
  await expect(section.getByRole('list', { name: 'Your guardians' })).toContainText(guardian.address)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click()
  const trail = page.getByRole('list', { name: 'Audit trail entries, newest first' })
  await expect(trail).toContainText('0x90F7…b906 was named a guardian')

  // A grant the patient's wallet sends from elsewhere lands in the open page without a reload.
  const transport = http(config.chain.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport })
  const doctorWallet = createWalletClient({ account: privateKeyToAccount(doctor.privateKey), chain: foundry, transport })
  const patientWallet = createWalletClient({ account: privateKeyToAccount(patient.privateKey), chain: foundry, transport })
  // The doctor's real key, as their app derives it here: a later visit of theirs unlocks against it.
  const doctorKey = (await derivedKeys(doctor.privateKey)).encryption.publicKey
  await publishEncryptionKey(publicClient, doctorWallet, { registry: config.contracts.keyRegistry, publicKey: doctorKey, version: 1 })
  const expiry = new Date(Date.now() + 30 * 24 * 3600 * 1000)
  await grant(publicClient, patientWallet, {
    ledger: config.contracts.consentLedger,
    registry: config.contracts.keyRegistry,
    doctor: doctor.address,
    expiry,
    scope: { categories: ['conditions', 'medications'], mayWrite: false }
  })
  await expect(trail.getByRole('listitem').first()).toContainText(`Dr 0x7099…79C8 was granted read access to conditions, medications until ${formatDay(expiry)}`)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await page.getByRole('button', { name: `Remove guardian ${guardian.address}` }).click()
  await expect(page.getByRole('region', { name: 'Guardians' })).toContainText('You have named no guardians.')
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click()
  await expect(trail.getByRole('listitem').first()).toContainText('0x90F7…b906 is no longer a guardian')
  await expect(trail.getByRole('listitem')).toHaveCount(3)
})
