// A grant that expires during a visit: the doctor's app says their access ended and withdraws the
// form, and the patient's app, opened again, moves the history to a new key and says so. The test
// runs its own chain (and relay), whose clock it moves a day on.
import { expect, test } from '@playwright/test'
import path from 'node:path'
import { startLocalStack, type LocalStack } from '../../scripts/stack/localStack.ts'
import { freePort } from '../../scripts/stack/ports.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { appUrl, askForAccess, expectStackLive, twoPeoplesPages, useConfig, useDevelopmentAccount } from './fixtures.ts'

const doctorAccount = developmentAccounts[1]
if (doctorAccount === undefined) throw new Error('no development account 1')

async function rpc(url: string, method: string, params: unknown[]): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = (await response.json()) as { error?: { message: string } }
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
}

test('a grant that expires during the visit ends the doctor’s access and moves the history to a new key', async () => {
  test.setTimeout(150_000)
  const root = path.resolve(import.meta.dirname, '../..')
  const stack: LocalStack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'e2e-expiry-relay.key') })
  const { patient, doctor, close } = await twoPeoplesPages(stack.config)
  try {
    await patient.goto(`${appUrl()}#/visit`)
    await expectStackLive(patient)
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()

    await useDevelopmentAccount(doctor, 'Doctor', doctorAccount.address)
    await expectStackLive(doctor, 'Doctor')
    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Chien-Shiung Wu')

    const request = patient.getByRole('region', { name: 'Request from Dr Chien-Shiung Wu' })
    await expect(request).toContainText(doctorAccount.address, { timeout: 30_000 })
    await request.getByRole('combobox', { name: 'For how long' }).selectOption({ label: '1 day' })
    await request.getByRole('checkbox', { name: /They may add records/ }).check()
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText(/^Approved: /, { timeout: 30_000 })
    const reading = doctor.getByRole('region', { name: "The patient's history" })
    await expect(reading.getByRole('form', { name: "Write into the patient's history" })).toBeVisible({ timeout: 30_000 })

    // The patient's page closes (an open one would also find the expiry within a minute), and a day and
    // ten minutes pass on the ledger.
    const context = patient.context()
    await patient.close()
    await rpc(stack.config.chain.rpcUrl, 'evm_increaseTime', [24 * 3600 + 600])
    await rpc(stack.config.chain.rpcUrl, 'evm_mine', [])

    // The doctor's app asks the ledger now and then; no event announces an expiry.
    await expect(reading.getByText(/^Your access to this history has ended/)).toBeVisible({ timeout: 45_000 })
    await expect(reading.getByRole('form', { name: "Write into the patient's history" })).toHaveCount(0)

    // The patient's app looks for expired grants when the history opens (and every minute after).
    const again = await context.newPage()
    await useConfig(again, stack.config)
    await again.goto(`${appUrl()}#/visit`)
    await expectStackLive(again)
    await expect(again.getByRole('region', { name: 'Who has access now' }).getByRole('status')).toContainText(
      'A grant expired, so your history now uses a new key (epoch 1).',
      { timeout: 30_000 }
    )
    await expect(again.getByRole('region', { name: 'Who has access now' })).not.toContainText(doctorAccount.address.slice(0, 6))
  } finally {
    await close()
    await stack.stop()
  }
})
