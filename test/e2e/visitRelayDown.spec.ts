// A relay that is down during a visit: the doctor's request fails with a message that names the
// relay, nothing is lost, and a visit works again once the relay is back. A patient whose app has
// no relay cannot hand out an invite no one could use. The test runs its own relay.
import { expect, test } from '@playwright/test'
import path from 'node:path'
import { freePort } from '../../scripts/stack/ports.ts'
import { startRelay } from '../../scripts/stack/relay.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { appUrl, askForAccess, expectStackLive, stackConfig, statusStrip, twoPeoplesPages, useDevelopmentAccount } from './fixtures.ts'

const keyFile = path.resolve(import.meta.dirname, '../../.stack/e2e-visit-relay.key')
const doctorAccount = developmentAccounts[1]
if (doctorAccount === undefined) throw new Error('no development account 1')

test('a relay that is down: a clear message, no invite no one could use, and the visit goes on once it is back', async () => {
  test.setTimeout(120_000)
  const port = await freePort()
  let relay = await startRelay({ port, keyFile })
  const { patient, doctor, close } = await twoPeoplesPages({ ...stackConfig(), relays: [relay.multiaddr] })
  try {
    await patient.goto(`${appUrl()}#/visit`)
    await expectStackLive(patient)
    await useDevelopmentAccount(doctor, 'Doctor', doctorAccount.address)
    await expectStackLive(doctor, 'Doctor')

    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()

    await relay.stop()
    await expect(statusStrip(doctor)).toContainText('relay unreachable, retrying', { timeout: 8_000 })
    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Lise Meitner')
    await expect(doctor.getByRole('alert')).toContainText("Could not reach the patient's device: your app is not connected to the relay", { timeout: 30_000 })
    // A new invite now would name no way in: the patient's app says why instead of showing one.
    await expect(statusStrip(patient)).toContainText('relay unreachable, retrying', { timeout: 8_000 })
    await patient.getByRole('button', { name: 'Cancel invite' }).click()
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    await expect(patient.getByRole('alert')).toContainText('Your app is not connected to the relay')
    await expect(patient.getByRole('img', { name: 'QR code of the visit link' })).toHaveCount(0)

    relay = await startRelay({ port, keyFile })
    await expect(statusStrip(patient)).toContainText('relay reserved', { timeout: 20_000 })
    await expect(statusStrip(doctor)).toContainText('relay reserved', { timeout: 20_000 })
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const second = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
    await doctor.goto(second)
    await askForAccess(doctor, 'Dr Lise Meitner')
    const request = patient.getByRole('region', { name: 'Request from Dr Lise Meitner' })
    await expect(request).toContainText(doctorAccount.address, { timeout: 30_000 })
    await request.getByRole('button', { name: 'Decline' }).click()
    await expect(doctor.getByText('The patient declined. Nothing was shared.')).toBeVisible()
  } finally {
    await close()
    await relay.stop()
  }
})
