import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from 'viem'
import { recordCategories } from '../chain/index.ts'
import { createKeyDrop, decodeEnvelope, firstEpochKeyring, isKeyDrop, keyForEpoch, newEpochKey, openKeyDrop } from '../crypto/index.ts'
import { openPatientHistory } from '../history/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import type { PatientReadingModel } from './patientReading.ts'
import { revokeGrant } from './revokeGrant.ts'
import { ACCESS_CHECK_MS, missedEndings, reconcileAccess, rotateForNewOwnerKey } from './rotateHistoryKey.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, nextKeysOf, openedOwnHistory, settle, until } from './sessionFakes.ts'

const allCategories = recordCategories.map((_, i) => i)
const day = 86_400_000

const opened = openedOwnHistory

/** Waits until the checks of who has access that are under way on `own` have settled. */
const checked = (own: OwnHistoryModel): Promise<void> => own.moveKeys(() => Promise.resolve())

/**
 * A patient with a phone and a laptop (synced, two records) and two doctors reading from the phone:
 * one who keeps access, one whose access will end.
 */
async function practice() {
  const clock = manualClock()
  const network = memoryNetwork()
  const patient = fakeWallet(0)
  const ledger = fakeLedger(patient, clock)
  const phone = fakeDevice({ name: 'phone', wallet: patient, network, ledger, clock })
  const laptop = fakeDevice({ name: 'laptop', wallet: patient, network, ledger, clock })
  const [kept, revoked] = [fakeWallet(1), fakeWallet(2)]
  const clinics = [kept, revoked].map((doctor, i) => fakeDevice({ name: `clinic${i}`, wallet: doctor, network, ledger, clock }))
  const own = await opened(phone)
  const onLaptop = await opened(laptop)
  await own.add(bloodPressureSeries(patient.address, 2))
  await onLaptop.log.syncWith('phone')
  const readings: PatientReadingModel[] = []
  for (const [i, clinic] of clinics.entries()) {
    await opened(clinic)
    const keys = clinic.session.keys.get()
    const doctor = [kept, revoked][i]
    if (keys === undefined || doctor === undefined) throw new Error('a doctor has no keys')
    ledger.grant(patient.address, doctor.address, clock.now() + 30 * day)
    ledger.publishedKeys.set(doctor.address, bytesToHex(keys.encryption.publicKey))
    const reading = await clinic.session.readPatient(patient.address, await own.wrapFor(keys.encryption.publicKey, allCategories), 'phone')
    await until('synced', () => reading.reading.get().state === 'synced')
    readings.push(reading)
  }
  const [keptReading, revokedReading] = readings
  if (keptReading === undefined || revokedReading === undefined) throw new Error('a reading did not open')
  await Promise.all([checked(own), checked(onLaptop)])
  return { clock, network, ledger, patient, phone, laptop, own, onLaptop, kept, revoked, keptReading, revokedReading }
}

/** The epoch a record's block was sealed under. */
const sealedUnder = (block: { payload: Uint8Array } | undefined): number | undefined => (block === undefined || isKeyDrop(block.payload) ? undefined : decodeEnvelope(block.payload).epoch)

describe('the ends of access a history has not moved past', () => {
  const asOf = { block: 10n, time: Date.UTC(2026, 10, 26) }
  const doctor = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

  it('are the revocations and narrowings in a later block, and the expiries after its time', () => {
    const revokedBefore = { doctor, reason: 'revoked', at: new Date(asOf.time), block: 10n } as const
    const revokedAfter = { doctor, reason: 'revoked', at: new Date(asOf.time), block: 11n } as const
    const narrowedAfter = { doctor, reason: 'narrowed', at: new Date(asOf.time + 1), block: 12n } as const
    const expiredBefore = { doctor, reason: 'expired', at: new Date(asOf.time) } as const
    const expiredAfter = { doctor, reason: 'expired', at: new Date(asOf.time + 1_000) } as const
    // A revocation in the same second as the rotation but a later block still counts: blocks, not seconds, order them.
    expect(missedEndings([revokedBefore, revokedAfter, narrowedAfter, expiredBefore, expiredAfter], { asOf })).toEqual([revokedAfter, narrowedAfter, expiredAfter])
    // In epoch 0 no drop chose anyone: every end counts.
    expect(missedEndings([revokedBefore, expiredBefore], undefined)).toEqual([revokedBefore, expiredBefore])
  })
})

