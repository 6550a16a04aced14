// Storage that lasts: Settings says whether the browser keeps the history, as the browser itself
// says, and a full disk while writing leaves the history as it was, tells the patient why and
// keeps what they typed. The full disk is Chromium's own quota, made small for this origin
// (DevTools' "custom storage quota") and filled with data of the test's own; the app's write
// then meets Chromium's real QuotaExceededError. Deleting the filler does not give Chromium's
// accounting the room back at once, so "freeing space" is the quota going back to the browser's own.
import { expect, test, type Page } from '@playwright/test'
import { appUrl, expectStackLive } from './fixtures.ts'

async function openHistory(page: Page): Promise<void> {
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Open my history' }).click()
  await expect(page.getByRole('region', { name: 'Your history' }).getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')
}

async function addSymptom(page: Page, text: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add to my history' })
  if (!(await form.isVisible())) await page.getByText('Add a record: a symptom or problem').click()
  await form.getByRole('radio', { name: 'Symptom or problem', exact: true }).check()
  await form.getByRole('textbox', { name: 'Symptom or problem' }).fill(text)
  await form.getByRole('button', { name: 'Add symptom' }).click()
}

test('Settings says whether the browser keeps the history, as the browser says, and how much room it uses', async ({ page }) => {
  await page.goto(appUrl())
  await openHistory(page)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  const storage = page.getByRole('region', { name: 'Storage on this device' })
  const facts = storage.getByRole('definition')
  // Headless Chromium may grant or refuse: the page must say what the browser says.
  const persisted = await page.evaluate(() => navigator.storage.persisted())
  await expect(facts.first()).toHaveText(persisted ? 'Granted' : 'Not granted')
  await expect(facts.nth(1)).toHaveText(/^[\d.,]+ (bytes|kB|MB) of the [\d.,]+ (MB|GB|TB) this browser allows this site$/)
  if (persisted) {
    await expect(storage).toContainText('This browser will not delete your history or its keys to make room for other data.')
    return
  }
  await expect(storage).toContainText('It may delete your history and its keys when the device runs short of space')
  await expect(storage).toContainText('Keep another copy: enrol a keeper (below), an always-on computer that holds your encrypted history, or download an encrypted backup and keep the file somewhere safe.')
  await expect(storage.getByRole('link')).toHaveCount(0)
  // Asking again: whatever the browser answers, the page says it and shows it.
  await storage.getByRole('button', { name: 'Ask the browser to keep my history' }).click()
  await expect(storage.getByRole('status')).not.toBeEmpty()
  const now = await page.evaluate(() => navigator.storage.persisted())
  await expect(storage.getByRole('status')).toHaveText(now ? 'The browser granted persistent storage.' : 'The browser did not grant persistent storage this time.')
  await expect(facts.first()).toHaveText(now ? 'Granted' : 'Not granted')
})

test('a full disk: the record is not added, the patient is told why and keeps the draft, the history is as it was, and the draft saves once there is room', async ({ page }) => {
  test.setTimeout(120_000)
  // Chromium's quota for this origin, set before the origin stores anything (it is read when its storage opens).
  const session = await page.context().newCDPSession(page)
  await session.send('Storage.overrideQuotaForOrigin', { origin: new URL(appUrl()).origin, quotaSize: 40_000_000 })
  await page.goto(appUrl())
  await openHistory(page)
  const own = page.getByRole('region', { name: 'Your history' })
  await addSymptom(page, 'Wheezing at night')
  await expect(page.getByRole('form', { name: 'Add to my history' }).getByRole('status')).toContainText('Symptom added')
  await expect(own.getByRole('status').first()).toContainText('1 records in 1 blocks')

  // Something else of this origin fills its share of the disk, until Chromium refuses to store more.
  const filled = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('disk-filler', 1)
      open.onupgradeneeded = () => open.result.createObjectStore('filler')
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error ?? new Error('open failed'))
    })
    const put = (size: number, key: number): Promise<string> =>
      new Promise((resolve) => {
        const bytes = new Uint8Array(size)
        for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65_536)))
        const tx = db.transaction('filler', 'readwrite')
        tx.objectStore('filler').put(bytes, key)
        tx.oncomplete = () => resolve('stored')
        tx.onabort = () => resolve(tx.error?.name ?? 'aborted')
      })
    let key = 0
    let refusal = 'stored'
    for (const size of [4_000_000, 256_000, 16_000, 1_000, 64]) {
      for (refusal = await put(size, key++); refusal === 'stored'; refusal = await put(size, key++));
    }
    db.close()
    return { refusal, writes: key }
  })
  expect(filled.refusal).toBe('QuotaExceededError')

  await addSymptom(page, 'Chest pain on climbing stairs')
  const form = page.getByRole('form', { name: 'Add to my history' })
  await expect(form.getByRole('alert')).toHaveText(
    "Not added: Your browser has no room left to store this record: nothing was written and your history is as it was. Free space on this device (or remove other websites' data in your browser's settings), then save it again."
  )
  // The draft is kept for another try, and the history is as it was.
  await expect(form.getByRole('textbox', { name: 'Symptom or problem' })).toHaveValue('Chest pain on climbing stairs')
  await expect(own.getByRole('status').first()).toContainText('1 records in 1 blocks')
  await page.getByText(/Table of the records shown/).click()
  await expect(page.getByRole('table')).toContainText('Wheezing at night')
  await expect(page.getByRole('table')).not.toContainText('Chest pain')

  // The patient frees space (here: the quota goes back to the browser's own) and saves the kept draft again.
  await session.send('Storage.overrideQuotaForOrigin', { origin: new URL(appUrl()).origin })
  await form.getByRole('button', { name: 'Add symptom' }).click()
  await expect(form.getByRole('status')).toContainText('Symptom added')
  await expect(own.getByRole('status').first()).toContainText('2 records in 2 blocks')

  // What is stored is the two records and nothing of the refused write: a reload reads exactly them back.
  await page.reload()
  await expect(own.getByRole('status').first()).toContainText('2 records in 2 blocks', { timeout: 30_000 })
  await page.getByText(/Table of the records shown/).click()
  await expect(page.getByRole('table')).toContainText('Wheezing at night')
  await expect(page.getByRole('table')).toContainText('Chest pain on climbing stairs')
})
