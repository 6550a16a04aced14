// Records in and out, in a real browser over the local stack, with the keyboard alone: the patient
// imports a Synthea-shaped file (a preview with counts and skipped types, then progress while the
// records are written into IndexedDB), the records appear in the history's views; the same file
// again adds nothing; a broken file writes nothing and says why; an export, saved as the browser
// saves a download, is a FHIR collection Bundle whose re-import adds nothing, and the International
// Patient Summary export an IPS document with the file's problems. axe finds no violation.
import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { importFixture, syntheaBundle } from '../fixtures/importFixtures.ts'
import { appUrl, expectStackLive } from './fixtures.ts'

const ownHistory = (page: Page): Locator => page.getByRole('region', { name: 'Your history', exact: true })

/** Presses Tab (Shift+Tab when `target` comes before the focus) until `target` has the focus, as a keyboard user reaches it. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  const back = await target.evaluate((element) => document.activeElement !== null && document.activeElement !== document.body && (element.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_PRECEDING) !== 0)
  for (let i = 0; i < 300; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
    if (await target.evaluate((element) => element === document.activeElement)) return
  }
  throw new Error('the control cannot be reached with the keyboard')
}

/** Chooses `file` in the import's file input with the keyboard: Tab to it, Space opens the chooser. */
async function chooseFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const input = ownHistory(page).getByLabel('Choose a FHIR file to import')
  await tabTo(page, input)
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')])
  await chooser.setFiles(file)
}

/** Tab to `button` and press Enter. */
async function press(page: Page, button: Locator): Promise<void> {
  await tabTo(page, button)
  await page.keyboard.press('Enter')
}

const recordsLine = (n: number): string => `${n.toLocaleString('en')} records in ${n.toLocaleString('en')} blocks, encrypted in this browser.`

