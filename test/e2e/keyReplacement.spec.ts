// A patient whose keys may be exposed replaces them in Settings, in two real browsers over a real
// chain and relay: the wallet signs for the next key version, the registry records it (version
// 2, the key the new signature derives), the history moves to a new epoch, and what the patient
// writes next is sealed under it; the doctor who keeps access reads it, and a reload opens the
// history under the new keys without asking the wallet.
import { expect, test, type Locator, type Page } from '@playwright/test'
import { bytesToHex, createPublicClient, http } from 'viem'
import { readEncryptionKey } from '../../src/chain/index.ts'
import { askForAccess, connectBrowserWallet, derivedKeys, fundedAccount, stackConfig, twoPeoplesPages } from './fixtures.ts'

/** Adds one symptom through the patient's own form. */
async function addSymptom(own: Locator, words: string): Promise<void> {
  const form = own.getByRole('form', { name: 'Add to my history' })
  if (!(await form.isVisible())) await own.getByText('Add a record: a symptom or problem').click()
  await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
  await form.getByRole('textbox', { name: 'Symptom or problem' }).fill(words)
  await form.getByRole('button', { name: 'Add symptom' }).click()
  await expect(form.getByRole('status')).toContainText('Symptom added')
}

const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

test('replacing exposed keys registers the next version, moves the history under it, and the doctor who keeps access reads what follows', async () => {
  test.setTimeout(180_000)
  const { patient, doctor, close } = await twoPeoplesPages()
  try {
    const patientAccount = await fundedAccount()
    const doctorAccount = await fundedAccount()
    const registry = () => readEncryptionKey(createPublicClient({ transport: http(stackConfig().chain.rpcUrl) }), { registry: stackConfig().contracts.keyRegistry, user: patientAccount.address })

    // The patient registers their key, opens their history and writes a first record.
    await connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey)
    const keySection = patient.getByRole('region', { name: 'Encryption key' })
    await keySection.getByRole('button', { name: 'Register my encryption key' }).click()
    await expect(keySection).toContainText(/Your key was registered in block \d+\./)
    // Replacing needs the history open here: until then the button says why it waits.
    await expect(keySection.getByRole('button', { name: 'My keys may be exposed: replace them' })).toBeDisabled()
    await go(patient, 'My history')
    await patient.getByRole('button', { name: 'Open my history' }).click()
    const own = patient.getByRole('region', { name: 'Your history', exact: true })
    await addSymptom(own, 'Headache')
    await expect(own.getByRole('status').first()).toContainText('1 records in 1 blocks')

    // A doctor joins and is granted every category.
    await go(patient, 'Visit')
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
    await connectBrowserWallet(doctor, 'Doctor Wallet', doctorAccount.privateKey)
    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Keys')
    const request = patient.getByRole('region', { name: 'Request from Dr Keys' })
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText('Approved')
    const reading = doctor.getByRole('region', { name: "The patient's history" })
    await expect(reading.getByRole('status').first()).toContainText('1 records in 1 blocks', { timeout: 60_000 })

    // The patient replaces their keys.
    await go(patient, 'Settings')
    await expect(keySection).toContainText('(version 1)')
    await keySection.getByRole('button', { name: 'My keys may be exposed: replace them' }).click()
    await expect(keySection).toContainText(/Your keys were replaced: version 2 is registered \(block \d+\), and your history now uses a new key \(epoch 1\)\./, { timeout: 60_000 })
    const v2 = bytesToHex((await derivedKeys(patientAccount.privateKey, { version: 2 })).encryption.publicKey)
    const v1 = bytesToHex((await derivedKeys(patientAccount.privateKey, { version: 1 })).encryption.publicKey)
    expect(v2).not.toBe(v1)
    expect(await registry()).toEqual({ key: v2, version: 2 })
    await expect(keySection).toContainText(`Registered key: ${v2} (version 2)`)

    // What the patient writes now is sealed under the new epoch; what was there stays readable.
    await go(patient, 'My history')
    await addSymptom(own, 'Dizziness')
    await expect(own.getByRole('status').first()).toContainText('2 records in')
    // The doctor who keeps access got the new epoch's key, and reads the new record.
    await expect(reading.getByRole('status').first()).toContainText('2 records in', { timeout: 60_000 })
    await expect(reading.getByRole('status').first()).not.toContainText('cannot be read')

    // A reload opens the history under the new keys, from this device, without the wallet.
    await patient.reload()
    await expect(own.getByRole('status').first()).toContainText('2 records in', { timeout: 30_000 })
    await go(patient, 'Settings')
    await expect(keySection).toContainText(`Registered key: ${v2} (version 2)`)
  } finally {
    await close()
  }
})
