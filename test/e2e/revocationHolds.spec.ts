// A revocation holds even when the move to a new key did not happen where it was made: the
// patient's page closed between the revoke transaction and the move, or another device of the
// patient was closed at the time. Each test runs its own chain and relay, so the revocations
// it makes leave the other specs' accounts as they were.
import { chromium, expect, test, type Browser, type Locator, type Page } from '@playwright/test'
import path from 'node:path'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/stack/chromium.ts'
import { startLocalStack, type LocalStack } from '../../scripts/stack/localStack.ts'
import { freePort } from '../../scripts/stack/ports.ts'
import { revoke } from '../../src/chain/index.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import type { AppConfig } from '../../src/config/index.ts'
import { appUrl, askForAccess, expectStackLive, startVisit, twoPeoplesPages, useConfig, useDevelopmentAccount } from './fixtures.ts'

const account = (index: number): (typeof developmentAccounts)[number] => {
  const found = developmentAccounts[index]
  if (found === undefined) throw new Error(`no development account ${index}`)
  return found
}
const patientAccount = account(0)
const doctorAccount = account(1)
const root = path.resolve(import.meta.dirname, '../..')

const startStack = async (name: string): Promise<LocalStack> =>
  startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', `e2e-${name}-relay.key`) })

const ownHistory = (page: Page): Locator => page.getByRole('region', { name: 'Your history' })
const go = (page: Page, link: 'My history' | 'Visit' | 'Settings'): Promise<void> => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()

/** What the patient's status line says of a history of `records` records, one block each (key drops are neither). */
const stored = (records: number): string => `${records} records in ${records} blocks, encrypted in this browser.`

/** Opens the patient's history on this page (the wallet signs the first time) and loads the smallest demo; how many records it holds. */
async function historyWithDemo(page: Page): Promise<number> {
  await page.goto(appUrl())
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Open my history' }).click()
  await ownHistory(page).getByRole('combobox', { name: 'Demo size' }).selectOption({ label: '50 records' })
  await ownHistory(page).getByRole('button', { name: 'Load the demo patient into my history' }).click()
  await expect(ownHistory(page)).toContainText(/Added \d+ demo records/)
  const records = Number((/Added (\d+) demo records/.exec((await ownHistory(page).textContent()) ?? '') ?? [])[1])
  expect(records).toBeGreaterThan(40)
  await expect(ownHistory(page).getByRole('status').first()).toHaveText(stored(records))
  return records
}

/** The patient adds a symptom from the history page; waits until the form says it was added. */
async function addSymptom(page: Page, text: string): Promise<void> {
  await go(page, 'My history')
  await ownHistory(page).getByText('Add a record: a symptom or problem').click()
  const form = ownHistory(page).getByRole('form', { name: 'Add to my history' })
  await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
  await form.getByRole('textbox', { name: 'Symptom or problem' }).fill(text)
  await form.getByRole('button', { name: 'Add symptom' }).click()
  await expect(form.getByRole('status')).toContainText('Symptom added')
}

/** The patient starts a visit, the doctor asks for access with the link, and the patient approves; returns the doctor's view of the history once it has all `records`. */
async function visit(patient: Page, doctor: Page, records: number): Promise<Locator> {
  const link = await startVisit(patient)
  await useDevelopmentAccount(doctor, 'Doctor', doctorAccount.address)
  await expectStackLive(doctor, 'Doctor')
  await doctor.goto(link)
  await askForAccess(doctor, 'Dr Lise Meitner')
  const request = patient.getByRole('region', { name: 'Request from Dr Lise Meitner' })
  await expect(request).toContainText(doctorAccount.address, { timeout: 30_000 })
  // Every kind of record: the doctor reads all of it until the revocation.
  await request.getByRole('checkbox', { name: 'Notes' }).check()
  await request.getByRole('button', { name: 'Approve' }).click()
  await expect(request.getByRole('status').first()).toContainText(/^Approved: /, { timeout: 30_000 })
  const reading = doctor.getByRole('region', { name: "The patient's history" })
  await expect(reading.getByRole('status').first()).toHaveText(`${records} records in ${records} blocks, received directly from the patient's device.`, { timeout: 60_000 })
  return reading
}

/**
 * The revoked doctor's browser, still open on the history, is told their access ended and gets nothing new:
 * what they hold stays as it was, without the patient's new record.
 */
async function revokedDoctorReadsNothingNew(doctor: Page, reading: Locator, records: number, newRecord: string): Promise<void> {
  await expect(reading.getByText(/^Your access to this history has ended/)).toBeVisible({ timeout: 45_000 })
  // The patient's devices announce new heads at once; a few seconds is ample for a peer that still synced.
  await doctor.waitForTimeout(3_000)
  await expect(reading.getByRole('status').first()).toHaveText(`${records} records in ${records} blocks, received directly from the patient's device.`)
  await doctor.getByText(/Table of the records shown/).click()
  await expect(reading.getByRole('table')).toContainText('Penicillin (demo data)')
  await expect(reading.getByRole('table')).not.toContainText(newRecord)
}

