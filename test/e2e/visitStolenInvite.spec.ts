// Someone in the waiting room photographs the patient's QR code and asks with it, giving the
// doctor's name: once the doctor's signed request has reached the patient, the invite is spent,
// so the photographer is refused with a clear message, both while the doctor's request waits and
// after it was approved, and the patient's history never opens to them. Three people, each in a
// Chromium of their own, with browser wallets of fresh accounts.
import { expect, test } from '@playwright/test'
import { createPublicClient, http, type Address } from 'viem'
import { consentLedgerAbi } from '../../src/chain/abi.generated.ts'
import { askForAccess, connectBrowserWallet, fundedAccount, stackConfig, startVisit, statusStrip, twoPeoplesPages } from './fixtures.ts'

const USED = 'This invite was already used. Ask the patient to start a new visit.'

test('a second requester with the same invite is refused, while the first waits and after approval, and sees nothing of the history', async ({ browser }) => {
  test.setTimeout(180_000)
  const [patientAccount, doctorAccount, photographerAccount] = await Promise.all([fundedAccount(), fundedAccount(), fundedAccount()])
  const { patient, doctor, close } = await twoPeoplesPages()
  const photographerContext = await browser.newContext()
  try {
    const photographer = await photographerContext.newPage()
    await Promise.all([
      connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey),
      connectBrowserWallet(doctor, 'Doctor Wallet', doctorAccount.privateKey),
      connectBrowserWallet(photographer, 'Photographer Wallet', photographerAccount.privateKey)
    ])
    // What the photograph of the QR code holds: the visit link.
    const link = await startVisit(patient)

    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Ada Lovelace')
    const request = patient.getByRole('region', { name: 'Request from Dr Ada Lovelace' })
    await expect(request).toContainText(doctorAccount.address, { timeout: 30_000 })

    // While the doctor's request waits, the photographer asks in the doctor's name.
    await photographer.goto(link)
    await askForAccess(photographer, 'Dr Ada Lovelace')
    await expect(photographer.getByRole('alert')).toHaveText(USED, { timeout: 60_000 })
    // The patient is not asked: one request, the doctor's.
    await expect(patient.getByRole('region', { name: /^Request from / })).toHaveCount(1)
    await expect(patient.locator('section.request')).not.toContainText(photographerAccount.address)

    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText(/^Approved: /, { timeout: 30_000 })
    await expect(doctor.getByText(/^Access granted: /)).toBeVisible({ timeout: 30_000 })

    // After the approval, the photographer tries again from a fresh start of their app.
    await photographer.goto(link)
    await photographer.reload()
    await expect(statusStrip(photographer)).toContainText('browser wallet (Photographer Wallet)')
    await expect(statusStrip(photographer)).toContainText(/Peer-to-peer: started · peer 12D3Koo\S+ · relay reserved/, { timeout: 20_000 })
    await photographer.getByRole('button', { name: 'Ask for access' }).click()
    await expect(photographer.getByRole('alert')).toHaveText(USED, { timeout: 60_000 })
    await expect(patient.getByRole('region', { name: /^Request from / })).toHaveCount(1)

    // The history stays closed to them: no grant on the patient's side, no history on theirs.
    const access = patient.getByRole('region', { name: 'Who has access now' })
    await expect(access).toContainText(`${doctorAccount.address.slice(0, 6)}…${doctorAccount.address.slice(-4)}`)
    await expect(access).not.toContainText(`${photographerAccount.address.slice(0, 6)}…${photographerAccount.address.slice(-4)}`)
    await expect(photographer.getByRole('region', { name: "The patient's history" })).toHaveCount(0)
    await expect(photographer.getByText(/^Access granted/)).toHaveCount(0)
    // And the ledger holds a grant to the doctor only.
    const { chain, contracts } = stackConfig()
    const ledger = createPublicClient({ transport: http(chain.rpcUrl) })
    const expiryOf = async (doctorAddress: Address): Promise<bigint> =>
      (await ledger.readContract({ address: contracts.consentLedger, abi: consentLedgerAbi, functionName: 'grantOf', args: [patientAccount.address, doctorAddress] }))[0]
    expect(await expiryOf(doctorAccount.address)).toBeGreaterThan(0n)
    expect(await expiryOf(photographerAccount.address)).toBe(0n)
  } finally {
    await photographerContext.close()
    await close()
  }
})
