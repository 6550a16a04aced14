import { describe, expect, it } from 'vitest'
import { encodeEnvelope } from '../crypto/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import { MAX_EPOCH_JUMP, type OwnHistoryModel } from './ownHistory.ts'
import { DRAW_MS, VERIFY_DELAY_MS } from './trackHistory.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, settle, until, type FakeDevice } from './sessionFakes.ts'

async function opened(device: FakeDevice): Promise<OwnHistoryModel> {
  await device.connect()
  await device.session.unlock()
  const own = device.session.own.get()
  if (own === undefined) throw new Error(`the history did not open on ${device.name}`)
  return own
}

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

describe('the epoch of the own history', () => {
  it('moves forward on rotateKey and stays there after a reload', async () => {
    const { phone } = twoDevices()
    const own = await opened(phone)
    expect(await own.rotateKey()).toBe(1)
    expect(own.epoch.get()).toBe(1)
    const again = await opened(phone.reload())
    expect(again.epoch.get()).toBe(1)
  })

  it('is adopted from the patient\'s blocks written on another device, whose records then open', async () => {
    const { phone, laptop, wallet } = twoDevices()
    const onPhone = await opened(phone)
    await onPhone.rotateKey()
    await onPhone.rotateKey()
    await onPhone.add(bloodPressureSeries(wallet.address, 3))

    const onLaptop = await opened(laptop)
    expect(onLaptop.epoch.get()).toBe(0)
    await onLaptop.log.syncWith('phone')
    await until('the laptop to adopt epoch 2', () => onLaptop.epoch.get() === 2)
    await until('the records to open', () => onLaptop.history.entries().length === 3)
    // What the laptop writes now goes under epoch 2, readable on the phone.
    await onLaptop.add(bloodPressureSeries(wallet.address, 4).slice(3))
    await onPhone.log.syncWith('laptop')
    await until('the phone to read the laptop\'s record', () => onPhone.history.entries().length === 4)
    // The adopted keys are kept: a reload of the laptop starts at epoch 2.
    expect((await opened(laptop.reload())).epoch.get()).toBe(2)
  })

  it('is not moved by a block a doctor wrote, whatever epoch it names', async () => {
    const { phone, network, wallet } = twoDevices()
    const doctor = fakeWallet(1)
    const own = await opened(phone)
    network.plant('phone', wallet.address, doctor.address, envelopeOf(5))
    await settle()
    expect(own.history.unreadable()).toHaveLength(1)
    expect(own.epoch.get()).toBe(0)
    // A patient's block of the same epoch does move it.
    network.plant('phone', wallet.address, wallet.address, envelopeOf(5))
    await until('epoch 5', () => own.epoch.get() === 5)
  })

  it('does not jump further than MAX_EPOCH_JUMP on the evidence of one block', async () => {
    const { phone, network, wallet } = twoDevices()
    const own = await opened(phone)
    network.plant('phone', wallet.address, wallet.address, envelopeOf(MAX_EPOCH_JUMP + 1))
    await settle()
    expect(own.epoch.get()).toBe(0)
    expect(phone.log.errors.join('\n')).toMatch(/names epoch 1025, far beyond this device's 0/)
    network.plant('phone', wallet.address, wallet.address, envelopeOf(MAX_EPOCH_JUMP))
    await until(`epoch ${MAX_EPOCH_JUMP}`, () => own.epoch.get() === MAX_EPOCH_JUMP)
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
})
