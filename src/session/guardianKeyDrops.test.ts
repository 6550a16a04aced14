// The patient's app hands guardians the emergency categories' keys in its key drops, and emergency
// grantees only those and only while the grant is live (keyReaders.ts chooses, rotateHistoryKey.ts moves).
import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from 'viem'
import { addEpochKey, categorySlot, decodeEnvelope, isKeyDrop, openKeyDrop, parseKeyField, type EpochKeyring } from '../crypto/index.ts'
import { CATEGORIES, categoryOf, EMERGENCY_CATEGORY_INDEXES, isEmergencyCategory, openEntry, type HistoryRecord } from '../history/index.ts'
import { bloodPressureSeries, fixtureRecordsFor } from '../../test/fixtures/recordFixtures.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import { ACCESS_CHECK_MS } from './rotateHistoryKey.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, openedOwnHistory, until } from './sessionFakes.ts'

const hour = 3_600_000

async function patientWithGuardian() {
  const clock = manualClock()
  const network = memoryNetwork()
  const patient = fakeWallet(0)
  const guardian = fakeWallet(5)
  const doctor = fakeWallet(6)
  const ledger = fakeLedger(patient, clock)
  const phone = fakeDevice({ name: 'phone', wallet: patient, network, ledger, clock })
  const own = await openedOwnHistory(phone)
  await own.add(bloodPressureSeries(patient.address, 2))
  const guardianKeys = x25519.keygen()
  const doctorKeys = x25519.keygen()
  ledger.publishedKeys.set(guardian.address, bytesToHex(guardianKeys.publicKey))
  ledger.publishedKeys.set(doctor.address, bytesToHex(doctorKeys.publicKey))
  return { clock, ledger, patient, guardian, doctor, phone, own, guardianKeys, doctorKeys }
}

const checked = (own: OwnHistoryModel): Promise<void> => own.moveKeys(() => Promise.resolve())
/** The newest key drop's payload. */
const latestDrop = (own: OwnHistoryModel): Uint8Array => {
  const block = own.log.entries().find((entry) => entry.hash === own.latestRotation()?.hash)
  if (block === undefined) throw new Error('no key drop yet')
  return block.payload
}
const fieldsFor = (own: OwnHistoryModel, reader: { publicKey: Uint8Array; secretKey: Uint8Array }): number[] => openKeyDrop(latestDrop(own), reader).keys.map((k) => k.field)

