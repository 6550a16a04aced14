// A guardian's device hands a treating doctor the emergency records' keys while the patient's
// devices are away: it pulls the history, opens the key drops the patient wrapped for the guardian,
// and leaves the emergency categories' keys, wrapped for the doctor, with the keepers. The doctor's
// keys then open the emergency records and nothing else.
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { decodeEnvelope, decodeWrappedKeys, isKeyDrop, parseKeyField } from '../crypto/index.ts'
import { categoryOf, EMERGENCY_CATEGORY_INDEXES, isEmergencyCategory, openEntry, readerKeyring, type HistoryRecord } from '../history/index.ts'
import { fixtureRecordsFor } from '../../test/fixtures/recordFixtures.ts'
import type { EmergencyKeysClient } from './emergencyKeys.ts'
import { SessionError } from './SessionError.ts'
import { FAKE_DOMAIN, fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, openedOwnHistory, until } from './sessionFakes.ts'

/** A keeper client that records what it is handed; `down` keepers cannot be reached. */
function recordingClient(down: readonly string[] = []) {
  const handed: { addresses: readonly string[]; patient: string; doctor: string; keys: Uint8Array }[] = []
  const client: EmergencyKeysClient = {
    connect: (address) => (down.includes(address) ? Promise.reject(new Error('the keeper could not be reached')) : Promise.resolve(`0x${'e1'.repeat(20)}`)),
    hand: (addresses, request) => {
      handed.push({ addresses, ...request })
      return Promise.resolve(addresses.map((keeper) => ({ keeper, ok: true })))
    },
    take: () => Promise.reject(new Error('not asked here'))
  }
  return { client, handed }
}

/** A patient with records on their phone, a guardian's laptop with its keys open, and a doctor with a registered key. */
async function patientGuardianDoctor(client: EmergencyKeysClient) {
  const clock = manualClock()
  const network = memoryNetwork()
  const patient = fakeWallet(0)
  const guardian = fakeWallet(5)
  const doctor = fakeWallet(6)
  const ledger = fakeLedger(patient, clock)
  const phone = fakeDevice({ name: 'phone', wallet: patient, network, ledger, clock })
  const own = await openedOwnHistory(phone)
  const records: HistoryRecord[] = Object.values(fixtureRecordsFor(patient.address))
  await own.add(records)

  const laptop = fakeDevice({ name: 'laptop', wallet: guardian, network, ledger, clock })
  await laptop.session.connect({
    wallet: guardian,
    ledger,
    domain: FAKE_DOMAIN,
    startOrbit: ({ identity }) => Promise.resolve(network.orbit('laptop', identity)),
    emergencyKeys: () => client
  })
  await laptop.session.unlock()
  const guardianKeys = laptop.session.keys.get()
  if (guardianKeys === undefined) throw new Error("the guardian's keys did not open")
  ledger.publishedKeys.set(guardian.address.toLowerCase(), bytesToHex(guardianKeys.encryption.publicKey))
  const doctorKeys = x25519.keygen()
  ledger.publishedKeys.set(doctor.address.toLowerCase(), bytesToHex(doctorKeys.publicKey))
  return { clock, network, ledger, patient, guardian, doctor, own, laptop, doctorKeys, records }
}

describe("a guardian's hand-on of the emergency keys", () => {
  it('gives the doctor the emergency categories of every epoch, which open the emergency records, before the guardian was named too, and none of the others', async () => {
    const { client, handed } = recordingClient()
    const { ledger, patient, guardian, doctor, own, laptop, doctorKeys, records, network } = await patientGuardianDoctor(client)
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emit(patient.address, ['guardianAdded'])
    await until('the move that names the guardian', () => own.epoch.get() === 1)
    // The patient's phone goes away; the guardian's laptop pulls from the keeper ('phone' stands in for it here).
    const result = await laptop.session.handEmergencyKeys(patient.address, doctor.address, ['phone'])
    expect(network.pulls).toContain('laptop<-phone')
    expect(result).toEqual({ keepers: ['phone'], keys: 2 * EMERGENCY_CATEGORY_INDEXES.length })
    expect(handed).toHaveLength(1)
    expect(handed[0]).toMatchObject({ addresses: ['phone'], patient: patient.address, doctor: doctor.address })

    const wrapped = decodeWrappedKeys(handed[0]?.keys ?? new Uint8Array())
    expect(wrapped.map((key) => parseKeyField(key.epoch).category).every((category) => category !== undefined && EMERGENCY_CATEGORY_INDEXES.includes(category))).toBe(true)
    const keyring = readerKeyring(wrapped, doctorKeys.secretKey)
    const opened: string[] = []
    let closed = 0
    for (const block of own.log.entries()) {
      if (isKeyDrop(block.payload)) continue
      try {
        opened.push(openEntry(decodeEnvelope(block.payload), keyring, block.writer, { patient: patient.address }).record.resourceType)
      } catch {
        closed++
      }
    }
    const expected = records.filter((record) => isEmergencyCategory(categoryOf(record))).map((record) => record.resourceType)
    expect(expected).toContain('AllergyIntolerance')
    expect(opened.sort()).toEqual(expected.sort())
    expect(closed).toBe(records.length - expected.length)
  })

  it('says the history holds no keys for the guardian yet, when the patient has not named them', async () => {
    const { client, handed } = recordingClient()
    const { patient, doctor, laptop } = await patientGuardianDoctor(client)
    const refused = laptop.session.handEmergencyKeys(patient.address, doctor.address, ['phone'])
    await expect(refused).rejects.toThrow(SessionError)
    await expect(refused).rejects.toThrow(/holds no emergency keys for you yet/)
    expect(handed).toEqual([])
  })

  it('says when the doctor registered no key, or no keeper serves the history, and hands nothing on', async () => {
    const { client, handed } = recordingClient(['keeper-a', 'keeper-b'])
    const { ledger, patient, guardian, doctor, own, laptop } = await patientGuardianDoctor(client)
    ledger.addGuardian(patient.address, guardian.address)
    ledger.emit(patient.address, ['guardianAdded'])
    await until('the move that names the guardian', () => own.epoch.get() === 1)
    await expect(laptop.session.handEmergencyKeys(patient.address, doctor.address, ['keeper-a', 'keeper-b'])).rejects.toThrow(
      /^No keeper of the patient served their history \(keeper keeper-a: the keeper could not be reached; keeper keeper-b: the keeper could not be reached\)\.$/
    )
    await expect(laptop.session.handEmergencyKeys(patient.address, doctor.address, [])).rejects.toThrow(/enter the address of one of the patient's keepers/)
    ledger.publishedKeys.delete(doctor.address.toLowerCase())
    await expect(laptop.session.handEmergencyKeys(patient.address, doctor.address, ['phone'])).rejects.toThrow(/The doctor has not registered an encryption key yet/)
    expect(handed).toEqual([])
  })
})