describe('reconciling the ledger with the history', () => {
  it('catches up a revocation whose rotation never ran (the page closed): the next open moves on, and the revoked doctor reads nothing new', async () => {
    const { ledger, patient, phone, revoked, keptReading, revokedReading } = await practice()
    // The revoke transaction went through; the page closed before the history moved.
    await ledger.revoke(revoked.address)
    await phone.session.connect(undefined)
    const reopened = phone.reload()
    const own = await opened(reopened)
    await checked(own)
    expect(own.epoch.get()).toBe(1)
    expect(reopened.session.rotationNotice.get()).toBe(
      'A revocation had not yet moved your history to a new key, so your history now uses a new key (epoch 1). Only doctors whose access is still live received it (and your guardians, the keys of your emergency records); what the others already saw cannot be unseen.'
    )

    await own.add(bloodPressureSeries(patient.address, 3).slice(2))
    expect(sealedUnder(own.log.entries().at(-1))).toBe(1)
    await keptReading.resync()
    await revokedReading.resync()
    await until('the doctor who stays to read the new record', () => keptReading.history.entries().length === 3)
    expect(revokedReading.log.entries()).toHaveLength(own.log.entries().length)
    expect(revokedReading.history.entries()).toHaveLength(2)
    expect(revokedReading.history.unreadable()).toHaveLength(1)

    // Once caught up, opening again moves nothing.
    const held = own.log.entries().length
    await reopened.session.connect(undefined)
    const again = await opened(reopened.reload())
    await checked(again)
    expect(again.epoch.get()).toBe(1)
    expect(again.log.entries()).toHaveLength(held)
  })

  it('moves once for a revocation whose ledger event made the check move first: the revoke\'s own move finds the epoch made and adds none', async () => {
    const { ledger, patient, own, revoked } = await practice()
    // The event the revoke transaction emits reaches the check before the revoke's own move runs.
    ledger.revokeHook = () => ledger.emit(patient.address, ['revoked'])
    const outcome = await revokeGrant({ ledger, patient: patient.address, doctor: revoked.address, openOwn: () => Promise.resolve(own) })
    await checked(own)
    expect(own.epoch.get()).toBe(1)
    expect(own.history.blocks().filter((b) => b.keyDrop === true)).toHaveLength(1)
    expect(outcome.notice).toContain('Your history now uses a new key (epoch 1)')
    expect(outcome.notice).toContain('The doctor who keeps access gets the new key.')
  })

  it('moves on once when a grant expires, at the next check, by the ledger\'s clock, and hands the key to the doctor still granted', async () => {
    const { clock, ledger, patient, own, revoked, keptReading } = await practice()
    ledger.grant(patient.address, revoked.address, clock.now() + 1_000)
    await checked(own)
    expect(own.epoch.get()).toBe(0)
    await clock.advance(ACCESS_CHECK_MS)
    await until('the rotation', () => own.epoch.get() === 1)
    await checked(own)
    expect(own.history.blocks().filter((b) => b.keyDrop === true)).toHaveLength(1)
    await own.add(bloodPressureSeries(patient.address, 3).slice(2))
    await keptReading.resync()
    await until('the doctor still granted to read the new record', () => keptReading.history.entries().length === 3)

    await clock.advance(5 * ACCESS_CHECK_MS)
    await checked(own)
    expect(own.epoch.get()).toBe(1)
    expect(own.history.blocks().filter((b) => b.keyDrop === true)).toHaveLength(1)
  })

  it('moves on when a doctor who keeps access replaced their keys: the new epoch is wrapped for their new key, once', async () => {
    const { clock, ledger, patient, phone, own, kept, revoked } = await practice()
    await revokeGrant({ ledger, patient: patient.address, doctor: revoked.address, openOwn: () => Promise.resolve(own) })
    await checked(own)
    expect(own.epoch.get()).toBe(1)
    const keptKey = ledger.publishedKeys.get(kept.address.toLowerCase())
    expect(own.latestRotation()?.recipients).toContain(keptKey?.slice(2))

    // The doctor fears their keys were exposed and registers new ones; the epoch's key never reached the new key.
    const replaced = x25519.keygen()
    ledger.publishedKeys.set(kept.address.toLowerCase(), bytesToHex(replaced.publicKey))
    await clock.advance(ACCESS_CHECK_MS)
    await until('the move to a new epoch', () => own.epoch.get() === 2)
    await checked(own)
    expect(phone.session.rotationNotice.get()).toMatch(/^A doctor who keeps access replaced their keys, so your history now uses a new key \(epoch 2\)/)
    const drop = own.log.entries().find((entry) => entry.hash === own.latestRotation()?.hash)
    expect(drop).toBeDefined()
    expect(openKeyDrop(drop?.payload ?? new Uint8Array(0), replaced).keys.length).toBeGreaterThan(0)

    // Once the new key is named, nothing moves again.
    await clock.advance(5 * ACCESS_CHECK_MS)
    await checked(own)
    expect(own.epoch.get()).toBe(2)
  })

  it('does not move for a doctor granted after the newest epoch: the visit gave them its keys', async () => {
    const { clock, network, ledger, patient, own, revoked } = await practice()
    await revokeGrant({ ledger, patient: patient.address, doctor: revoked.address, openOwn: () => Promise.resolve(own) })
    await checked(own)
    const later = fakeWallet(3)
    const laterClinic = fakeDevice({ name: 'clinic3', wallet: later, network, ledger, clock })
    await opened(laterClinic)
    const keys = laterClinic.session.keys.get()
    if (keys === undefined) throw new Error('the later doctor has no keys')
    ledger.grant(patient.address, later.address, clock.now() + 30 * day)
    ledger.publishedKeys.set(later.address, bytesToHex(keys.encryption.publicKey))
    await clock.advance(2 * ACCESS_CHECK_MS)
    await checked(own)
    expect(own.epoch.get()).toBe(1)
  })

  it('has a second device that was offline during a revocation write afterwards under an epoch the revoked doctor lacks, and both devices end on one epoch', async () => {
    const { network, ledger, patient, laptop, own, revoked, keptReading, revokedReading } = await practice()
    // The laptop is closed; the patient revokes on the phone, which moves the history on.
    await laptop.session.connect(undefined)
    const outcome = await revokeGrant({ ledger, patient: patient.address, doctor: revoked.address, openOwn: () => Promise.resolve(own) })
    expect(outcome.notice).toMatch(/Your history now uses a new key \(epoch 1\)/)
    network.offline.add('phone')

    // The laptop opens again without reaching the phone: the ledger alone tells it to move on.
    const onLaptop = await opened(laptop)
    await until('the laptop\'s own rotation', () => onLaptop.epoch.get() === 1)
    await onLaptop.add(bloodPressureSeries(patient.address, 3).slice(2))
    expect(sealedUnder(onLaptop.log.entries().at(-1))).toBe(1)
    // The doctors' browsers reach the laptop: the one who stays reads the record, the revoked one does not.
    await keptReading.log.syncWith('laptop')
    await revokedReading.log.syncWith('laptop')
    await until('the doctor who stays to read it', () => keptReading.history.entries().length === 3)
    expect(revokedReading.history.entries()).toHaveLength(2)
    expect(revokedReading.history.unreadable()).toHaveLength(1)

    // The devices meet again: one epoch, the same key sealing, every record readable on both.
    network.offline.delete('phone')
    await onLaptop.log.syncWith('phone')
    await own.log.syncWith('laptop')
    await Promise.all([checked(own), checked(onLaptop)])
    expect(own.latestRotation()?.hash).toBe(onLaptop.latestRotation()?.hash)
    expect(keyForEpoch(own.history.keyring(), 1)).toEqual(keyForEpoch(onLaptop.history.keyring(), 1))
    expect(own.history.entries()).toHaveLength(3)
    expect(onLaptop.history.entries()).toHaveLength(3)
    expect([own.epoch.get(), onLaptop.epoch.get()]).toEqual([1, 1])
  })

  it('settles two devices that moved at once on the drop with the lowest hash; the other key still opens what it sealed, and the revoked doctor holds neither', async () => {
    const { network, ledger, patient, own, onLaptop, revoked, keptReading, revokedReading } = await practice()
    // The revocation lands while the two devices cannot reach each other: each hears of it and moves on its own.
    network.offline.add('phone')
    network.offline.add('laptop')
    await ledger.revoke(revoked.address)
    ledger.emit(patient.address, ['revoked'])
    await until('both devices to move on', () => own.epoch.get() === 1 && onLaptop.epoch.get() === 1)
    await Promise.all([checked(own), checked(onLaptop)])
    const drops = [own.latestRotation()?.hash, onLaptop.latestRotation()?.hash]
    expect(drops[0]).not.toBe(drops[1])
    const [third, fourth] = bloodPressureSeries(patient.address, 4).slice(2)
    if (third === undefined || fourth === undefined) throw new Error('no fixture records')
    await own.add([third])
    await onLaptop.add([fourth])

    network.offline.clear()
    await onLaptop.log.syncWith('phone')
    await own.log.syncWith('laptop')
    await Promise.all([checked(own), checked(onLaptop)])
    const winner = [...drops].sort()[0]
    expect(own.latestRotation()?.hash).toBe(winner)
    expect(onLaptop.latestRotation()?.hash).toBe(winner)
    expect(keyForEpoch(own.history.keyring(), 1)).toEqual(keyForEpoch(onLaptop.history.keyring(), 1))
    expect(own.history.keyring().keys.get(1)).toHaveLength(2)
    // Nothing more to do: both drops were chosen after the revocation.
    expect([own.epoch.get(), onLaptop.epoch.get()]).toEqual([1, 1])
    expect(own.history.entries()).toHaveLength(4)
    expect(onLaptop.history.entries()).toHaveLength(4)

    await keptReading.log.syncWith('phone')
    await revokedReading.log.syncWith('phone')
    await until('the doctor who stays to read both', () => keptReading.history.entries().length === 4)
    expect(revokedReading.history.entries()).toHaveLength(2)
    expect(revokedReading.history.unreadable()).toHaveLength(2)
  })

  it('moves on again when the drop every device settles on was chosen before a revocation', async () => {
    const { network, ledger, patient, phone, own, kept, revoked, keptReading, revokedReading } = await practice()
    const ownerKey = phone.session.keys.get()?.encryption.publicKey
    if (ownerKey === undefined) throw new Error('no keys')
    const publishedKey = (doctor: string): Uint8Array => {
      const hex = ledger.publishedKeys.get(doctor)
      if (hex === undefined) throw new Error('no published key')
      return hexToBytes(hex)
    }
    // One device moved on while both doctors were live (for another reason), another after the revocation.
    const before = createKeyDrop({ epoch: 1, key: newEpochKey(), asOf: { block: ledger.block, time: 0 }, owner: ownerKey, readers: [kept, revoked].map((d) => ({ publicKey: publishedKey(d.address), categories: allCategories })) })
    await ledger.revoke(revoked.address)
    const after = createKeyDrop({ epoch: 1, key: newEpochKey(), asOf: { block: ledger.block, time: 0 }, owner: ownerKey, readers: [{ publicKey: publishedKey(kept.address), categories: allCategories }] })
    // The older choice wins the tie (the lower hash), so the revoked doctor holds epoch 1's key.
    network.plant('phone', patient.address, patient.address, before, `fake${'0'.repeat(40)}`)
    network.plant('phone', patient.address, patient.address, after, `fake${'f'.repeat(40)}`)
    await until('the check that follows to move on', () => own.epoch.get() === 2)
    await checked(own)
    expect(own.latestRotation()?.epoch).toBe(2)
    expect(missedEndings((await ledger.readAccess(patient.address)).endings, own.latestRotation())).toEqual([])

    await own.add(bloodPressureSeries(patient.address, 3).slice(2))
    await keptReading.resync()
    await revokedReading.resync()
    await until('the doctor who stays to read the new record', () => keptReading.history.entries().length === 3)
    await settle()
    expect(revokedReading.history.entries()).toHaveLength(2)
    expect(revokedReading.history.unreadable()).toHaveLength(1)
  })
})

