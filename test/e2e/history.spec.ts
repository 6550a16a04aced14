// The demo patient's history: the body map and the timeline as one picture, driven by
// keyboard and mouse, found by role and accessible name as a screen reader would.
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { appUrl } from './fixtures.ts'

async function openDemo(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1400, height: 1100 })
  await page.goto(appUrl())
  await page.getByRole('button', { name: 'Show the demo patient' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Demo patient — synthetic, not your records' })).toBeVisible()
  await expect(page.getByRole('group', { name: 'Body map, male figure, front and back' })).toBeVisible()
}

const crumb = (page: Page, name: string) => page.getByRole('navigation', { name: 'Body map zoom' }).getByRole('button', { name, exact: true })

test('zoom to the left knee by keyboard and mouse, select a condition, and see it on the timeline with its diagnostic chain', async ({ page }) => {
  await openDemo(page)
  const map = page.getByRole('group', { name: 'Body map, male figure, front and back' })
  await expect(page.getByRole('alert')).toContainText('1 block of this history failed verification')

  // Keyboard: the left leg, then Tab to the left knee inside it.
  const leftLeg = map.getByRole('button', { name: /^Left leg, \d+ conditions, 1 active/ })
  await leftLeg.focus()
  await page.keyboard.press('Enter')
  await expect(crumb(page, 'Left leg')).toHaveAttribute('aria-current', 'location')
  await expect(map.getByRole('button', { name: /^Left thigh/ })).toBeFocused()
  await page.keyboard.press('Tab')
  const leftKnee = map.getByRole('button', { name: /^Left knee, 2 conditions, 1 active, \d+ other records$/ })
  await expect(leftKnee).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(crumb(page, 'Left knee')).toHaveAttribute('aria-current', 'location')
  const panel = page.getByRole('region', { name: 'Left knee' })
  await expect(panel.getByRole('button', { name: 'Osteoarthritis of knee' })).toBeVisible()
  await expect(panel.getByRole('button', { name: 'Tear of meniscus of knee' })).toBeVisible()
  await expect(map.getByRole('button', { name: /^Right knee/ })).toHaveCount(0)
  await page.screenshot({ path: 'test-results/history-knee-keyboard.png', fullPage: true })

  // Mouse: back to the whole body, then click the left leg and the left knee on the figure.
  await crumb(page, 'Whole body').click()
  await expect(crumb(page, 'Whole body')).toHaveAttribute('aria-current', 'location')
  await map.getByRole('button', { name: /^Left leg, / }).locator('polygon').first().click()
  await expect(crumb(page, 'Left leg')).toHaveAttribute('aria-current', 'location')
  await map.getByRole('button', { name: /^Left knee, / }).locator('polygon').first().click()
  await expect(crumb(page, 'Left knee')).toHaveAttribute('aria-current', 'location')

  // Select the osteoarthritis: its details, its chain, and its block on the timeline.
  await panel.getByRole('button', { name: 'Osteoarthritis of knee' }).click()
  const details = page.getByRole('region', { name: 'Selected record' })
  await expect(details.getByRole('heading', { level: 3, name: 'Osteoarthritis of knee' })).toBeVisible()
  await expect(details).toContainText('Dr. Demo Orthopaedic-Surgeon')
  await expect(details.getByRole('listitem').filter({ hasText: 'Corrected by' })).toHaveCount(1)
  const chain = details.getByRole('list', { name: 'Diagnostic chain of Osteoarthritis of knee' })
  await expect(chain).toContainText('Request: MRI of the left knee')
  await expect(chain).toContainText('Diagnosis: Osteoarthritis of knee')
  await expect(chain).toContainText('Therapy: Ibuprofen')
  await expect(chain).toContainText('Follow-up: Visit (ambulatory)')
  await expect(chain).toContainText('Outcome: Pain down from 7 to 4')
  const timeline = page.getByRole('listbox', { name: /^Timeline of records/ })
  await expect(timeline.getByRole('option', { name: /^Osteoarthritis of knee, condition, active, since \d+ \w+ 2024, block [0-9a-f]{8} (verified|unanchored), selected$/ })).toBeAttached()
  await expect(page.getByRole('heading', { level: 2, name: 'Timeline · Left knee' })).toBeVisible()
  await page.screenshot({ path: 'test-results/history-knee-selected.png', fullPage: true })

  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
})

test('brushing a decade on the timeline filters the body map', async ({ page }) => {
  await openDemo(page)
  const map = page.getByRole('group', { name: 'Body map, male figure, front and back' })
  await expect(map.getByRole('button', { name: /^Left leg, \d+ conditions, 1 active/ })).toBeVisible()

  const overview = page.getByRole('group', { name: /^Overview of the whole history/ })
  const tick = (year: number) => overview.locator('text').filter({ hasText: new RegExp(`^${year}$`) })
  await overview.scrollIntoViewIfNeeded()
  const [from, to, strip] = await Promise.all([tick(2010).boundingBox(), tick(2020).boundingBox(), overview.boundingBox()])
  if (from === null || to === null || strip === null) throw new Error('the overview strip has no 2010 and 2020 ticks')
  await page.mouse.move(from.x + from.width / 2, strip.y + 10)
  await page.mouse.down()
  await page.mouse.move(to.x + to.width / 2, strip.y + 10, { steps: 8 })
  await page.mouse.up()

  await expect(page.getByRole('status').filter({ hasText: 'The body map shows records from' })).toContainText(/from \d+ \w+ 20(09|10) to \d+ \w+ 20(19|20)\./)
  // The knee's osteoarthritis (2024, active) is outside the decade; its torn meniscus (2015) is in it.
  await expect(map.getByRole('button', { name: /^Left leg, \d+ conditions?, 0 active/ })).toBeVisible()
  await map.getByRole('button', { name: /^Left leg, / }).focus()
  await page.keyboard.press('Enter')
  await expect(map.getByRole('button', { name: /^Left knee, 1 condition, 0 active/ })).toBeVisible()
  await page.screenshot({ path: 'test-results/history-decade.png', fullPage: true })

  // The keyboard's way to the same filter.
  await page.getByLabel('Show decade').selectOption('2020')
  await expect(page.getByRole('status').filter({ hasText: 'The body map shows records from' })).toContainText(/to \d+ \w+ 2030\.|to \d+ \w+ 2029\./)
})

test('the body map has a female figure, with her organs, and keeps every record', async ({ page }) => {
  await openDemo(page)
  const figure = page.getByRole('group', { name: 'Figure' })
  await figure.getByRole('radio', { name: 'Female', exact: true }).check()
  const map = page.getByRole('group', { name: 'Body map, female figure, front and back' })
  await expect(map).toBeVisible()
  // The demo patient is a man: his knee is still on the map, and the female figure adds the pelvic organs.
  await expect(map.getByRole('button', { name: /^Left leg, \d+ conditions/ })).toBeVisible()
  await map.getByRole('button', { name: /^Abdomen/ }).first().focus()
  await page.keyboard.press('Enter')
  await expect(map.getByRole('button', { name: /^Uterus/ })).toBeAttached()
  await page.screenshot({ path: 'test-results/history-female.png', fullPage: true })
  await figure.getByRole('radio', { name: 'Male', exact: true }).check()
  await expect(page.getByRole('group', { name: 'Body map, male figure, front and back' }).getByRole('button', { name: /^Uterus/ })).toHaveCount(0)
})

test('chart a result over time with its reference range, and read its values by keyboard', async ({ page }) => {
  await openDemo(page)
  const chooser = page.getByRole('combobox', { name: 'Result to chart' })
  await expect(chooser).toHaveValue('')
  await expect(chooser.locator('option:checked')).toHaveText('None')

  const systolic = chooser.getByRole('option', { name: /^Systolic blood pressure \(mmHg\): \d+ values$/ })
  await chooser.selectOption({ label: (await systolic.textContent()) ?? '' })
  const systolicSummary = page.getByRole('status').filter({ hasText: /^Systolic blood pressure: \d+ values/ })
  await expect(systolicSummary).toContainText('below the reference range 90–140 mmHg; latest')

  const hba1c = chooser.getByRole('option', { name: /^Hemoglobin A1c\/Hemoglobin\.total in Blood \(%\): \d+ values$/ })
  const label = (await hba1c.textContent()) ?? ''
  const count = /: (\d+) values$/.exec(label)?.[1] ?? 'none'
  await chooser.selectOption({ label })
  await expect(chooser.locator('option:checked')).toHaveText(label)
  await expect(systolicSummary).toHaveCount(0)

  // The summary a doctor reads first: how many values, over which years, how many out of range, the latest.
  const summary = page.getByRole('status').filter({ hasText: /^Hemoglobin A1c/ })
  await expect(summary).toHaveText(
    new RegExp(`^Hemoglobin A1c/Hemoglobin\\.total in Blood: ${count} values from 20\\d\\d to 20\\d\\d, \\d+ above and 0 below the reference range 4–5\\.6 %; latest \\d+(\\.\\d+)? % on \\d+ \\w+ 20\\d\\d\\.$`)
  )
  const above = Number(/, (\d+) above/.exec((await summary.textContent()) ?? '')?.[1])
  expect(above).toBeGreaterThan(Number(count) / 2)
  await expect(page.getByRole('status').filter({ hasText: 'The body map shows records from' })).toContainText(/from \d+ \w+ 200\d to/)
  await page.locator('.timeline').scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/history-chart.png', fullPage: true })

  // The keyboard reaches the charted values: down from the conditions to the Results lane.
  const timeline = page.getByRole('listbox', { name: /^Timeline of records/ })
  await timeline.focus()
  const value = timeline.getByRole('option', { name: /^Hemoglobin A1c\/Hemoglobin\.total in Blood \d+(\.\d+)? %, (above|within|below) the reference range 4–5\.6 %, \d+ \w+ 20\d\d, result, block [0-9a-f]{8} (verified|unanchored|broken)$/ })
  for (let lane = 0; lane < 8 && (await value.count()) === 0; lane++) await page.keyboard.press('ArrowDown')
  await expect(value).toBeAttached()
  const described = (await value.textContent()) ?? ''
  await page.keyboard.press('Enter')
  const details = page.getByRole('region', { name: 'Selected record' })
  // The record names its value as stored (7), the chart as the series reports it (7.0).
  const reading = Number(/^Hemoglobin A1c\/Hemoglobin\.total in Blood (\d+(?:\.\d+)?) %/.exec(described)?.[1])
  await expect(details.getByRole('heading', { level: 3 })).toHaveText(`Hemoglobin A1c/Hemoglobin.total in Blood: ${reading} %`)

  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])

  // "None" gives the lane back its records.
  await chooser.selectOption({ label: 'None' })
  await expect(summary).toHaveCount(0)
  await expect(page.getByText('In the Results lane, circles')).toHaveCount(0)
})
