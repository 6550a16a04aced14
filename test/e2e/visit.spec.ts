// The visit between two real browsers over direct WebRTC, a real relay and a real chain:
// the patient invites, the doctor asks, the patient grants on-chain, the doctor's app records
// the visit, and the patient revokes. Invites work once and expire.
import { expect, test } from '@playwright/test'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { createVisitInvite, encodeVisitInvite } from '../../src/p2p/visitInvite.ts'
import { appUrl, askForAccess, drawnQrVersion, expectStackLive, stackConfig, statusStrip, twoPeoplesPages, useDevelopmentAccount } from './fixtures.ts'

const doctorAccount = developmentAccounts[4]
if (doctorAccount === undefined) throw new Error('no development account 4')

test('a doctor joins by invite, the patient grants, the visit is recorded, and the patient revokes', async () => {
  test.setTimeout(120_000)
  const { patient, doctor, close } = await twoPeoplesPages()
  try {

    await patient.goto(`${appUrl()}#/visit`)
    await expectStackLive(patient)
    await patient.getByRole('button', { name: 'Start a visit' }).click()
    const qrCode = patient.getByRole('img', { name: 'QR code of the visit link' })
    await expect(qrCode).toBeVisible()
    const link = await patient.getByRole('textbox', { name: 'Visit link' }).inputValue()
    expect(link).toContain('#/visit/join/')
    // The invite is compact: its code is coarse enough for a phone to read from a screen.
    expect(await drawnQrVersion(qrCode)).toBeLessThanOrEqual(10)

    await useDevelopmentAccount(doctor, 'Second doctor', doctorAccount.address)
    await doctor.goto(link)
    await expectStackLive(doctor, 'Second doctor')
    await askForAccess(doctor, 'Dr Ada Lovelace')

    // The patient sees who asks, with the name marked as self-declared, and decides.
    const request = patient.getByRole('region', { name: 'Request from Dr Ada Lovelace' })
    await expect(request).toContainText('(the name they gave; not verified)', { timeout: 30_000 })
    await expect(request).toContainText(doctorAccount.address)
    // Both screens show one check code for this request, and the patient is asked to compare them.
    const doctorsCode = doctor.getByLabel(/^Check code \d{3} \d{3}$/)
    await expect(doctorsCode).toBeVisible()
    const code = (await doctorsCode.textContent()) ?? ''
    await expect(request.getByLabel(`Check code ${code}`)).toHaveText(code)
    await expect(request).toContainText('approve only if it is the same')
    await request.getByRole('checkbox', { name: 'Results' }).uncheck()
    await request.getByRole('combobox', { name: 'For how long' }).selectOption({ label: '30 days' })
    await request.getByRole('button', { name: 'Approve' }).click()
    await expect(request.getByRole('status').first()).toContainText('Approved: 0x15d3…6A65 has read access to conditions, medications, allergies, procedures, immunizations, reports, family history until')

    await expect(doctor.getByText(/Access granted: read access to conditions, medications, allergies, procedures, immunizations, reports, family history until/)).toBeVisible()
    await expect(doctor.getByText('The visit is recorded on-chain.')).toBeVisible()
    // The two browsers talk directly, not through the relay.
    await expect(statusStrip(doctor)).toContainText(/\(1 direct, \d+ relayed\)/)

    // The doctor's own list of patients shows the grant.
    await doctor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
    await expect(doctor.getByRole('list', { name: 'Patients who granted you access' })).toContainText('0xf39F…2266: read access to conditions')

    const grants = patient.getByRole('list', { name: 'Current grants' })
    await expect(grants).toContainText('Dr 0x15d3…6A65: read access to conditions')

    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click()
    const trail = patient.getByRole('list', { name: 'Audit trail entries, newest first' })
    await expect(trail.getByRole('listitem').first()).toContainText('Dr 0x15d3…6A65 opened the history')
    await expect(trail).toContainText('Dr 0x15d3…6A65 was granted read access to conditions')

    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visit' }).click()
    await patient.getByRole('button', { name: `Revoke access of ${doctorAccount.address}` }).click()
    const access = patient.getByRole('region', { name: 'Who has access now' })
    await expect(access.getByRole('button', { name: `Revoke access of ${doctorAccount.address}` })).toHaveCount(0)
    await expect(access).not.toContainText('0x15d3…6A65')
    await patient.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click()
    await expect(trail.getByRole('listitem').first()).toContainText("Dr 0x15d3…6A65's access was revoked")

    // After the revocation the doctor's list no longer has the patient.
    await doctor.getByRole('region', { name: 'My patients' }).getByRole('button', { name: 'Refresh' }).click()
    await expect(doctor.getByRole('region', { name: 'My patients' })).toContainText('No patient has granted you access.')

    // The same invite cannot be used twice, even from a fresh start of the doctor's app.
    await doctor.goto(link)
    await doctor.reload()
    await expectStackLive(doctor, 'Second doctor')
    await doctor.getByRole('button', { name: 'Ask for access' }).click()
    await expect(doctor.getByRole('alert')).toHaveText('This invite was already used. Ask the patient to start a new visit.', { timeout: 30_000 })
  } finally {
    await close()
  }
})

test('an expired or damaged invite is refused with a clear message', async ({ page }) => {
  const config = stackConfig()
  const patient = developmentAccounts[0]
  if (patient === undefined) throw new Error('no development account 0')
  const expired = createVisitInvite({
    addresses: [`${config.relays[0] ?? ''}/p2p-circuit/webrtc/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf`],
    patient: patient.address,
    chainId: config.chain.id,
    now: Date.now() - 3_600_000
  })
  await page.goto(`${appUrl()}#/visit/join/${encodeVisitInvite(expired)}`)
  await expectStackLive(page)
  await page.getByRole('button', { name: 'Ask for access' }).click()
  await expect(page.getByRole('alert')).toHaveText('This invite has expired. Ask the patient to show a new one.')

  await page.goto(`${appUrl()}#/visit/join/not-an-invite`)
  await page.getByRole('button', { name: 'Ask for access' }).click()
  await expect(page.getByRole('alert')).toContainText('This visit link is damaged')
})
