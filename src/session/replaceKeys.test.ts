import { bytesToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { recordCategories } from '../chain/index.ts'
import { decodeEnvelope, loadWalletKeys } from '../crypto/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import { registerNextKeys, type ReplaceStep } from './replaceKeys.ts'
import { FAKE_DOMAIN, fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork, until } from './sessionFakes.ts'
import { signForKeys } from './walletKeys.ts'

const allCategories = recordCategories.map((_, i) => i)

/** A patient whose key (version 1) is registered, their history open on the phone with two records, and a doctor reading it. */
async function registeredPatient() {
  const clock = manualClock()
  const network = memoryNetwork()
  const wallet = fakeWallet(0)
  const ledger = fakeLedger(wallet, clock)
  const phone = fakeDevice({ name: 'phone', wallet, network, ledger, clock })
  await phone.connect()
  await phone.session.unlock()
  const v1 = phone.session.keys.get()
  const own = phone.session.own.get()
  if (v1 === undefined || own === undefined) throw new Error('the history did not open')
  await ledger.publishEncryptionKey({ publicKey: v1.encryption.publicKey, version: 1 })
  await own.add(bloodPressureSeries(wallet.address, 2))

  const doctor = fakeWallet(1)
  const clinic = fakeDevice({ name: 'clinic', wallet: doctor, network, ledger, clock })
  await clinic.connect()
  await clinic.session.unlock()
  const doctorKeys = clinic.session.keys.get()
  if (doctorKeys === undefined) throw new Error('the doctor has no keys')
  ledger.grant(wallet.address, doctor.address, clock.now() + 86_400_000)
  ledger.publishedKeys.set(doctor.address, bytesToHex(doctorKeys.encryption.publicKey))
  const reading = await clinic.session.readPatient(wallet.address, await own.wrapFor(doctorKeys.encryption.publicKey, allCategories), 'phone')
  await until('the doctor to read', () => reading.history.entries().length === 2)
  return { clock, network, wallet, ledger, phone, v1, reading }
}

describe('replacing the keys', () => {
  it('registers the next version, reopens the history under the new keys, and seals what follows under a new epoch the doctor who keeps access gets', async () => {
    const { clock, network, wallet, ledger, phone, v1, reading } = await registeredPatient()
    const epochBefore = phone.session.own.get()?.epoch.get() ?? -1
    const steps: ReplaceStep[] = []
    const replaced = await phone.session.replaceKeys((step) => steps.push(step))

    expect(steps).toEqual(['signing-keys', 'signing-binding', 'registering', 'moving-history'])
    const v2 = await signForKeys(fakeWallet(0), FAKE_DOMAIN, 2)
    expect(replaced).toEqual({ version: 2, blockNumber: 8n, epoch: epochBefore + 1 })
    expect(ledger.publications.at(-1)).toEqual({ user: wallet.address, key: bytesToHex(v2.encryption.publicKey), version: 2 })
    expect(phone.session.keys.get()).toEqual(v2)
    expect(v2.encryption.publicKey).not.toEqual(v1.encryption.publicKey)

    const own = phone.session.own.get()
    if (own === undefined) throw new Error('the history did not reopen')
    expect(own.epoch.get()).toBe(epochBefore + 1)
    // What was written before is still readable here; what is written now is sealed under the new epoch.
    expect(own.history.entries()).toHaveLength(2)
    await own.add(bloodPressureSeries(wallet.address, 3).slice(2))
    const written = own.log.entries().at(-1)
    expect(decodeEnvelope(written?.payload ?? new Uint8Array()).epoch).toBe(epochBefore + 1)
    // The new signing key writes it.
    expect(own.log.identity.publicKeyHex).toBe(bytesToHex(v2.identity.publicKey).slice(2))

    await reading.resync()
    await until('the doctor to read the new record', () => reading.history.entries().length === 3)

    // A new device with only the wallet derives the new keys and opens every epoch, before and after.
    const laptop = fakeDevice({ name: 'laptop', wallet, network, ledger, clock })
    await laptop.connect()
    await laptop.session.unlock()
    expect(laptop.session.keys.get()).toEqual(v2)
    const onLaptop = laptop.session.own.get()
    if (onLaptop === undefined) throw new Error('the history did not open on the laptop')
    await onLaptop.log.syncWith('phone')
    await until('the laptop to read every record', () => onLaptop.history.entries().length === 3)
    expect(onLaptop.history.unreadable()).toEqual([])

    // A reload opens under the new keys without asking the wallet, and nothing is left to move.
    const signed = wallet.signed.length
    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.state.get()).toEqual({ state: 'open' })
    expect(reloaded.session.keys.get()).toEqual(v2)
    expect(wallet.signed).toHaveLength(signed)
    expect(await loadWalletKeys(reloaded.vault, wallet.address, FAKE_DOMAIN, 'next')).toBeUndefined()
  })

  it('changes nothing when the wallet refuses or the transaction fails', async () => {
    const { wallet, ledger, phone, v1 } = await registeredPatient()
    const epoch = phone.session.own.get()?.epoch.get()
    wallet.refusing = true
    await expect(phone.session.replaceKeys()).rejects.toThrow(/refused to sign the key derivation message/)
    wallet.refusing = false
    const publish = ledger.publishEncryptionKey.bind(ledger)
    ledger.publishEncryptionKey = () => Promise.reject(new Error('The wallet declined to register the encryption key. Nothing was sent.'))
    await expect(phone.session.replaceKeys()).rejects.toThrow(/declined to register/)
    ledger.publishEncryptionKey = publish

    expect(ledger.publications).toHaveLength(1)
    expect(phone.session.keys.get()).toEqual(v1)
    expect(phone.session.own.get()?.epoch.get()).toBe(epoch)
    const reloaded = phone.reload()
    await reloaded.connect()
    expect(reloaded.session.keys.get()).toEqual(v1)
    // The keys signed for before the refused transaction are dropped once the registry says it never landed.
    expect(await loadWalletKeys(reloaded.vault, wallet.address, FAKE_DOMAIN, 'next')).toBeUndefined()
  })

  it('finishes the move at the next open when the page closed after the transaction', async () => {
    const { wallet, ledger, phone, v1, reading } = await registeredPatient()
    const epoch = phone.session.own.get()?.epoch.get() ?? -1
    // The replacement's chain part, then the page goes away before the history moved.
    const { next } = await registerNextKeys({ wallet, ledger, domain: FAKE_DOMAIN, vault: phone.vault, held: { keys: v1, version: 1 } })
    await phone.session.close()

    const reloaded = phone.reload()
    await reloaded.connect()
    await until('the history to move and open under the new keys', () => {
      const held = reloaded.session.keys.get()
      return (held !== undefined && bytesToHex(held.encryption.publicKey) === bytesToHex(next.keys.encryption.publicKey)) || reloaded.log.errors.length > 0
    })
    expect(reloaded.log.errors).toEqual([])
    expect(reloaded.session.keys.get()).toEqual(next.keys)
    await until('the history to open', () => reloaded.session.own.get() !== undefined)
    const own = reloaded.session.own.get()
    expect(own?.epoch.get()).toBe(epoch + 1)
    expect(own?.history.entries()).toHaveLength(2)
    expect(await loadWalletKeys(reloaded.vault, wallet.address, FAKE_DOMAIN, 'next')).toBeUndefined()
    // The doctor who keeps access reads what is written under the new keys.
    await own?.add(bloodPressureSeries(wallet.address, 3).slice(2))
    await reading.resync()
    await until('the doctor to read the new record', () => reading.history.entries().length === 3)
  })

  it('needs the history open here, a registered key, and the keys the registry holds', async () => {
    const clock = manualClock()
    const wallet = fakeWallet(0)
    const ledger = fakeLedger(wallet, clock)
    const phone = fakeDevice({ name: 'phone', wallet, network: memoryNetwork(), ledger, clock })
    await phone.connect()
    await expect(phone.session.replaceKeys()).rejects.toMatchObject({ code: 'KEYS_NOT_OPEN', message: expect.stringMatching(/^Open your history on this device first/) as unknown })
    await phone.session.unlock()
    await expect(phone.session.replaceKeys()).rejects.toThrow(/not registered yet, so there is nothing to replace/)
    // Another device replaced them meanwhile.
    ledger.publishedKeys.set(wallet.address, bytesToHex((await signForKeys(fakeWallet(0), FAKE_DOMAIN, 2)).encryption.publicKey))
    ledger.keyVersions.set(wallet.address, 2)
    await expect(phone.session.replaceKeys()).rejects.toThrow(/replaced on another device \(now version 2\)/)
    expect(ledger.publications).toEqual([])
  })
})
