// Two real Chromium browsers reach each other through the relay and upgrade to a direct
// WebRTC connection: the harness the visit flow builds on.
import { expect, test } from '@playwright/test'
import { appUrl, expectStackLive, statusStrip, twoPeoplesPages } from './fixtures.ts'

test('two browsers connect directly over WebRTC, not through the relay', async () => {
  const { patient, doctor, close } = await twoPeoplesPages()
  try {
    await Promise.all([patient.goto(`${appUrl()}#/settings`), doctor.goto(`${appUrl()}#/settings`)])
    await Promise.all([expectStackLive(patient), expectStackLive(doctor)])

    const patientAddress = patient.getByRole('textbox', { name: "This device's address for a direct connection" })
    await expect(patientAddress).toHaveValue(/\/p2p-circuit\/webrtc\/p2p\/12D3Koo/)
    const address = await patientAddress.inputValue()

    const peerSection = doctor.getByRole('region', { name: 'Peer-to-peer network' })
    await peerSection.getByRole('textbox', { name: 'Peer address' }).fill(address)
    await peerSection.getByRole('button', { name: 'Connect to peer' }).click()
    await expect(peerSection.getByRole('status')).toHaveText('Connected directly (WebRTC), not through the relay.', { timeout: 30_000 })

    // Both sides count one direct connection to the other peer.
    await expect(statusStrip(doctor)).toContainText(/\(1 direct, \d+ relayed\)/)
    await expect(statusStrip(patient)).toContainText(/\(1 direct, \d+ relayed\)/)
  } finally {
    await close()
  }
})

test('a peer address that is not one gets a clear message', async ({ page }) => {
  await page.goto(`${appUrl()}#/settings`)
  await expectStackLive(page)
  const peerSection = page.getByRole('region', { name: 'Peer-to-peer network' })
  await peerSection.getByRole('textbox', { name: 'Peer address' }).fill('not an address')
  await peerSection.getByRole('button', { name: 'Connect to peer' }).click()
  await expect(peerSection.getByRole('alert')).toContainText('Could not connect:')
  await expect(statusStrip(page)).toContainText('relay reserved')
})