describe('key drops for guardians and emergency grantees', () => {
  it('hands a newly named guardian the emergency categories of every epoch, and nothing of reports, family history or notes', async () => {
    const { clock, ledger, patient, guardian, own, guardianKeys } = await patientWithGuardian()
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emit(patient.address, ['guardianAdded'])
    await until('the move that names the guardian', () => own.epoch.get() === 1)
    await checked(own)
    const fields = fieldsFor(own, guardianKeys)
    // Epoch 0 (the records sealed before the guardian was named) and epoch 1, emergency categories only, never a whole key.
    expect(fields.sort()).toEqual([0, 1].flatMap((epoch) => EMERGENCY_CATEGORY_INDEXES.map((c) => categorySlot(epoch, c))).sort())
    for (const field of fields) expect(parseKeyField(field).category).toBeDefined()
    for (const closed of ['reports', 'familyHistory', 'notes'] as const) {
      expect(fields.some((field) => parseKeyField(field).category === CATEGORIES.indexOf(closed))).toBe(false)
    }
    // Once named, a guardian moves nothing again.
    await clock.advance(3 * ACCESS_CHECK_MS)
    await checked(own)
    expect(own.epoch.get()).toBe(1)
  })

  it('gives a removed guardian nothing of the epoch their removal starts', async () => {
    const { ledger, patient, guardian, own, guardianKeys } = await patientWithGuardian()
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emit(patient.address, ['guardianAdded'])
    await until('the move that names the guardian', () => own.epoch.get() === 1)
    ledger.removeGuardian(patient.address, guardian.address)
    ledger.emit(patient.address, ['guardianRemoved'])
    await until('the move after the removal', () => own.epoch.get() === 2)
    await checked(own)
    expect(fieldsFor(own, guardianKeys)).toEqual([])
    expect(own.latestRotation()?.recipients).not.toContain(ledger.publishedKeys.get(guardian.address)?.slice(2))
  })

  it('gives an emergency grantee the emergency categories while the grant is live, and nothing at the move its expiry causes', async () => {
    const { clock, ledger, patient, guardian, doctor, own, doctorKeys } = await patientWithGuardian()
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emergencyGrant(patient.address, guardian.address, doctor.address, clock.now() + 2 * hour, [...CATEGORIES])
    ledger.emit(patient.address, ['guardianAdded', 'emergencyGranted'])
    await until('the move that names the guardian', () => own.epoch.get() === 1)
    await checked(own)
    // Granted every category by the guardian, the doctor still gets the emergency ones only, of every epoch.
    expect(fieldsFor(own, doctorKeys).sort()).toEqual([0, 1].flatMap((epoch) => EMERGENCY_CATEGORY_INDEXES.map((c) => categorySlot(epoch, c))).sort())

    await clock.advance(2 * hour + ACCESS_CHECK_MS)
    await until('the move the expiry causes', () => own.epoch.get() === 2)
    await checked(own)
    expect(fieldsFor(own, doctorKeys)).toEqual([])
  })


  it('has an open device of the patient hand a doctor granted emergency access since the newest epoch the emergency categories, once', async () => {
    const { clock, ledger, patient, guardian, doctor, phone, own, doctorKeys } = await patientWithGuardian()
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emit(patient.address, ['guardianAdded'])
    await until('the move that names the guardian', () => own.epoch.get() === 1)
    ledger.emergencyGrant(patient.address, guardian.address, doctor.address, clock.now() + 2 * hour, ['allergies', 'notes'])
    ledger.emit(patient.address, ['emergencyGranted'])
    await until('the move that hands the doctor the keys', () => own.epoch.get() === 2)
    await checked(own)
    expect(fieldsFor(own, doctorKeys).sort()).toEqual([0, 1, 2].map((epoch) => categorySlot(epoch, CATEGORIES.indexOf('allergies'))).sort())
    expect(phone.session.rotationNotice.get()).toMatch(/the doctor your guardian granted emergency access hold the keys of your emergency records/)
    await clock.advance(ACCESS_CHECK_MS)
    await checked(own)
    expect(own.epoch.get()).toBe(2)
  })

  it('lets an emergency grantee open the emergency records, from before the grant too, and none of the others', async () => {
    const { clock, ledger, patient, guardian, doctor, own, doctorKeys } = await patientWithGuardian()
    const records: HistoryRecord[] = Object.values(fixtureRecordsFor(patient.address))
    await own.add(records)
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emergencyGrant(patient.address, guardian.address, doctor.address, clock.now() + 2 * hour, [...CATEGORIES])
    ledger.emit(patient.address, ['guardianAdded', 'emergencyGranted'])
    await until('the move that hands the doctor the keys', () => own.epoch.get() === 1)
    await checked(own)
    let keyring: EpochKeyring | undefined
    for (const { field, key } of openKeyDrop(latestDrop(own), doctorKeys).keys) keyring = addEpochKey(keyring, field, key)
    if (keyring === undefined) throw new Error('the doctor got no key')
    const opened: string[] = []
    let closed = 0
    for (const block of own.log.entries()) {
      if (isKeyDrop(block.payload)) continue
      try {
        opened.push(openEntry(decodeEnvelope(block.payload), keyring, block.writer, { patient: patient.address }).record.resourceType)
      } catch (error) {
        expect(String(error)).toMatch(/Your access does not cover this record/)
        closed++
      }
    }
    const expected = records.filter((record) => isEmergencyCategory(categoryOf(record))).map((record) => record.resourceType)
    // The two blood-pressure readings patientWithGuardian added are results: they open too.
    expect(opened.sort()).toEqual([...expected, 'Observation', 'Observation'].sort())
    expect(expected).toContain('AllergyIntolerance')
    expect(closed).toBe(records.length - expected.length)
  })
})
