import { describe, expect, it } from 'vitest'
import { x25519 } from '@noble/curves/ed25519.js'
import { createKeyDrop, decodeEnvelope, encodeEnvelope, firstEpochKey, keyForEpoch, newEpochKey } from '../crypto/index.ts'
import { EMPTY_PROFILE } from '../emergency/emergencyProfile.ts'
import { profileRecord, storedProfile } from '../emergency/profileRecord.ts'
import { HistoryError } from '../history/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import { rotateForNewOwnerKey } from './rotateHistoryKey.ts'
import { BULK_DRAW_MS, DRAW_MS, SYNC_DRAW_MS, VERIFY_DELAY_MS } from './trackHistory.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, nextKeysOf, openedOwnHistory, settle, until, type FakeDevice } from './sessionFakes.ts'

async function opened(device: FakeDevice): Promise<OwnHistoryModel> {
  const own = await openedOwnHistory(device)
  // The check of who has access that every open runs: nothing is due here.
  await own.moveKeys(() => Promise.resolve())
  return own
}

/** Moves `own` to a new epoch, its readers chosen by the ledger as it stands. */
const rotate = (own: OwnHistoryModel, ledger: ReturnType<typeof fakeLedger>): Promise<number> =>
  own.moveKeys(() => own.rotate({ asOf: { block: ledger.block, time: 0 }, readers: [] }))

/** A block that names `epoch` and holds nothing readable. */
const envelopeOf = (epoch: number): Uint8Array => encodeEnvelope({ v: 1, id: `forged-${epoch}`, epoch, nonce: new Uint8Array(24), ciphertext: new Uint8Array(48) })

function twoDevices() {
  const clock = manualClock()
  const network = memoryNetwork()
  const wallet = fakeWallet(0)
  const ledger = fakeLedger(wallet, clock)
  const phone = fakeDevice({ name: 'phone', wallet, network, ledger, clock })
  const laptop = fakeDevice({ name: 'laptop', wallet, network, ledger, clock })
  return { clock, network, wallet, ledger, phone, laptop }
}

/** What `error` is, when `run` throws a HistoryError. */
async function refusal(run: () => Promise<unknown>): Promise<HistoryError> {
  try {
    await run()
  } catch (error) {
    if (error instanceof HistoryError) return error
    throw error
  }
  throw new Error('accepted')
}

