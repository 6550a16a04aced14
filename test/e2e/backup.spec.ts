// The encrypted backup, in real browsers over the local chain and relay: the patient downloads a
// backup of the demo history (a CAR file holding no record text and no FHIR field name in the
// clear), and a fresh browser with the same development wallet restores it and shows every record;
// a damaged copy and another wallet's backup are refused with the reason, and import nothing. Both
// controls are used with the keyboard alone, and the offer with its refusal passes axe's WCAG rules.
import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { CarIndexer } from '@ipld/car/indexer'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { demoRecordsFor } from '../../src/history/index.ts'
import { appUrl, expectStackLive, twoPeoplesPages, useDevelopmentAccount } from './fixtures.ts'

const DEMO_RECORDS = 50
const go = (page: Page, link: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
const ownHistory = (page: Page): Locator => page.getByRole('region', { name: 'Your history', exact: true })

/** Opens the connected wallet's history on `page`, from My history. */
async function openHistory(page: Page): Promise<void> {
  await go(page, 'My history')
  await page.getByRole('button', { name: 'Open my history' }).click()
  await expect(ownHistory(page).getByRole('status').first()).toBeVisible()
}

/** Loads the demo patient into the open history; the number of records it shows. */
async function loadDemo(page: Page): Promise<number> {
  const own = ownHistory(page)
  await own.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: `${DEMO_RECORDS} records` })
  await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
  await expect(own).toContainText(/Added \d+ demo records/)
  const added = Number(/Added (\d+) demo records/.exec((await own.textContent()) ?? '')?.[1])
  // The count on screen follows a moment later (redraws are spaced while records stream in).
  await expect(own.getByRole('status').first()).toHaveText(`${added} records in ${added} blocks, encrypted in this browser.`)
  return added
}

/** Downloads the backup from Settings, with the keyboard, as the browser saves it: its file name and bytes. */
async function downloadBackup(page: Page): Promise<{ name: string; bytes: Buffer }> {
  await go(page, 'Settings')
  const section = page.getByRole('region', { name: 'Encrypted backup' })
  // With the keyboard alone: Tab to the button, Enter.
  await tabTo(page, section.getByRole('button', { name: 'Download an encrypted backup' }))
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
  const path = test.info().outputPath(`${test.info().workerIndex}-${Date.now()}-${download.suggestedFilename()}`)
  await download.saveAs(path)
  await expect(section.getByRole('status').first()).toContainText(`Saved ${download.suggestedFilename()}`)
  return { name: download.suggestedFilename(), bytes: await readFile(path) }
}

/** Presses Tab until `target` has the focus, as a keyboard user reaches it. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await page.keyboard.press('Tab')
    if (await target.evaluate((element) => element === document.activeElement)) return
  }
  throw new Error('the control cannot be reached with the keyboard')
}

/** Every string in `value` (keys and values), at any depth. */
function stringsOf(value: unknown, out = { keys: new Set<string>(), values: new Set<string>() }): { keys: Set<string>; values: Set<string> } {
  if (typeof value === 'string') out.values.add(value)
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.keys.add(key)
      stringsOf(item, out)
    }
  }
  return out
}

