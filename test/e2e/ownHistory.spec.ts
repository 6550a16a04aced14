// The patient's own history: opened with two wallet signatures, filled with the demo
// patient as labelled demo data, kept encrypted in IndexedDB (nothing readable stored,
// nothing readable sent), opened again after a reload without asking the wallet, and
// anchored on-chain so every block verifies.
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { bytesToHex } from 'viem'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { appUrl, derivedKeys, expectStackLive } from './fixtures.ts'

/** Every value in every IndexedDB database of the page, as text: strings as they are, bytes as Latin-1 and as UTF-8. */
async function storedText(page: Page): Promise<{ text: string; values: number }> {
  return page.evaluate(async () => {
    const parts: string[] = []
    let values = 0
    const walk = (value: unknown): void => {
      if (value === null || value === undefined) return
      if (typeof value === 'string') parts.push(value)
      else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') parts.push(String(value))
      else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
        parts.push(new TextDecoder('latin1').decode(bytes), new TextDecoder().decode(bytes), Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''))
      } else if (value instanceof Blob) parts.push('[blob]')
      else if (Array.isArray(value)) value.forEach(walk)
      else if (typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          parts.push(key)
          walk(inner)
        }
      }
    }
    for (const info of await indexedDB.databases()) {
      if (info.name === undefined) continue
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(info.name as string)
        open.onsuccess = () => resolve(open.result)
        open.onerror = () => reject(open.error ?? new Error('open failed'))
      })
      for (const store of Array.from(db.objectStoreNames)) {
        const [keys, all] = await new Promise<[IDBValidKey[], unknown[]]>((resolve, reject) => {
          const tx = db.transaction(store, 'readonly')
          const keyRequest = tx.objectStore(store).getAllKeys()
          const valueRequest = tx.objectStore(store).getAll()
          tx.oncomplete = () => resolve([keyRequest.result, valueRequest.result])
          tx.onerror = () => reject(tx.error ?? new Error('read failed'))
        })
        keys.forEach(walk)
        all.forEach(walk)
        values += all.length
      }
      db.close()
    }
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i) ?? ''
      parts.push(key, localStorage.getItem(key) ?? '')
    }
    return { text: parts.join('\n'), values }
  })
}

test('the patient opens their history, loads the demo into it, and it is stored and sent only encrypted; a reload keeps it', async ({ page }) => {
  test.setTimeout(120_000)
  const patient = developmentAccounts[0]
  if (patient === undefined) throw new Error('no development account 0')
  const sent: string[] = []
  page.on('request', (request) => sent.push(request.url(), request.postData() ?? ''))
  page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('latin1'))))

  await page.goto(appUrl())
  await expectStackLive(page)
  const own = page.getByRole('region', { name: 'Your history' })
  await page.getByRole('button', { name: 'Open my history' }).click()
  await expect(own.getByRole('status').first()).toHaveText('Your history is empty. It is kept encrypted in this browser.')

  await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
  await expect(own).toContainText(/Added \d+ demo records, labelled as demo data\./, { timeout: 30_000 })
  const added = Number((/Added (\d+) demo records/.exec((await own.textContent()) ?? '') ?? [])[1])
  expect(added).toBeGreaterThan(300)
  await expect(own.getByRole('status').first()).toContainText(`${added.toLocaleString('en')} records in ${added.toLocaleString('en')} blocks, encrypted in this browser.`)
  await expect(own).toContainText('Records tagged “demo” in your history are synthetic')
  // The timeline and the body map draw the user's own records: the knee's osteoarthritis is there.
  await expect(page.getByRole('heading', { level: 2, name: 'Body map' })).toBeVisible()
  await page.getByText(/Table of the records shown/).click()
  await expect(page.getByRole('table')).toContainText('Hypertensive disorder')
  await page.getByText('Add a record: a symptom or problem').click()
  await expect(page.getByRole('form', { name: 'Add to my history' })).toBeVisible()
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])

  // Nothing readable is stored: not the records' words or FHIR keys, not the secret keys the wallet's signature derives.
  const keys = await derivedKeys(patient.privateKey)
  const secrets = [keys.encryption.secretKey, keys.identity.secretKey].flatMap((secret) => [bytesToHex(secret).slice(2), new TextDecoder('latin1').decode(secret)])
  const stored = await storedText(page)
  expect(stored.values).toBeGreaterThan(added)
  const plaintext = ['osteoarthritis', 'Osteoarthritis', 'resourceType', 'clinicalStatus', 'Condition/', 'MedicationStatement', 'valueQuantity', 'Hypertension', 'metformin']
  for (const needle of [...plaintext, ...secrets]) expect(stored.text.includes(needle), `IndexedDB holds "${needle.slice(0, 20)}"`).toBe(false)
  // The same for everything the page sent: requests to the chain and frames to the relay.
  const traffic = sent.join('\n')
  for (const needle of [...plaintext, ...secrets]) expect(traffic.includes(needle), `the page sent "${needle.slice(0, 20)}"`).toBe(false)

  // A reload opens the history from this device without asking the wallet again.
  await page.reload()
  await expectStackLive(page)
  await expect(page.getByRole('button', { name: 'Open my history' })).toHaveCount(0)
  await expect(page.getByRole('region', { name: 'Your history' }).getByRole('status').first()).toContainText(`${added.toLocaleString('en')} records in ${added.toLocaleString('en')} blocks`, {
    timeout: 30_000
  })

  // Anchoring commits the heads on-chain; then every block verifies against the anchor.
  const again = page.getByRole('region', { name: 'Your history' })
  await expect(again).toContainText('Your history has never been anchored on-chain.', { timeout: 30_000 })
  await again.getByRole('button', { name: 'Anchor my history on-chain' }).click()
  await expect(again).toContainText(new RegExp(`Anchored ${added.toLocaleString('en')} blocks in block \\d+\\.`))
  await expect(again).toContainText(`Verification: ${added} verified against the latest anchor, 0 not yet anchored, none broken.`)
})