describe('a doctor granted after a move to a new key', () => {
  it('gets the epoch\'s key with the visit, not from its drop, and writes under it; the patient reads it', async () => {
    const { clock, network, ledger, patient, own, revoked } = await practice()
    await ledger.revoke(revoked.address)
    await reconcileAccess({ ledger, patient: patient.address, own })
    expect(own.epoch.get()).toBe(1)
    const late = fakeWallet(3)
    const clinic = fakeDevice({ name: 'clinic-late', wallet: late, network, ledger, clock })
    await opened(clinic)
    const keys = clinic.session.keys.get()
    if (keys === undefined) throw new Error('no keys')
    ledger.grant(patient.address, late.address, clock.now() + day)
    const reading = await clinic.session.readPatient(patient.address, await own.wrapFor(keys.encryption.publicKey, allCategories), 'phone')
    await until('synced', () => reading.reading.get().state === 'synced')
    const [note] = bloodPressureSeries(patient.address, 3).slice(2)
    if (note === undefined) throw new Error('no fixture record')
    await reading.add([note])
    expect(sealedUnder(reading.log.entries().at(-1))).toBe(1)
    await own.log.syncWith('clinic-late')
    await until('the patient to read what the doctor wrote', () => own.history.entries().some((e) => e.record.id === note.id))
  })
})

