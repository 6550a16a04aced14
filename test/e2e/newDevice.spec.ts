// The same wallet on a second device: it derives the same keys, connects to the first
// device directly, and reads the whole history, which it had never held.
import { expect, test, type Page } from '@playwright/test'
import { appUrl, expectStackLive, twoPeoplesPages } from './fixtures.ts'

async function openHistory(page: Page): Promise<void> {
  await page.goto(appUrl())
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Open my history' }).click()
}

test('a second device with the same wallet recovers the keys and reads the whole history from the first', async () => {
  test.setTimeout(120_000)
  const { patient: laptop, doctor: phone, close } = await twoPeoplesPages()
  try {

    await openHistory(laptop)
    const onLaptop = laptop.getByRole('region', { name: 'Your history' })
    await onLaptop.getByRole('combobox', { name: 'Demo size' }).selectOption({ label: '50 records' })
    await onLaptop.getByRole('button', { name: 'Load the demo patient into my history' }).click()
    await expect(onLaptop).toContainText(/Added \d+ demo records/)
    await expect(onLaptop.getByRole('status').first()).toContainText(/[\d,]+ records in [\d,]+ blocks/)
    const count = Number((/(\d+) records in/.exec((await onLaptop.getByRole('status').first().textContent()) ?? '') ?? [])[1])
    expect(count).toBeGreaterThan(40)

    await openHistory(phone)
    const onPhone = phone.getByRole('region', { name: 'Your history' })
    await expect(onPhone.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')

    // The phone connects to the laptop directly; the history flows over and opens with the keys the wallet derived.
    await laptop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    const laptopAddress = await laptop.getByRole('textbox', { name: "This device's address for a direct connection" }).inputValue()
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    const network = phone.getByRole('region', { name: 'Peer-to-peer network' })
    await network.getByRole('textbox', { name: 'Peer address' }).fill(laptopAddress)
    await network.getByRole('button', { name: 'Connect to peer' }).click()
    await expect(network.getByRole('status')).toHaveText('Connected directly (WebRTC), not through the relay.', { timeout: 30_000 })

    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My history' }).click()
    await expect(onPhone.getByRole('status').first()).toHaveText(`${count} records in ${count} blocks, encrypted in this browser.`, { timeout: 30_000 })
    await phone.getByText(/Table of the records shown/).click()
    await expect(phone.getByRole('row').filter({ hasText: 'Penicillin (demo data)' }).filter({ hasText: 'allergy' })).toHaveCount(1)
  } finally {
    await close()
  }
})