test('import a file with a preview and progress, again adds nothing, a broken file writes nothing, an export re-imported adds nothing, and the summary exports as an IPS document', async ({ page }) => {
  test.setTimeout(240_000)
  await page.goto(appUrl())
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Open my history' }).click()
  const own = ownHistory(page)
  await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')

  // Opened with the keyboard: the import and the export sit in a disclosure on My history.
  await press(page, own.getByText('Import or export records'))
  const json = { name: 'synthea.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(syntheaBundle({ patients: 2, encounters: 120, seed: 11 }))) }
  await chooseFile(page, json)

  // The preview: who is who, counts per category, what is skipped and why; nothing written yet.
  const preview = own.getByRole('region', { name: 'What synthea.json holds' })
  await expect(preview).toContainText('It is a FHIR Bundle (transaction).')
  await expect(preview.getByRole('combobox', { name: /Which of them is you\?/ })).toHaveValue(/patient:/)
  const counts = preview.getByRole('table', { name: 'Records to add to your history' })
  await expect(counts.getByRole('row', { name: /^Conditions \d+$/ })).toBeVisible()
  await expect(counts.getByRole('row', { name: /^Medicines \d+$/ })).toBeVisible()
  const total = Number(((await counts.getByRole('row', { name: /^Total / }).textContent()) ?? '').replace(/\D/g, ''))
  expect(total).toBeGreaterThan(500)
  await expect(preview.getByRole('list').first()).toContainText('Claim: billing is not kept in the history')
  await expect(preview).toContainText('None of it is in your history yet.')
  await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')

  // Written with progress: every value the progress bar shows on the way is recorded.
  await page.evaluate(() => {
    const seen: string[] = []
    ;(window as unknown as { progressSeen: string[] }).progressSeen = seen
    new MutationObserver(() => {
      const bar = document.querySelector('progress[aria-label="Import progress"]')
      if (bar !== null) seen.push(`${bar.getAttribute('value') ?? ''}/${bar.getAttribute('max') ?? ''}`)
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  })
  await press(page, own.getByRole('button', { name: `Write ${total.toLocaleString('en')} records to my history` }))
  await expect(own).toContainText(new RegExp(`Imported ${total.toLocaleString('en')} records from synthea\\.json\\. [\\d,]+ resources of kinds your history does not keep were skipped\\.`), { timeout: 120_000 })
  const progress = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen)
  const partway = progress.filter((p) => {
    const [value, max] = p.split('/').map(Number)
    return value !== undefined && max !== undefined && value > 0 && value < max
  })
  expect(partway.length, `progress seen: ${progress.join(' ')}`).toBeGreaterThan(0)
  await expect(own.getByRole('status').first()).toHaveText(recordsLine(total), { timeout: 30_000 })

  // The same file again: everything is already there, nothing is added.
  await chooseFile(page, json)
  await expect(preview).toContainText(`Already in your history, not added again: ${total.toLocaleString('en')} records.`)
  await press(page, own.getByRole('button', { name: 'Write 0 records to my history' }))
  await expect(own).toContainText(`Imported 0 records from synthea.json. ${total.toLocaleString('en')} were already in your history and were not added again.`)
  await expect(own.getByRole('status').first()).toHaveText(recordsLine(total))

  // A broken file: one line of a bulk export is cut off. The preview names it; writing nothing is the default.
  const lines = importFixture('bulk-export.ndjson').toString().trim().split('\n')
  const broken = { name: 'bulk.ndjson', mimeType: 'application/fhir+ndjson', buffer: Buffer.from([...lines.slice(0, 2), '{"resourceType": "Observation", "status": "fin', ...lines.slice(2)].join('\n')) }
  await chooseFile(page, broken)
  const brokenPreview = own.getByRole('region', { name: 'What bulk.ndjson holds' })
  await expect(brokenPreview).toContainText('line 3: could not be read: it is not JSON')
  await expect(brokenPreview.getByRole('radio', { name: 'Write nothing' })).toBeChecked()
  // The preview with its refusal, as axe checks a page.
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(axe.violations.map((v) => `${v.id} (${v.impact ?? ''}): ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
  await press(page, own.getByRole('button', { name: /^Write 5 records to my history$/ }))
  await expect(own.getByRole('alert')).toHaveText('1 part of bulk.ndjson could not be imported (listed in the preview), and you chose to write nothing in that case. Nothing was written.')
  await expect(own.getByRole('status').first()).toHaveText(recordsLine(total))
  // Not FHIR at all.
  await chooseFile(page, { name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 a discharge letter') })
  await expect(own.getByRole('alert')).toHaveText(/^letter\.pdf is not JSON: a FHIR file is JSON \(a Bundle or a resource\) or NDJSON \(one resource per line\)\. Nothing was written\.$/)
  await expect(own.getByRole('status').first()).toHaveText(recordsLine(total))

  // The export, with the keyboard, saved as the browser saves a download: a FHIR collection Bundle of every record, each with its Provenance.
  const exportButton = own.getByRole('button', { name: 'Export my records' })
  await tabTo(page, exportButton)
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
  expect(download.suggestedFilename()).toBe(`anamnesis-records-${new Date().toISOString().slice(0, 10)}.json`)
  const path = test.info().outputPath(download.suggestedFilename())
  await download.saveAs(path)
  const exported = await readFile(path)
  const bundle = JSON.parse(exported.toString()) as { resourceType: string; type: string; entry: { resource: { resourceType: string } }[] }
  expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' })
  expect(bundle.entry.filter((e) => e.resource.resourceType === 'Provenance')).toHaveLength(total)
  await expect(own.getByRole('region', { name: 'Export my records' }).getByRole('status')).toHaveText(`Saved ${download.suggestedFilename()}: ${total.toLocaleString('en')} records.`)

  // The International Patient Summary, with the keyboard: the IPS document of what matters in an emergency, the file's diabetes among the active problems.
  const summaryButton = own.getByRole('button', { name: 'Export my International Patient Summary' })
  await tabTo(page, summaryButton)
  const [summaryDownload] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
  expect(summaryDownload.suggestedFilename()).toBe(`anamnesis-summary-${new Date().toISOString().slice(0, 10)}.json`)
  const summaryPath = test.info().outputPath(summaryDownload.suggestedFilename())
  await summaryDownload.saveAs(summaryPath)
  const summary = JSON.parse((await readFile(summaryPath)).toString()) as { resourceType: string; type: string; entry: { resource: { resourceType: string; type?: unknown; code?: { coding?: { display?: string }[] } } }[] }
  expect(summary).toMatchObject({ resourceType: 'Bundle', type: 'document' })
  expect(summary.entry[0]?.resource).toMatchObject({ resourceType: 'Composition', type: { coding: [{ system: 'http://loinc.org', code: '60591-5' }] } })
  const problems = summary.entry.filter((e) => e.resource.resourceType === 'Condition').flatMap((e) => e.resource.code?.coding?.map((c) => c.display) ?? [])
  expect(problems).toContain('Diabetes mellitus type 2 (disorder)')
  const summarized = summary.entry.filter((e) => e.resource.resourceType !== 'Composition' && e.resource.resourceType !== 'Patient').length
  await expect(own.getByRole('region', { name: 'Export my records' }).getByRole('status')).toHaveText(`Saved ${summaryDownload.suggestedFilename()}: an International Patient Summary of ${summarized.toLocaleString('en')} records.`)

  // Re-imported: every record is already there.
  await chooseFile(page, { name: download.suggestedFilename(), mimeType: 'application/fhir+json', buffer: exported })
  await expect(own.getByRole('region', { name: `What ${download.suggestedFilename()} holds` })).toContainText(`Already in your history, not added again: ${total.toLocaleString('en')} records.`)
  await press(page, own.getByRole('button', { name: 'Write 0 records to my history' }))
  await expect(own).toContainText(`Imported 0 records from ${download.suggestedFilename()}. ${total.toLocaleString('en')} were already in your history`)
  await expect(own.getByRole('status').first()).toHaveText(recordsLine(total))
  // In the history's views, in the table of the records the timeline shows: diagnoses, a vaccine and results of the file.
  await press(page, page.getByText(/Table of the records shown/))
  for (const text of ['Diabetes mellitus type 2 (disorder)', 'Hypertensive disorder, systemic arterial (disorder)', 'Pneumococcal conjugate PCV 13', 'Body Weight: ']) {
    await expect(page.getByRole('row').filter({ hasText: text }).first()).toBeVisible()
  }
  // And it stays after a reload.
  await page.reload()
  await expect(ownHistory(page).getByRole('status').first()).toHaveText(recordsLine(total), { timeout: 60_000 })
})
