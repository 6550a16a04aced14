// The visit's main flow in two real browsers, over direct WebRTC, a real relay and a real
// chain: the patient's history reaches the doctor only after the grant, decrypted with the
// key the patient wrapped for them; the doctor writes the diagnostic chain into it and the
// patient sees it, signed by the doctor; after the revocation the doctor is no longer
// offered the form and the patient's new records no longer reach the doctor's browser.
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Locator } from '@playwright/test'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { askForAccess, expectStackLive, startVisit, statusStrip, twoPeoplesPages, useDevelopmentAccount } from './fixtures.ts'

const patientAccount = developmentAccounts[5]
const doctorAccount = developmentAccounts[6]
if (patientAccount === undefined || doctorAccount === undefined) throw new Error('no development accounts 5 and 6')

/** Chooses a kind of record in a record form, fills it and submits; waits for the form to say it was added. */
async function write(form: Locator, kind: string, fill: (form: Locator) => Promise<void>, submit: string): Promise<void> {
  await form.getByRole('radio', { name: kind, exact: true }).check()
  await fill(form)
  await form.getByRole('button', { name: submit }).click()
  // "Add diagnosis" → "Diagnosis added", "Add follow-up" → "Follow-up added".
  const noun = submit.replace(/^Add /, '')
  await expect(form.getByRole('status')).toContainText(`${noun.charAt(0).toUpperCase()}${noun.slice(1)} added`)
}

function countOf(text: string | null): number {
  return Number((/([\d,]+) records in/.exec(text ?? '') ?? [])[1]?.replaceAll(',', '') ?? Number.NaN)
}

