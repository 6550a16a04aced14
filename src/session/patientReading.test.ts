import { describe, expect, it } from 'vitest'
import { recordCategories } from '../chain/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import { ACCESS_CHECK_MS, pullEndsWithin, pullPace, RETRY_MS } from './patientReading.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, settle, until } from './sessionFakes.ts'

const allCategories = recordCategories.map((_, i) => i)

/** A patient with three records on their phone, and a doctor at the clinic with a grant for `grantMs`. */
async function visit(grantMs = 3_600_000) {
  const clock = manualClock()
  const network = memoryNetwork()
  const patient = fakeWallet(0)
  const doctor = fakeWallet(1)
  const ledger = fakeLedger(patient, clock)
  const phone = fakeDevice({ name: 'phone', wallet: patient, network, ledger, clock })
  const clinic = fakeDevice({ name: 'clinic', wallet: doctor, network, ledger, clock })
  for (const device of [phone, clinic]) {
    await device.connect()
    await device.session.unlock()
  }
  const own = phone.session.own.get()
  const doctorKeys = clinic.session.keys.get()
  if (own === undefined || doctorKeys === undefined) throw new Error('a history did not open')
  await own.add(bloodPressureSeries(patient.address, 3))
  ledger.grant(patient.address, doctor.address, clock.now() + grantMs)
  const wrapped = await own.wrapFor(doctorKeys.encryption.publicKey, allCategories)
  const pullsFromPhone = (): number => network.pulls.filter((p) => p === 'clinic<-phone').length
  return { clock, network, ledger, patient, doctor, phone, clinic, own, wrapped, pullsFromPhone }
}

/**
 * A reading synced from the patient's phone, then a pull its log ran by itself failing: the patient's
 * app restarting its node (new keys, say). The phone is still offline.
 */
async function backgroundPullFailed() {
  const setup = await visit()
  const reading = await setup.clinic.session.readPatient(setup.patient.address, setup.wrapped, 'phone')
  await until('synced', () => reading.reading.get().state === 'synced')
  setup.network.offline.add('phone')
  await expect(reading.log.syncWith('phone')).rejects.toThrow('phone did not answer')
  return { ...setup, reading }
}

describe("a doctor's reading of a patient's history", () => {
  it("shows the patient's records once pulled, with the grant live", async () => {
    const { clinic, patient, wrapped } = await visit()
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('synced', () => reading.reading.get().state === 'synced')
    await until('the access check', () => reading.access.get() !== 'checking')
    expect(reading.access.get()).toBe('live')
    expect(reading.history.entries()).toHaveLength(3)
    expect(reading.blocks().every((block) => block.entry !== undefined)).toBe(true)
  })

  it('pulls from a keeper telling the log which wallet the keeper proves, so that its key version is asked at once', async () => {
    const { clinic, patient, wrapped, network, own } = await visit()
    for (const entry of network.stored('phone', patient.address)) network.plant('keeper', patient.address, entry.writer, entry.payload, entry.hash)
    const keeperWallet = `0x${'e1'.repeat(20)}`
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'keeper', undefined, keeperWallet)
    await until('synced', () => reading.reading.get().state === 'synced')
    expect(network.holders).toEqual([`clinic<-keeper: ${keeperWallet}`])
    expect(reading.history.entries()).toHaveLength(own.history.entries().length)
  })

  it('stays synced when a pull from another peer fails (a keeper dialled meanwhile and hung up on), and goes offline when its own peer fails', async () => {
    const { clinic, patient, wrapped, network } = await visit()
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('synced', () => reading.reading.get().state === 'synced')
    network.offline.add('keeper')
    await expect(reading.log.syncWith('keeper')).rejects.toThrow('keeper did not answer')
    expect(reading.reading.get()).toEqual({ state: 'synced' })
    network.offline.add('phone')
    await expect(reading.log.syncWith('phone')).rejects.toThrow('phone did not answer')
    expect(reading.reading.get()).toEqual({ state: 'offline', error: 'phone did not answer' })
  })

  it("pulls again a few seconds after a background pull from the patient's device failed, as its status says, and is synced once it answers", async () => {
    const { reading, network, clock, pullsFromPhone } = await backgroundPullFailed()
    expect(reading.reading.get()).toEqual({ state: 'offline', error: 'phone did not answer' })
    network.offline.delete('phone')
    const pulls = pullsFromPhone()
    await clock.advance(RETRY_MS - 1)
    expect(pullsFromPhone()).toBe(pulls)
    await clock.advance(1)
    expect(pullsFromPhone()).toBe(pulls + 1)
    await until('synced again', () => reading.reading.get().state === 'synced')
  })

  it('does not let a device that fails pull after pull put the next retry off', async () => {
    const { reading, network, clock, pullsFromPhone } = await backgroundPullFailed()
    await clock.advance(RETRY_MS - 1_000)
    // Another failure, a second before the retry is due: it stays due.
    await expect(reading.log.syncWith('phone')).rejects.toThrow('phone did not answer')
    network.offline.delete('phone')
    const pulls = pullsFromPhone()
    await clock.advance(1_000)
    expect(pullsFromPhone()).toBe(pulls + 1)
    await until('synced again', () => reading.reading.get().state === 'synced')
  })

  it('is refused before the doctor has opened their own keys here', async () => {
    const { patient, wrapped, network, ledger, clock } = await visit()
    const fresh = fakeDevice({ name: 'kiosk', wallet: fakeWallet(1), network, ledger, clock })
    await fresh.connect()
    await expect(fresh.session.readPatient(patient.address, wrapped, 'phone')).rejects.toThrow(/Open your own history on this device first/)
  })

  it("retries a pull that failed while the patient's device was away, and then reads", async () => {
    const { clinic, patient, wrapped, network, clock, pullsFromPhone } = await visit()
    network.offline.add('phone')
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('the failed pull', () => reading.reading.get().state === 'offline')
    expect(reading.reading.get()).toEqual({ state: 'offline', error: 'phone did not answer' })
    expect(reading.history.entries()).toHaveLength(0)
    await clock.advance(RETRY_MS - 1)
    expect(pullsFromPhone()).toBe(1)
    network.offline.delete('phone')
    await clock.advance(1)
    expect(pullsFromPhone()).toBe(2)
    await until('synced', () => reading.reading.get().state === 'synced')
    expect(reading.history.entries()).toHaveLength(3)
  })

  it('pulls at once on resync, without waiting for the next retry', async () => {
    const { clinic, patient, wrapped, network } = await visit()
    network.offline.add('phone')
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('the failed pull', () => reading.reading.get().state === 'offline')
    network.offline.delete('phone')
    await reading.resync()
    expect(reading.reading.get()).toEqual({ state: 'synced' })
    expect(reading.history.entries()).toHaveLength(3)
  })

  it('notices a grant that expires at the next ledger check, and stops retrying', async () => {
    const { clinic, patient, wrapped, network, clock, pullsFromPhone } = await visit(45_000)
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('synced', () => reading.reading.get().state === 'synced')
    await until('the access check', () => reading.access.get() === 'live')
    await clock.advance(ACCESS_CHECK_MS)
    expect(reading.access.get()).toBe('live')
    await clock.advance(ACCESS_CHECK_MS)
    expect(reading.access.get()).toBe('ended')
    network.offline.add('phone')
    await reading.resync().catch(() => undefined)
    const pulls = pullsFromPhone()
    await clock.advance(10 * RETRY_MS)
    expect(pullsFromPhone()).toBe(pulls)
    expect(reading.reading.get().state).toBe('offline')
  })

  it('notices a revocation as soon as the ledger announces it', async () => {
    const { clinic, patient, doctor, wrapped, ledger } = await visit()
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('the access check', () => reading.access.get() === 'live')
    await ledger.revoke(doctor.address)
    ledger.emit(patient.address, ['revoked'])
    await settle()
    expect(reading.access.get()).toBe('ended')
  })

  it('goes with the wallet that read it: switching wallets closes the reading', async () => {
    const { clinic, patient, wrapped, network, clock, pullsFromPhone } = await visit()
    network.offline.add('phone')
    const reading = await clinic.session.readPatient(patient.address, wrapped, 'phone')
    await until('the failed pull', () => reading.reading.get().state === 'offline')
    await clinic.session.connect(undefined)
    const pulls = pullsFromPhone()
    await clock.advance(10 * RETRY_MS)
    expect(pullsFromPhone()).toBe(pulls)
  })
})