describe('replacing the patient\'s keys', () => {
  it('wraps every epoch\'s key for the new key and none for the old, and hands the doctors who keep access the new epoch', async () => {
    const { ledger, patient, phone, own, revoked, keptReading } = await practice()
    await ledger.revoke(revoked.address)
    await reconcileAccess({ ledger, patient: patient.address, own })
    await own.add(bloodPressureSeries(patient.address, 3).slice(2))
    const old = phone.session.keys.get()?.encryption
    if (old === undefined) throw new Error('no keys')

    const next = await nextKeysOf(patient)
    const renewed = next.encryption
    expect(await rotateForNewOwnerKey(ledger, patient.address, own, { encryptionKey: renewed.publicKey, identity: next.identity })).toEqual({ epoch: 2, handedTo: 1, reasons: [] })
    expect(own.log.entries().at(-1)?.writerKeyVersion).toBe(2)
    // This device still holds the old key: it writes nothing more until it opens the history with the new one.
    await expect(own.add(bloodPressureSeries(patient.address, 4).slice(3))).rejects.toThrow(/this device's keys do not open/)

    // A device with only the new key (a new device after the replacement) opens every epoch.
    const withNewKey = openPatientHistory({ log: own.log, keyring: { current: 0, keys: new Map() }, reader: { publicKey: renewed.publicKey, secretKey: renewed.secretKey } })
    expect(withNewKey.entries()).toHaveLength(3)
    expect(withNewKey.keyring().current).toBe(2)
    const written = await withNewKey.add(bloodPressureSeries(patient.address, 4)[3] ?? never())
    expect(sealedUnder(own.log.entries().at(-1))).toBe(2)

    // The old key opens everything before the replacement and nothing after it.
    const withOldKey = openPatientHistory({ log: own.log, keyring: firstEpochKeyring(old.secretKey, patient.address), reader: old })
    expect(withOldKey.entries().map((e) => e.id)).not.toContain(written.id)
    expect(withOldKey.entries()).toHaveLength(3)
    expect(withOldKey.unreadable()).toHaveLength(1)

    // The doctor who keeps access got the new epoch's key in the drop.
    await keptReading.resync()
    await until('the doctor who stays to read the record written under the new keys', () => keptReading.history.entries().some((e) => e.id === written.id))
  })
})

function never(): never {
  throw new Error('no fixture record')
}