describe('the epoch of the own history', () => {
  it('moves forward on a rotation under a random key, written into the history, and is there again after a reload', async () => {
    const { phone, wallet, ledger, network } = twoDevices()
    const own = await opened(phone)
    expect(await rotate(own, ledger)).toBe(1)
    expect(own.epoch.get()).toBe(1)
    // Not derived from the wallet's key: epoch 0's is, epoch 1's is not.
    const keys = phone.session.keys.get()
    if (keys === undefined) throw new Error('no keys')
    expect(keyForEpoch(own.history.keyring(), 0)).toEqual(firstEpochKey(keys.encryption.secretKey, wallet.address))
    expect(keyForEpoch(own.history.keyring(), 1)).not.toEqual(firstEpochKey(keys.encryption.secretKey, wallet.address))
    expect(network.stored('phone', wallet.address)).toHaveLength(1)
    await own.add(bloodPressureSeries(wallet.address, 1))

    const again = await opened(phone.reload())
    expect(again.epoch.get()).toBe(1)
    expect(again.history.entries()).toHaveLength(1)
  })

  it('is recovered whole by a new device that has only the wallet: every epoch, from the key drops in the history', async () => {
    const { phone, laptop, wallet, ledger } = twoDevices()
    const onPhone = await opened(phone)
    const series = bloodPressureSeries(wallet.address, 3)
    await onPhone.add(series.slice(0, 1))
    await rotate(onPhone, ledger)
    await onPhone.add(series.slice(1, 2))
    await rotate(onPhone, ledger)
    await onPhone.add(series.slice(2))

    // The laptop's vault is empty: its keys come from the wallet's signatures, the epochs from the history.
    const onLaptop = await opened(laptop)
    expect(onLaptop.epoch.get()).toBe(0)
    await onLaptop.log.syncWith('phone')
    await until('the laptop to adopt epoch 2', () => onLaptop.epoch.get() === 2)
    await until('every record to open', () => onLaptop.history.entries().length === 3)
    expect(onLaptop.history.unreadable()).toEqual([])
    expect(keyForEpoch(onLaptop.history.keyring(), 2)).toEqual(keyForEpoch(onPhone.history.keyring(), 2))
  })

  it('is adopted from the patient\'s key drops by every device, the device\'s own writer included, and what it writes then opens on the other', async () => {
    const { phone, laptop, wallet, ledger } = twoDevices()
    const onPhone = await opened(phone)
    const onLaptop = await opened(laptop)
    await rotate(onPhone, ledger)
    // Both devices write as the same wallet: a drop the laptop did not make is adopted all the same.
    expect(onLaptop.history.writer).toBe(onPhone.history.writer)
    await onLaptop.log.syncWith('phone')
    await until('the laptop to adopt epoch 1', () => onLaptop.epoch.get() === 1)
    await onLaptop.add(bloodPressureSeries(wallet.address, 1))
    const written = onLaptop.log.entries().at(-1)
    expect(written === undefined ? undefined : decodeEnvelope(written.payload).epoch).toBe(1)
    await onPhone.log.syncWith('laptop')
    await until('the phone to read the laptop\'s record', () => onPhone.history.entries().length === 1)
  })

  it('is not moved by a key drop or a record a doctor wrote, whatever epoch it names', async () => {
    const { phone, network, wallet } = twoDevices()
    const doctor = fakeWallet(1)
    const own = await opened(phone)
    const keys = phone.session.keys.get()
    if (keys === undefined) throw new Error('no keys')
    // The doctor drops a key they chose for the patient's own key: were it taken, the patient would seal under a key the doctor holds.
    const planted = newEpochKey()
    network.plant('phone', wallet.address, doctor.address, createKeyDrop({ epoch: 1, key: planted, asOf: { block: 1n, time: 0 }, owner: keys.encryption.publicKey, readers: [] }))
    network.plant('phone', wallet.address, doctor.address, envelopeOf(5))
    await settle()
    expect(own.epoch.get()).toBe(0)
    expect(own.history.keyring().keys.has(1)).toBe(false)
    await own.add(bloodPressureSeries(wallet.address, 1))
    const report = await own.history.verify()
    expect(report.verdicts.find((v) => v.verdict === 'broken')?.reason).toMatch(/a key drop written by someone other than the patient/)
  })

  it('does not loop or derive anything for an epoch number far ahead, and ignores one past the last epoch', async () => {
    const { phone, network, wallet } = twoDevices()
    const own = await opened(phone)
    network.plant('phone', wallet.address, wallet.address, envelopeOf(0xffff_ffff))
    await settle()
    expect(own.epoch.get()).toBe(0)
    expect(own.history.newestEpoch()).toBe(0)
    expect(await own.add(bloodPressureSeries(wallet.address, 1))).toBe(1)
  })

  it('refuses to write, and writes nothing, once the history moved to a key this device\'s keys do not open (replaced elsewhere)', async () => {
    const { phone, laptop, wallet, ledger } = twoDevices()
    const onPhone = await opened(phone)
    const onLaptop = await opened(laptop)
    await onPhone.add(bloodPressureSeries(wallet.address, 1))
    const renewed = await nextKeysOf(wallet)
    expect(await rotateForNewOwnerKey(ledger, wallet.address, onPhone, { encryptionKey: renewed.encryption.publicKey, identity: renewed.identity })).toEqual({ epoch: 1, handedTo: 0, reasons: [] })
    // The drop is the first entry of the new keys' identity: it vouches for what the old one wrote.
    expect(onPhone.log.entries().at(-1)?.writerKeyVersion).toBe(2)
    await onLaptop.log.syncWith('phone')
    await until('the drop to reach the laptop', () => onLaptop.history.newestEpoch() === 1)
    const held = onLaptop.log.entries().length
    const error = await refusal(() => onLaptop.add(bloodPressureSeries(wallet.address, 2).slice(1)))
    expect(error.code).toBe('STALE_KEY')
    expect(error.message).toMatch(/moved to a new key \(epoch 1\) that this device's keys do not open.*Nothing was written/)
    expect(onLaptop.log.entries()).toHaveLength(held)
    await expect(onLaptop.wrapFor(renewed.encryption.publicKey, [0])).rejects.toThrow(/this device's keys do not open/)
  })
})

describe('a correction of the own history', () => {
  it("is sealed like any record, and the patient's other device reads its latest version: the emergency profile follows the patient", async () => {
    const { phone, laptop, wallet } = twoDevices()
    const onPhone = await opened(phone)
    const day = Date.now() - 86_400_000
    await onPhone.add([profileRecord({ ...EMPTY_PROFILE, bloodGroup: 'A+' }, wallet.address, day)])
    const first = storedProfile(onPhone.history.entries(), wallet.address)
    expect(first.profile.bloodGroup).toBe('A+')
    if (first.entryId === undefined) throw new Error('the profile was not stored')
    await onPhone.amend(first.entryId, profileRecord({ ...EMPTY_PROFILE, bloodGroup: 'O-', contacts: [{ name: 'Sam', phone: '+44 20 7946 0000' }] }, wallet.address, day))
    expect(storedProfile(onPhone.history.entries(), wallet.address).profile.bloodGroup).toBe('O-')
    // What the log holds is ciphertext: none of the profile's words, as its JSON writes them (a
    // needle of 2 or 3 bytes turns up in 2 KB of ciphertext by chance: "O-" did, in about one run of 30).
    const stored = new TextDecoder().decode(Uint8Array.from(onPhone.log.entries().flatMap((e) => [...e.payload])))
    expect(onPhone.log.entries()).toHaveLength(2)
    const words = ['emergency-profile', 'bloodGroup', '"Sam"', '7946', '"O-"']
    for (const word of words) expect(JSON.stringify(onPhone.history.entries())).toContain(word)
    for (const word of words) expect(stored).not.toContain(word)

    const onLaptop = await opened(laptop)
    await onLaptop.log.syncWith('phone')
    await until('the profile to reach the laptop', () => onLaptop.history.entries().length === 2)
    expect(storedProfile(onLaptop.history.entries(), wallet.address).profile).toMatchObject({ bloodGroup: 'O-', contacts: [{ name: 'Sam' }] })
  })
})

describe('two moves to the same epoch, one of them for new keys of the patient\'s', () => {
  it('leave a device whose keys do not open the epoch every device settles on writing nothing', async () => {
    const { phone, network, wallet, ledger } = twoDevices()
    const own = await opened(phone)
    await rotate(own, ledger)
    await own.add(bloodPressureSeries(wallet.address, 1))
    // Another device moved to epoch 1 at the same moment, for the patient's new key; its drop has the lower hash.
    const renewed = x25519.keygen()
    network.plant('phone', wallet.address, wallet.address, createKeyDrop({ epoch: 1, key: newEpochKey(), asOf: { block: ledger.block, time: 0 }, owner: renewed.publicKey, readers: [] }), `fake${'0'.repeat(40)}`)
    await settle()
    expect(own.latestRotation()).toMatchObject({ epoch: 1, opened: false })
    const error = await refusal(() => own.add(bloodPressureSeries(wallet.address, 2).slice(1)))
    expect(error.code).toBe('STALE_KEY')
    // What it wrote before stays readable here.
    expect(own.history.entries()).toHaveLength(1)
  })
})

describe('anchoring the own history', () => {
  it('refuses an empty history, and anchors one with records, which then verify', async () => {
    const { phone, wallet, ledger } = twoDevices()
    const own = await opened(phone)
    await own.anchorNow()
    expect(own.anchorStep.get()).toEqual({ step: 'failed', error: 'There is nothing to anchor yet: add a record first.' })
    expect(ledger.anchors.size).toBe(0)
    await own.add(bloodPressureSeries(wallet.address, 2))
    await own.anchorNow()
    expect(own.anchorStep.get()).toEqual({ step: 'done', entryCount: 2, blockNumber: 7n })
    expect(own.report.get()?.verdicts.map((v) => v.verdict)).toEqual(['verified', 'verified'])
    expect(own.blocks().map((b) => b.verdict)).toEqual(['verified', 'verified'])
  })
})

describe('following the own history', () => {
  it('redraws after new records, and verifies again when the ledger announces an anchor', async () => {
    const { phone, laptop, wallet, ledger, clock } = twoDevices()
    const onPhone = await opened(phone)
    const onLaptop = await opened(laptop)
    await onLaptop.add(bloodPressureSeries(wallet.address, 2))
    await onPhone.log.syncWith('laptop')
    const drawn = onPhone.version.get()
    await clock.advance(DRAW_MS)
    expect(onPhone.version.get()).toBeGreaterThan(drawn)
    await clock.advance(VERIFY_DELAY_MS)
    await until('the first verification', () => onPhone.report.get()?.verdicts.length === 2)
    expect(onPhone.blocks().map((b) => b.verdict)).toEqual(['unanchored', 'unanchored'])

    // The laptop anchors; the phone hears of it from the ledger.
    await onLaptop.anchorNow()
    ledger.emit(wallet.address, ['anchored'])
    await clock.advance(VERIFY_DELAY_MS)
    await until('the verdicts to change', () => onPhone.blocks().every((b) => b.verdict === 'verified'))
    expect(onPhone.latestAnchor.get()?.entryCount).toBe(2n)
  })

  it('redraws as a bulk write (an import) ends, not a redraw interval later, having redrawn at most every few seconds meanwhile', async () => {
    const { phone, wallet, clock } = twoDevices()
    const own = await opened(phone)
    const series = bloodPressureSeries(wallet.address, 4)
    const before = own.version.get()
    await own.bulk(async () => {
      await own.add(series.slice(0, 2))
      await clock.advance(SYNC_DRAW_MS)
      // While the write goes on, the views wait: each redraw rebuilds them over everything so far.
      expect(own.version.get()).toBe(before)
      await clock.advance(BULK_DRAW_MS - SYNC_DRAW_MS)
      // A long write still shows its records now and then.
      expect(own.version.get()).toBe(before + 1)
      await own.add(series.slice(2))
    })
    expect(own.version.get()).toBe(before + 2)
    expect(own.history.entries()).toHaveLength(4)
  })
})