test('the doctor reads the patient history over WebRTC, writes the diagnostic chain, and loses access on revoke', async () => {
  test.setTimeout(240_000)
  const { patient, doctor, close } = await twoPeoplesPages()
  try {

    // The patient's own history, with the demo loaded into it.
    await useDevelopmentAccount(patient, 'Second patient', patientAccount.address)
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await patient.getByRole('button', { name: 'Open my history' }).click()
    const own = patient.getByRole('region', { name: 'Your history' })
    await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
    await expect(own).toContainText(/Added \d+ demo records/, { timeout: 30_000 })
    await expect(own.getByRole('status').first()).toContainText(/[\d,]+ records in [\d,]+ blocks/)
    const records = countOf(await own.getByRole('status').first().textContent())
    expect(records).toBeGreaterThan(300)

    const link = await startVisit(patient)

    await useDevelopmentAccount(doctor, 'Third doctor', doctorAccount.address)
    await doctor.goto(link)
    await expectStackLive(doctor, 'Third doctor')
    await askForAccess(doctor, 'Dr Grace Hopper')

    const request = patient.getByRole('region', { name: 'Request from Dr Grace Hopper' })
    await request.getByRole('checkbox', { name: /They may add records/ }).check()
    // Notes (requests, visits, outcomes) are what the doctor will write; family history stays sealed to them.
    await request.getByRole('checkbox', { name: 'Notes' }).check()
    await request.getByRole('checkbox', { name: 'Family history' }).uncheck()
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText('Approved')

    // The doctor's browser replicates and decrypts every record, straight from the patient's.
    const history = doctor.getByRole('region', { name: "The patient's history" })
    // Every block arrives; the family history's blocks cannot be opened with the keys this doctor was given.
    await expect(history.getByRole('status').first()).toContainText(`blocks, received directly from the patient's device.`, { timeout: 60_000 })
    await expect(history.getByRole('status').first()).toContainText(`in ${records.toLocaleString('en')} blocks`)
    const [readable, , sealed] = ((await history.getByRole('status').first().textContent()) ?? '').match(/[\d,]+(?= (?:records?|blocks?)\b)/g)?.map((n) => Number(n.replaceAll(',', ''))) ?? []
    expect(sealed).toBeGreaterThan(0)
    expect((readable ?? 0) + (sealed ?? 0)).toBe(records)
    await history.getByText(/Table of the records shown/).click()
    await expect(history.getByRole('table')).not.toContainText('Myocardial infarction')
    await history.getByText(/Table of the records shown/).click()
    await expect(statusStrip(doctor)).toContainText(/\([1-9]\d* direct, \d+ relayed\)/)
    await expect(history.getByRole('heading', { name: 'Timeline' })).toBeVisible()

    // The doctor writes the chain: request → diagnosis → therapy → follow-up → outcome.
    const form = history.getByRole('form', { name: "Write into the patient's history" })
    const axe = await new AxeBuilder({ page: doctor }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    expect(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
    await write(form, 'Request for more information', (f) => f.getByRole('textbox', { name: 'What is requested' }).fill('Spirometry with reversibility'), 'Add request')
    await write(
      form,
      'Diagnosis',
      async (f) => {
        await f.getByRole('combobox', { name: 'ICD-10 code' }).fill('J45.0')
        await f.getByRole('option', { name: /J45\.0 Predominantly allergic asthma/ }).click()
        await f.getByRole('combobox', { name: 'Based on' }).selectOption({ label: 'Request: Spirometry with reversibility' })
      },
      'Add diagnosis'
    )
    await write(
      form,
      'Prescription',
      async (f) => {
        await f.getByRole('textbox', { name: 'Medicine' }).fill('Salbutamol inhaler 100 micrograms')
        await f.getByRole('textbox', { name: 'Dose' }).fill('two puffs when short of breath')
        await f.getByRole('combobox', { name: 'For diagnosis' }).selectOption({ label: 'Condition: Predominantly allergic asthma' })
      },
      'Add prescription'
    )
    await write(
      form,
      'Follow-up visit',
      async (f) => {
        await f.getByLabel('Date of the visit').fill('2026-12-10')
        await f.getByRole('combobox', { name: 'Follows up' }).selectOption({ label: 'Condition: Predominantly allergic asthma' })
      },
      'Add follow-up'
    )
    await write(
      form,
      'Outcome of a therapy',
      async (f) => {
        await f.getByRole('combobox', { name: 'Result' }).selectOption({ label: 'Improved' })
        await f.getByRole('combobox', { name: 'Problem' }).selectOption({ label: 'Condition: Predominantly allergic asthma' })
        await f.getByRole('combobox', { name: 'Therapy or follow-up' }).selectOption({ label: 'Prescription: Salbutamol inhaler 100 micrograms' })
      },
      'Add outcome'
    )

    // The patient's browser receives the five entries, signed by the doctor, as one diagnostic chain.
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await expect(own.getByRole('status').first()).toContainText(`${(records + 5).toLocaleString('en')} records`, { timeout: 30_000 })
    await own.getByRole('checkbox', { name: 'Hide demo records' }).check()
    await patient.getByText(/Table of the records shown/).click()
    const table = patient.getByRole('table')
    await expect(table.getByRole('row')).toHaveCount(6)
    await expect(table).toContainText('Predominantly allergic asthma')
    await expect(table.getByRole('row', { name: /Predominantly allergic asthma/ })).toContainText(`Dr Grace Hopper (name they gave, ${doctorAccount.address})`)
    await table.getByRole('button', { name: 'Predominantly allergic asthma' }).click()
    const chain = patient.getByRole('list', { name: 'Diagnostic chain of Predominantly allergic asthma' })
    for (const step of ['Request:', 'Diagnosis:', 'Therapy:', 'Follow-up:', 'Outcome:']) await expect(chain).toContainText(step)

    // The patient ends the visit by anchoring; both sides then verify every block against the anchor.
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
    await request.getByRole('button', { name: 'End the visit: anchor my history on-chain' }).click()
    await expect(request).toContainText(`Anchored: ${(records + 5).toLocaleString('en')} blocks, in block`)
    await expect(history).toContainText(`Verification: ${records + 5} verified against the patient's latest anchor, 0 not yet anchored, none broken.`, { timeout: 30_000 })
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click()
    await expect(patient.getByRole('list', { name: 'Audit trail entries, newest first' }).getByRole('listitem').first()).toContainText(
      `The history was anchored: ${records + 5} entries`
    )

    // The patient revokes: a new key epoch, and the doctor is told their access ended.
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
    await patient.getByRole('button', { name: `Revoke access of ${doctorAccount.address}` }).click()
    await expect(patient.getByRole('region', { name: 'Who has access now' })).toContainText('Your history now uses a new key (epoch 1)')
    await expect(history).toContainText('Your access to this history has ended', { timeout: 30_000 })

    // The doctor is no longer offered the form (every peer would refuse their entries: test/integration/history.test.ts).
    await expect(form).toHaveCount(0)

    // The patient's new record never reaches the doctor's browser: the patient's device no longer syncs
    // with them (not even as a block they could not read), and what they hold stays as it was.
    const before = await history.getByRole('status').first().textContent()
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await own.getByText('Add a record: a symptom or problem').click()
    const mine = own.getByRole('form', { name: 'Add to my history' })
    await write(mine, 'Symptom or problem', (f) => f.getByRole('textbox', { name: 'Symptom or problem' }).fill('Wheezing at night'), 'Add symptom')
    await expect(own.getByRole('status').first()).toContainText(`${(records + 6).toLocaleString('en')} records`)
    // The patient's device announces new heads at once; a few seconds is ample for a peer that still synced.
    await doctor.waitForTimeout(3_000)
    expect(await history.getByRole('status').first().textContent()).toBe(before)
    expect(before).toContain(`in ${(records + 5).toLocaleString('en')} blocks`)
  } finally {
    await close()
  }
})
