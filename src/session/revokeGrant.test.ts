import { describe, expect, it } from 'vitest'
import { bytesToHex } from 'viem'
import { recordCategories } from '../chain/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import { liveGrants, revokeGrant } from './revokeGrant.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, until } from './sessionFakes.ts'

const allCategories = recordCategories.map((_, i) => i)

/** A patient who granted two doctors, each reading the history at their clinic. */
async function twoDoctors() {
  const clock = manualClock()
  const network = memoryNetwork()
  const patient = fakeWallet(0)
  const ledger = fakeLedger(patient, clock)
  const phone = fakeDevice({ name: 'phone', wallet: patient, network, ledger, clock })
  const doctors = [fakeWallet(1), fakeWallet(2)] as const
  const clinics = doctors.map((doctor, i) => fakeDevice({ name: `clinic${i}`, wallet: doctor, network, ledger, clock }))
  for (const device of [phone, ...clinics]) {
    await device.connect()
    await device.session.unlock()
  }
  const own = phone.session.own.get()
  if (own === undefined) throw new Error('the history did not open')
  await own.add(bloodPressureSeries(patient.address, 2))
  const readings = await Promise.all(
    clinics.map(async (clinic, i) => {
      const keys = clinic.session.keys.get()
      const doctor = doctors[i]
      if (keys === undefined || doctor === undefined) throw new Error('a doctor has no keys')
      ledger.grant(patient.address, doctor.address, clock.now() + 86_400_000)
      ledger.publishedKeys.set(doctor.address, bytesToHex(keys.encryption.publicKey))
      const reading = await clinic.session.readPatient(patient.address, await own.wrapFor(keys.encryption.publicKey, allCategories), 'phone')
      await until('synced', () => reading.reading.get().state === 'synced')
      return reading
    })
  )
  const [revoked, kept] = doctors
  const [revokedReading, keptReading] = readings
  if (revokedReading === undefined || keptReading === undefined) throw new Error('a reading did not open')
  return { clock, ledger, patient, phone, own, revoked, kept, revokedReading, keptReading }
}

describe('the grants list', () => {
  it('lists the live grants only', async () => {
    const { ledger, patient, revoked, kept } = await twoDoctors()
    await ledger.revoke(revoked.address)
    expect((await liveGrants(ledger, patient.address)).map((g) => g.doctor)).toEqual([kept.address])
  })
})

describe('revoking a doctor', () => {
  it('moves the history to a key the revoked doctor lacks and the remaining doctor gets', async () => {
    const { ledger, patient, own, revoked, revokedReading, keptReading } = await twoDoctors()
    const outcome = await revokeGrant({ ledger, patient: patient.address, doctor: revoked.address, openOwn: () => Promise.resolve(own) })
    expect(outcome).toEqual({
      revoked: true,
      notice: `Access revoked. Your history now uses a new key (epoch 1) that ${revoked.address} does not have, and their new entries are refused. The doctor who keeps access gets the new key. What they already saw cannot be unseen.`
    })
    expect((await liveGrants(ledger, patient.address)).map((g) => g.doctor)).not.toContain(revoked.address)
    // The move is in the history itself, with the ledger block that chose who got the key.
    expect(own.latestRotation()).toMatchObject({ epoch: 1, asOf: { block: ledger.block } })

    await own.add(bloodPressureSeries(patient.address, 3).slice(2))
    await keptReading.resync()
    await revokedReading.resync()
    await until('the remaining doctor to read the new record', () => keptReading.history.entries().length === 3)
    expect(revokedReading.history.entries()).toHaveLength(2)
    expect(revokedReading.history.unreadable()).toHaveLength(1)
  })

  it('changes nothing when the ledger refuses the revocation', async () => {
    const { ledger, patient, own, revoked } = await twoDoctors()
    ledger.revokeFailure = 'The wallet rejected the request.'
    let opened = 0
    const outcome = await revokeGrant({
      ledger,
      patient: patient.address,
      doctor: revoked.address,
      openOwn: () => {
        opened++
        return Promise.resolve(own)
      }
    })
    expect(outcome).toEqual({ revoked: false, error: 'The wallet rejected the request.' })
    expect(opened).toBe(0)
    expect(own.epoch.get()).toBe(0)
    expect((await liveGrants(ledger, patient.address)).map((g) => g.doctor)).toContain(revoked.address)
  })

  it('says plainly when the history could not be opened to move its key, which moves at its next open', async () => {
    const { ledger, patient, own, revoked } = await twoDoctors()
    const outcome = await revokeGrant({ ledger, patient: patient.address, doctor: revoked.address, openOwn: () => Promise.resolve(undefined) })
    expect(outcome.revoked).toBe(true)
    expect(outcome.notice).toMatch(/could not be opened here, so it still uses its current key; it moves to a new one the next time it is opened/)
    expect(own.epoch.get()).toBe(0)
  })

  it('reports a rotation that failed after the revocation went through', async () => {
    const { ledger, patient, revoked } = await twoDoctors()
    const outcome = await revokeGrant({
      ledger,
      patient: patient.address,
      doctor: revoked.address,
      openOwn: () => Promise.reject(new Error('The wallet rejected the request.'))
    })
    expect(outcome).toEqual({ revoked: true, error: 'Access was revoked on-chain, but your history could not move to a new key yet (it will when it is next opened): The wallet rejected the request.' })
    expect((await liveGrants(ledger, patient.address)).map((g) => g.doctor)).not.toContain(revoked.address)
  })
})
