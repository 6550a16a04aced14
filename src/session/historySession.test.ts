import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import type { CanSync } from '../p2p/index.ts'
import type { StoragePort } from './persistentStorage.ts'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { identityBindingTypedData, saveWalletKeys, typedDataDigest, type WalletKeys } from '../crypto/index.ts'
import { FAKE_DOMAIN, fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, until, type FakeWallet } from './sessionFakes.ts'
import { signForKeys } from './walletKeys.ts'
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

/** The keys `wallet`'s account derives on `domain` for key `version`, as the app derives them. */
async function keysOf(index: number, version = 1, domain = FAKE_DOMAIN): Promise<WalletKeys> {
  return await signForKeys(fakeWallet(index), domain, version)
}

/** A wallet whose signatures are valid and the account's own, but random each time (no RFC 6979). */
function nondeterministicWallet(index: number): FakeWallet {
  const dev = developmentAccounts[index]
  if (dev === undefined) throw new Error(`no development account ${index}`)
  const wallet = fakeWallet(index)
  wallet.signTypedData = (data) => {
    wallet.signed.push(JSON.stringify(data.message))
    const signature = secp256k1.sign(typedDataDigest(data), hexToBytes(dev.privateKey), { extraEntropy: true, prehash: false, format: 'recovered' })
    // noble puts the recovery byte first; wallets put it last, as 27 or 28.
    return Promise.resolve(Uint8Array.from([...signature.subarray(1), (signature[0] ?? 0) + 27]))
  }
  return wallet
}

