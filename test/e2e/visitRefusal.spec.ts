// The patient's wallet refuses the grant transaction: nothing is shared, the request stays open
// with a clear message, the doctor keeps waiting, and the patient's next approval goes through.
// Both people use a browser wallet (EIP-6963) whose answers the test controls.
import { expect, test } from '@playwright/test'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { askForAccess, connectAnnouncedWallet, stackConfig, startVisit, twoPeoplesPages } from './fixtures.ts'
import { injectWallet } from './injectedWallet.ts'

// Anvil's accounts 7 and 8: funded on the local chain, and used by no other test.
const patientKey: Hex = '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356'
const doctorKey: Hex = '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97'
const doctorAddress = privateKeyToAccount(doctorKey).address

test("the patient's wallet refuses the grant: nothing is shared, the request stays, and approving again works", async () => {
  test.setTimeout(120_000)
  const config = stackConfig()
  const { patient, doctor, close } = await twoPeoplesPages()
  try {
    // The patient's wallet signs (their keys open) but refuses transactions, until the test allows them.
    const refused = ['eth_sendTransaction']
    await injectWallet(patient, { name: 'Patient Wallet', privateKey: patientKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id, refuse: refused })
    await injectWallet(doctor, { name: 'Doctor Wallet', privateKey: doctorKey, rpcUrl: config.chain.rpcUrl, chainId: config.chain.id })

    await connectAnnouncedWallet(patient, 'Patient Wallet')
    const link = await startVisit(patient)

    await connectAnnouncedWallet(doctor, 'Doctor Wallet')
    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Grace Hopper')

    const request = patient.getByRole('region', { name: 'Request from Dr Grace Hopper' })
    await expect(request).toContainText(doctorAddress, { timeout: 30_000 })
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('alert')).toHaveText('The wallet declined to grant access. Nothing was sent.', { timeout: 30_000 })
    // Nothing was granted or shared: the request is still there to approve, the doctor still waits,
    // and no grant is listed.
    await expect(request.getByRole('button', { name: 'Approve' })).toBeEnabled()
    await expect(doctor.getByText('Waiting for the patient to decide…')).toBeVisible()
    await expect(patient.getByRole('region', { name: 'Who has access now' })).not.toContainText(doctorAddress.slice(0, 6))

    refused.splice(0)
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText(/^Approved: /, { timeout: 30_000 })
    await expect(request.getByRole('alert')).toHaveCount(0)
    await expect(doctor.getByText(/^Access granted: /)).toBeVisible({ timeout: 30_000 })
    await expect(patient.getByRole('list', { name: 'Current grants' })).toContainText(`Dr ${doctorAddress.slice(0, 6)}…${doctorAddress.slice(-4)}`)
  } finally {
    await close()
  }
})