test('a backup restores the whole history on a fresh browser with the same wallet; a damaged one and another wallet\'s are refused, importing nothing', async () => {
  test.setTimeout(240_000)
  const { patient: laptop, doctor: phone, close } = await twoPeoplesPages()
  try {
    const patient = developmentAccounts[0]
    const otherPatient = developmentAccounts.find((account) => account.label === 'Second patient')
    if (patient === undefined || otherPatient === undefined) throw new Error('the development accounts changed')

    // The patient writes the demo history on the laptop and downloads a backup.
    await laptop.goto(appUrl())
    await expectStackLive(laptop)
    await openHistory(laptop)
    const count = await loadDemo(laptop)
    expect(count).toBeGreaterThan(40)
    const backup = await downloadBackup(laptop)
    expect(backup.name).toBe(`anamnesis-backup-${new Date().toISOString().slice(0, 10)}.car`)

    // Ciphertext only: no text of any record, and no FHIR field name, appears in the file.
    const file = backup.bytes.toString('latin1')
    const records = stringsOf(demoRecordsFor(patient.address.toLowerCase(), DEMO_RECORDS))
    const texts = [...records.values].filter((text) => text.length >= 6 && text.toLowerCase() !== patient.address.toLowerCase())
    const fieldNames = [...records.keys].filter((key) => key.length >= 6)
    expect(texts.length).toBeGreaterThan(50)
    expect(fieldNames).toEqual(expect.arrayContaining(['resourceType', 'clinicalStatus']))
    expect(texts.filter((text) => file.includes(text))).toEqual([])
    expect(fieldNames.filter((key) => file.includes(key))).toEqual([])

    // Another wallet's backup, made in a browser context of its own.
    const otherContext = await laptop.context().browser()?.newContext()
    if (otherContext === undefined) throw new Error('no browser')
    const other = await otherContext.newPage()
    await useDevelopmentAccount(other, otherPatient.label, otherPatient.address)
    await openHistory(other)
    await loadDemo(other)
    const theirs = await downloadBackup(other)
    // The laptop goes away: whatever the fresh browser shows from here on came from the file.
    await otherContext.close()
    await laptop.close()

    // A fresh browser, the same development wallet: an empty history that offers a restore.
    await phone.goto(appUrl())
    await expectStackLive(phone)
    await openHistory(phone)
    const own = ownHistory(phone)
    const empty = 'Your history is empty. It is kept encrypted in this browser.'
    await expect(own.getByRole('status').first()).toHaveText(empty)
    const restore = own.getByLabel('Restore from a backup')

    // A damaged copy: one byte flipped inside the tenth block (an entry).
    const damaged = Buffer.from(backup.bytes)
    const blocks: { blockOffset: number; blockLength: number }[] = []
    for await (const block of await CarIndexer.fromBytes(backup.bytes)) blocks.push(block)
    const tenth = blocks[9]
    if (tenth === undefined) throw new Error('the backup holds fewer than ten blocks')
    const at = tenth.blockOffset + Math.floor(tenth.blockLength / 2)
    damaged[at] = (damaged[at] ?? 0) ^ 0x01
    await restore.setInputFiles({ name: backup.name, mimeType: 'application/vnd.ipld.car', buffer: damaged })
    await expect(own.getByRole('alert')).toContainText(/^The backup was not restored: This backup is damaged: the content of block \w+ does not match its hash, so the file was altered or corrupted\. Nothing was imported\.$/)
    await expect(own.getByRole('status').first()).toHaveText(empty)
    // Cut short.
    await restore.setInputFiles({ name: backup.name, mimeType: 'application/vnd.ipld.car', buffer: backup.bytes.subarray(0, backup.bytes.length - 100) })
    await expect(own.getByRole('alert')).toContainText(/damaged \(cut short or altered\).*Nothing was imported\.$/)
    // Another wallet's history.
    await restore.setInputFiles({ name: theirs.name, mimeType: 'application/vnd.ipld.car', buffer: theirs.bytes })
    await expect(own.getByRole('alert')).toContainText(`This backup is of another wallet's history (${otherPatient.address.toLowerCase()}), not of yours (${patient.address.toLowerCase()}): only that wallet can restore it. Nothing was imported.`)
    await expect(own.getByRole('status').first()).toHaveText(empty)
    // The offer and its refusal, as axe checks a page: names, contrast, landmarks.
    const axe = await new AxeBuilder({ page: phone }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    expect(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
    // Nothing of them was stored: after a reload the history is still empty.
    await phone.reload()
    await expect(own.getByRole('status').first()).toHaveText(empty, { timeout: 30_000 })

    // The backup itself: every record comes back, on the timeline and in its table.
    await own.getByLabel('Restore from a backup').setInputFiles({ name: backup.name, mimeType: 'application/vnd.ipld.car', buffer: backup.bytes })
    await expect(own.getByRole('status').first()).toHaveText(`${count} records in ${count} blocks, encrypted in this browser.`, { timeout: 30_000 })
    await expect(own).toContainText(`Restored ${count} blocks from the backup. Your history shows them now.`)
    await expect(own.getByRole('alert')).toHaveCount(0)
    await phone.getByText(/Table of the records shown/).click()
    await expect(phone.getByRole('row').filter({ hasText: 'Penicillin (demo data)' }).filter({ hasText: 'allergy' })).toHaveCount(1)

    // Restored again, from Settings: nothing new, nothing lost.
    await go(phone, 'Settings')
    const settings = phone.getByRole('region', { name: 'Encrypted backup' })
    // With the keyboard alone: Tab to the file input, Space opens the file chooser.
    await tabTo(phone, settings.getByLabel('Restore from a backup'))
    const [chooser] = await Promise.all([phone.waitForEvent('filechooser'), phone.keyboard.press('Space')])
    await chooser.setFiles({ name: backup.name, mimeType: 'application/vnd.ipld.car', buffer: backup.bytes })
    await expect(settings).toContainText(`Nothing new: your history already holds all ${count} blocks of this backup.`)
    await go(phone, 'My history')
    await expect(own.getByRole('status').first()).toHaveText(`${count} records in ${count} blocks, encrypted in this browser.`)
    // And it stays after a reload.
    await phone.reload()
    await expect(own.getByRole('status').first()).toHaveText(`${count} records in ${count} blocks, encrypted in this browser.`, { timeout: 30_000 })
  } finally {
    await close()
  }
})
