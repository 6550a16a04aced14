import { describe, expect, it } from 'vitest'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import type { StoragePort } from './persistentStorage.ts'
import { FAKE_DOMAIN, fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, until } from './sessionFakes.ts'
import { createWriteGate } from './writeGate.ts'

function patientSetup() {
  const clock = manualClock()
  const network = memoryNetwork()
  const wallet = fakeWallet(0)
  const ledger = fakeLedger(wallet, clock)
  const phone = fakeDevice({ name: 'phone', wallet, network, ledger, clock })
  return { clock, network, wallet, ledger, phone }
}

describe('unlocking the history on a device', () => {
  it('stays locked without asking the wallet when this device holds no keys', async () => {
    const { phone, wallet } = patientSetup()
    await phone.connect()
    expect(phone.session.state.get()).toEqual({ state: 'locked' })
    expect(wallet.signed).toHaveLength(0)
    expect(phone.session.own.get()).toBeUndefined()
  })

  it('asks for two signatures the first time, then a reload opens from the vault with none', async () => {
    const { phone, wallet } = patientSetup()
    const steps: string[] = []
    phone.session.state.subscribe((s) => steps.push(s.state === 'unlocking' ? s.step : s.state))
    await phone.connect()
    await phone.session.unlock()
    expect(phone.session.state.get()).toEqual({ state: 'open' })
    expect(steps).toEqual(['locked', 'signing-keys', 'signing-binding', 'opening', 'open'])
    expect(wallet.signed).toHaveLength(2)
    expect(wallet.signed[0]).toMatch(/key/i)
    expect(wallet.signed[1]).toContain(wallet.address)
    const own = phone.session.own.get()
    if (own === undefined) throw new Error('the history did not open')
    expect(await own.add(bloodPressureSeries(wallet.address, 2))).toBe(2)
    const keys = phone.session.keys.get()

    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.state.get()).toEqual({ state: 'open' })
    expect(wallet.signed).toHaveLength(2)
    // The same keys: the records written before the reload are readable.
    expect(reloaded.session.keys.get()?.encryption.publicKey).toEqual(keys?.encryption.publicKey)
    expect(reloaded.session.own.get()?.history.entries()).toHaveLength(2)
  })

  it('says why when the wallet refuses, and opens once it signs', async () => {
    const { phone, wallet } = patientSetup()
    await phone.connect()
    wallet.refusing = true
    await phone.session.unlock()
    const failed = phone.session.state.get()
    expect(failed.state).toBe('failed')
    expect(failed.state === 'failed' ? failed.error : '').toMatch(/refused to sign the key derivation message/)
    wallet.refusing = false
    await phone.session.unlock()
    expect(phone.session.state.get()).toEqual({ state: 'open' })
  })

  it('waits for the node, and shows no wallet when none is connected', async () => {
    const { phone, wallet, ledger } = patientSetup()
    await phone.session.connect({ wallet, ledger, domain: FAKE_DOMAIN, startOrbit: undefined })
    expect(phone.session.state.get()).toEqual({ state: 'waiting', for: 'the peer-to-peer node to start' })
    await phone.connect()
    await phone.session.unlock()
    await phone.session.connect(undefined)
    expect(phone.session.state.get()).toEqual({ state: 'no-wallet' })
    expect(phone.session.own.get()).toBeUndefined()
    expect(phone.session.keys.get()).toBeUndefined()
  })
})

describe('a grant that expires while the history is open', () => {
  it('moves the history to a new epoch at the next check and tells the patient, once', async () => {
    const { phone, wallet, ledger, clock } = patientSetup()
    const doctor = fakeWallet(1)
    ledger.grant(wallet.address, doctor.address, clock.now() + 30_000)
    await phone.connect()
    await phone.session.unlock()
    const own = phone.session.own.get()
    if (own === undefined) throw new Error('the history did not open')
    expect(own.epoch.get()).toBe(0)
    expect(phone.session.rotationNotice.get()).toBeUndefined()

    await clock.advance(60_000)
    await until('the rotation and its notice', () => phone.session.rotationNotice.get() !== undefined)
    expect(own.epoch.get()).toBe(1)
    expect(phone.session.rotationNotice.get()).toMatch(/A grant expired, so your history now uses a new key \(epoch 1\)/)
    // The ledger's clock decided: the drop says which block and time chose who got the key.
    expect(own.latestRotation()?.asOf.time).toBe(clock.now())

    await clock.advance(5 * 60_000)
    expect(own.epoch.get()).toBe(1)
  })
})

describe("the browser's storage and the writes under way", () => {
  it('asks the browser to keep the site\'s data when the history first opens, once, and keeps its answer', async () => {
    const { clock, network, wallet, ledger } = patientSetup()
    let asked = 0
    const storageManager: StoragePort = {
      persisted: () => Promise.resolve(false),
      persist: () => Promise.resolve(++asked > 0),
      estimate: () => Promise.resolve({})
    }
    const phone = fakeDevice({ name: 'phone', wallet, network, ledger, clock, storageManager })
    await phone.connect()
    expect(asked).toBe(0)
    await phone.session.unlock()
    await until('the answer', () => phone.session.persistence.get() !== undefined)
    expect(phone.session.persistence.get()).toBe('granted')
    await phone.connect()
    expect(phone.session.state.get()).toEqual({ state: 'open' })
    expect(asked).toBe(1)
  })

  it('counts unlocking and adding records as writes under way, so a reload waits for them', async () => {
    const { clock, network, wallet, ledger } = patientSetup()
    const writes = createWriteGate()
    const phone = fakeDevice({ name: 'phone', wallet, network, ledger, clock, writes })
    await phone.connect()
    const unlocking = phone.session.unlock()
    expect(writes.pending.get()).toBe(1)
    await unlocking
    expect(writes.pending.get()).toBe(0)
    const own = phone.session.own.get()
    if (own === undefined) throw new Error('the history did not open')
    const events: string[] = []
    const adding = own.add(bloodPressureSeries(wallet.address, 2)).then(() => events.push('added'))
    writes.whenIdle(() => events.push('reload'))
    expect(events).toEqual([])
    await adding
    expect(events).toEqual(['reload', 'added'])
    expect(network.stored('phone', wallet.address)).toHaveLength(2)
  })
})