/** Sends the patient's revoke transaction from outside the app, as the page did just before it closed. */
async function revokeOnChain(config: AppConfig): Promise<void> {
  const transport = http(config.chain.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport })
  const wallet = createWalletClient({ account: privateKeyToAccount(patientAccount.privateKey), chain: foundry, transport })
  await revoke(publicClient, wallet, { ledger: config.contracts.consentLedger, doctor: doctorAccount.address })
}

test('the page closes between the revoke transaction and the move to a new key: the next open makes the move, and the revoked doctor gets nothing new', async () => {
  test.setTimeout(240_000)
  const stack = await startStack('revocation-closed')
  const { patient, doctor, close } = await twoPeoplesPages(stack.config)
  try {
    const records = await historyWithDemo(patient)
    const reading = await visit(patient, doctor, records)

    // The page closes; the revoke transaction it sent lands, and nothing moved the history to a new key.
    const context = patient.context()
    await patient.close()
    await revokeOnChain(stack.config)

    // The patient's app opens again on the same device: it finds the revocation on the ledger and makes the move.
    const again = await context.newPage()
    await useConfig(again, stack.config)
    await again.goto(`${appUrl()}#/visit`)
    await expectStackLive(again)
    const access = again.getByRole('region', { name: 'Who has access now' })
    await expect(access.getByRole('status')).toContainText('A revocation had not yet moved your history to a new key, so your history now uses a new key (epoch 1).', { timeout: 30_000 })
    await expect(access).not.toContainText(doctorAccount.address.slice(0, 6))

    await addSymptom(again, 'Wheezing at night')
    await expect(ownHistory(again).getByRole('status').first()).toHaveText(stored(records + 1))
    await revokedDoctorReadsNothingNew(doctor, reading, records, 'Wheezing at night')
  } finally {
    await close()
    await stack.stop()
  }
})

test('a device of the patient that was closed during a revocation writes afterwards under a new key, and the other device reads what it wrote', async () => {
  test.setTimeout(300_000)
  const stack = await startStack('revocation-device')
  const { patient: laptop, doctor, close } = await twoPeoplesPages(stack.config)
  let phoneBrowser: Browser | undefined
  try {
    phoneBrowser = await chromium.launch({ headless: true, executablePath: chromiumPath(), args: CHROMIUM_ARGS })
    const phoneContext = await phoneBrowser.newContext()
    let phone = await phoneContext.newPage()
    await useConfig(phone, stack.config)

    // The laptop holds the history; the phone, with the same wallet, copies it over a direct connection.
    const records = await historyWithDemo(laptop)
    await phone.goto(appUrl())
    await expectStackLive(phone)
    await phone.getByRole('button', { name: 'Open my history' }).click()
    await connectTo(phone, laptop)
    await go(phone, 'My history')
    await expect(ownHistory(phone).getByRole('status').first()).toHaveText(stored(records), { timeout: 30_000 })
    const reading = await visit(laptop, doctor, records)

    // The phone is closed; the patient revokes on the laptop, which moves its history to a new key, and is closed in turn.
    await phone.close()
    await laptop.getByRole('button', { name: `Revoke access of ${doctorAccount.address}` }).click()
    await expect(laptop.getByRole('region', { name: 'Who has access now' })).toContainText('Your history now uses a new key (epoch 1)')
    const laptopContext = laptop.context()
    await laptop.close()

    // The phone opens again with no other device to learn from: the ledger tells it to move on, and it writes under its new key.
    phone = await phoneContext.newPage()
    await useConfig(phone, stack.config)
    await phone.goto(`${appUrl()}#/visit`)
    await expectStackLive(phone)
    await expect(phone.getByRole('region', { name: 'Who has access now' }).getByRole('status')).toContainText(
      'A revocation had not yet moved your history to a new key, so your history now uses a new key (epoch 1).',
      { timeout: 30_000 }
    )
    await addSymptom(phone, 'Short of breath on the stairs')
    await expect(ownHistory(phone).getByRole('status').first()).toHaveText(stored(records + 1))

    // The laptop opens again and the two devices meet: the laptop reads what the phone sealed under the key it made.
    const back = await laptopContext.newPage()
    await useConfig(back, stack.config)
    await back.goto(appUrl())
    await expectStackLive(back)
    await connectTo(back, phone)
    await go(back, 'My history')
    await expect(ownHistory(back).getByRole('status').first()).toHaveText(stored(records + 1), { timeout: 30_000 })
    await back.getByText(/Table of the records shown/).click()
    await expect(back.getByRole('table')).toContainText('Short of breath on the stairs')

    await revokedDoctorReadsNothingNew(doctor, reading, records, 'Short of breath on the stairs')
  } finally {
    await close()
    await phoneBrowser?.close()
    await stack.stop()
  }
})

/** `from` connects directly to `to`, by the address `to` shows in its Settings. */
async function connectTo(from: Page, to: Page): Promise<void> {
  await go(to, 'Settings')
  const address = await to.getByRole('textbox', { name: "This device's address for a direct connection" }).inputValue()
  await go(from, 'Settings')
  const network = from.getByRole('region', { name: 'Peer-to-peer network' })
  await network.getByRole('textbox', { name: 'Peer address' }).fill(address)
  await network.getByRole('button', { name: 'Connect to peer' }).click()
  await expect(network.getByRole('status')).toHaveText('Connected directly (WebRTC), not through the relay.', { timeout: 30_000 })
}