describe('whether a pull will be done within a time, at its pace so far', () => {
  it('is unknown, so no, until its peer said how much it brings and some of it has settled', () => {
    expect(pullEndsWithin({ received: 500, elapsedMs: 100 }, 1_000)).toBe(false)
    expect(pullEndsWithin({ received: 0, expected: 1_000, elapsedMs: 100 }, 1_000)).toBe(false)
  })

  it('is yes once everything announced has settled, or the rest would settle within the time at the same pace', () => {
    expect(pullEndsWithin({ received: 1_000, expected: 1_000, elapsedMs: 5_000 }, 1_000)).toBe(true)
    // 600 of 1,000 in 900 ms: the other 400 in about 600 ms.
    expect(pullEndsWithin({ received: 600, expected: 1_000, elapsedMs: 900 }, 1_000)).toBe(true)
    // 100 of 10,000 in 1 s: the rest in about 99 s.
    expect(pullEndsWithin({ received: 100, expected: 10_000, elapsedMs: 1_000 }, 1_000)).toBe(false)
    // 500 of 1,000 in exactly 1 s: the rest in another second, not within it.
    expect(pullEndsWithin({ received: 500, expected: 1_000, elapsedMs: 1_000 }, 1_000)).toBe(false)
  })
})

describe("a reading's judgement of its pull's pace, each time a redraw is due", () => {
  it('says the pull ends soon when the rest of what it announced comes within the time at its pace since its first report', () => {
    const pace = pullPace()
    pace.started()
    // Joined under way: 9,000 of 10,000 settled at the first report, then 100 a second.
    pace.progress(0, 9_000)
    expect(pace.endingSoon(5_000, 9_500, 10_000, 1_000)).toBe(false)
    const quick = pullPace()
    quick.progress(0, 32)
    expect(quick.endingSoon(1_000, 640, 999, 1_000)).toBe(true)
  })

  it('says no while nothing is known: no report yet, no count announced', () => {
    const pace = pullPace()
    expect(pace.endingSoon(1_000, 0, 1_000, 1_000)).toBe(false)
    pace.progress(0, 10)
    expect(pace.endingSoon(1_000, 500, undefined, 1_000)).toBe(false)
  })

  it('says no for a pull that brought nothing since it was last asked, though it settled all it announced: a stalled pull is drawn', () => {
    const pace = pullPace()
    pace.progress(0, 32)
    expect(pace.endingSoon(1_000, 999, 999, 1_000)).toBe(true)
    expect(pace.endingSoon(2_000, 999, 999, 1_000)).toBe(false)
    // A new pull starts afresh.
    pace.started()
    pace.progress(3_000, 10)
    expect(pace.endingSoon(3_500, 900, 1_000, 1_000)).toBe(true)
  })
})