describe('unlocking checks what it derives against the key registry', () => {
  it('opens when the registered key is the one this wallet derives, of the registered version', async () => {
    const { phone, wallet, ledger } = patientSetup()
    const v3 = await keysOf(0, 3)
    ledger.publishedKeys.set(wallet.address, bytesToHex(v3.encryption.publicKey))
    ledger.keyVersions.set(wallet.address, 3)
    await phone.connect()
    await phone.session.unlock()
    expect(phone.session.state.get()).toEqual({ state: 'open' })
    expect(JSON.parse(wallet.signed[0] ?? '{}')).toMatchObject({ keyVersion: 3 })
    expect(phone.session.keys.get()).toEqual(v3)
  })

  it('stops on keys that are not the registered ones, explains, and stores, asks and publishes nothing more', async () => {
    const { phone, wallet, ledger } = patientSetup()
    // The account registered from a copy of the app on another origin: its key is not what this page derives.
    const elsewhere = await keysOf(0, 1, { ...FAKE_DOMAIN, origin: 'https://copy.example' })
    ledger.publishedKeys.set(wallet.address, bytesToHex(elsewhere.encryption.publicKey))
    await phone.connect()
    await phone.session.unlock()
    const state = phone.session.state.get()
    expect(state.state).toBe('failed')
    expect(state.state === 'failed' ? state.error : '').toMatch(/not the encryption key registered for 0xf39f…2266 \(key version 1\), so nothing was opened and nothing was published/)
    expect(wallet.signed).toHaveLength(1)
    expect(phone.session.keys.get()).toBeUndefined()
    expect(ledger.publications).toEqual([])
    expect(ledger.publishedKeys.get(wallet.address)).toBe(bytesToHex(elsewhere.encryption.publicKey))
    // Nothing was kept: a reload opens nothing.
    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.state.get()).toEqual({ state: 'locked' })
  })

  it('stops a wallet that signs differently each time on its second device', async () => {
    const clock = manualClock()
    const network = memoryNetwork()
    const wallet = nondeterministicWallet(0)
    const ledger = fakeLedger(wallet, clock)
    const laptop = fakeDevice({ name: 'laptop', wallet, network, ledger, clock })
    await laptop.connect()
    await laptop.session.unlock()
    const keys = laptop.session.keys.get()
    if (keys === undefined) throw new Error('the laptop did not open')
    await ledger.publishEncryptionKey({ publicKey: keys.encryption.publicKey, version: 1 })

    const phone = fakeDevice({ name: 'phone', wallet, network, ledger, clock })
    await phone.connect()
    await phone.session.unlock()
    const state = phone.session.state.get()
    expect(state.state === 'failed' ? state.error : state.state).toMatch(/does not sign the same way each time/)
    expect(ledger.publications).toHaveLength(1)
  })

  it("syncs another patient's history with the keepers that patient named to this doctor, and no one else without a live grant", async () => {
    const { phone, wallet, ledger } = patientSetup()
    const patient = '0x00000000000000000000000000000000000000aa'
    const keeper = '0x00000000000000000000000000000000000000bb'
    const network = memoryNetwork()
    let canSync: CanSync | undefined
    await phone.session.connect({
      wallet,
      ledger,
      domain: FAKE_DOMAIN,
      isNamedKeeper: (p, w) => p === patient && w === keeper,
      startOrbit: (options) => {
        canSync = options.canSync
        return Promise.resolve(network.orbit('phone', options.identity))
      }
    })
    await phone.session.unlock()
    if (canSync === undefined) throw new Error('the orbit did not start')
    expect(await canSync(keeper, patient)).toBe(true)
    // Not for another patient's history, nor for this device's own: the own history's keepers are those its patient enrolled.
    expect(await canSync(keeper, '0x00000000000000000000000000000000000000cc')).toBe(false)
    expect(await canSync(keeper, wallet.address.toLowerCase() as `0x${string}`)).toBe(false)
    expect(await canSync('0x00000000000000000000000000000000000000dd', patient)).toBe(false)
  })

  it('refuses a wallet that signs with another account than the one connected', async () => {
    const { phone, ledger } = patientSetup()
    const impostor = fakeWallet(0)
    const other = developmentAccounts[2]
    if (other === undefined) throw new Error('no development account 2')
    impostor.signTypedData = async (data) => hexToBytes(await privateKeyToAccount(other.privateKey).signTypedData(data))
    await phone.session.connect({ wallet: impostor, ledger, domain: FAKE_DOMAIN, startOrbit: ({ identity }) => Promise.resolve(memoryNetwork().orbit('phone', identity)) })
    await phone.session.unlock()
    const state = phone.session.state.get()
    expect(state.state === 'failed' ? state.error : state.state).toMatch(/not from the connected account 0xf39f…2266: the wallet signed with another account, 0x3c44…93bc/i)
  })

  it('asks again, and says why, when another device replaced the keys since this one stored them', async () => {
    const { phone, wallet, ledger } = patientSetup()
    const v1 = await keysOf(0, 1)
    ledger.publishedKeys.set(wallet.address, bytesToHex(v1.encryption.publicKey))
    await phone.connect()
    await phone.session.unlock()
    expect(phone.session.keys.get()).toEqual(v1)

    // Another device replaced them: version 2 is registered now.
    const v2 = await keysOf(0, 2)
    ledger.publishedKeys.set(wallet.address, bytesToHex(v2.encryption.publicKey))
    ledger.keyVersions.set(wallet.address, 2)
    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.state.get()).toEqual({ state: 'locked', reason: 'Your keys were replaced on another device (now version 2). Open your history again to derive the new ones here.' })
    await reloaded.session.unlock()
    expect(reloaded.session.state.get()).toEqual({ state: 'open' })
    expect(reloaded.session.keys.get()).toEqual(v2)
  })

  it('asks again when the binding this device kept names no key version, as bindings kept before did', async () => {
    const { phone, wallet } = patientSetup()
    await phone.connect()
    await phone.session.unlock()
    const keys = phone.session.keys.get()
    if (keys === undefined) throw new Error('the history did not open')
    // A binding the wallet signed for these keys, but as another key version: peers accept no identity from it.
    const stale = await wallet.signTypedData(identityBindingTypedData({ domain: FAKE_DOMAIN, account: wallet.address, signingKey: keys.identity.publicKey, keyVersion: 7 }), 'test')
    await saveWalletKeys(phone.vault, wallet.address, FAKE_DOMAIN, { keys, version: 1, binding: stale })
    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.state.get()).toEqual({ state: 'locked' })
    const signed = wallet.signed.length
    await reloaded.session.unlock()
    expect(reloaded.session.state.get()).toEqual({ state: 'open' })
    expect(wallet.signed).toHaveLength(signed + 2)
    expect(reloaded.session.keys.get()).toEqual(keys)
  })

  it('opens with the keys this device holds when the registry cannot be read', async () => {
    const { phone, wallet, ledger } = patientSetup()
    await phone.connect()
    await phone.session.unlock()
    const signed = wallet.signed.length
    ledger.readRegisteredKey = () => Promise.reject(new Error('The chain could not be reached.'))
    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.state.get()).toEqual({ state: 'open' })
    expect(wallet.signed).toHaveLength(signed)
  })

  it('asks nothing of the wallet when the registry cannot be read and this device holds no keys', async () => {
    const { phone, wallet, ledger } = patientSetup()
    ledger.readRegisteredKey = () => Promise.reject(new Error('The chain could not be reached.'))
    await phone.connect()
    await phone.session.unlock()
    const state = phone.session.state.get()
    expect(state.state === 'failed' ? state.error : state.state).toBe('The chain could not be reached.')
    expect(wallet.signed).toHaveLength(0)
  })
})

describe('a connection that changes while the history opens', () => {
  it('opens for the new wallet once the open under way for the one before ends', async () => {
    const { clock, network, wallet, ledger, phone } = patientSetup()
    // The patient's keys are on this device, and the registry answers slowly.
    await phone.connect()
    await phone.session.unlock()
    let answer: () => void = () => undefined
    const slow = new Promise<void>((resolve) => (answer = resolve))
    const read = ledger.readRegisteredKey.bind(ledger)
    let asked = false
    ledger.readRegisteredKey = async (user) => {
      asked = true
      await slow
      return await read(user)
    }
    const reloaded = phone.reload()
    const first = reloaded.connect()
    await until('the open under way to ask the registry', () => asked)
    // Meanwhile another wallet is connected on this page.
    const other = fakeWallet(2)
    const otherLedger = fakeLedger(other, clock)
    const second = reloaded.session.connect({ wallet: other, ledger: otherLedger, domain: FAKE_DOMAIN, startOrbit: ({ identity }) => Promise.resolve(network.orbit('phone', identity)) })
    answer()
    await Promise.all([first, second])
    // The other wallet has no keys here: its history waits for it to sign, and the patient's is not shown.
    await until('the other wallet to be asked', () => reloaded.session.state.get().state === 'locked')
    expect(reloaded.session.own.get()).toBeUndefined()
    expect(wallet.signed).toHaveLength(2)
  })
})
