import { describe, expect, it } from 'vitest'
import { bytesToHex } from 'viem'
import { grantExpiredSince, rotateIfExpired } from './rotateHistoryKey.ts'
import { storageRotationBook } from './rotationBook.ts'
import { fakeDevice, fakeLedger, fakeWallet, manualClock, memoryNetwork } from './sessionFakes.ts'

const day = 86_400_000
const now = Date.UTC(2026, 10, 26)

describe('a grant that expired since the last rotation', () => {
  it('calls for a new epoch once, and not for grants still live or ended before the last rotation', () => {
    const expiredYesterday = { live: false, expiry: new Date(now - day) }
    expect(grantExpiredSince([expiredYesterday], now - 2 * day, now)).toBe(true)
    // Already rotated after it expired.
    expect(grantExpiredSince([expiredYesterday], now - day / 2, now)).toBe(false)
    // Live, or revoked (a revocation rotates at once; the ledger then holds no expiry).
    expect(grantExpiredSince([{ live: true, expiry: new Date(now + day) }, { live: false, expiry: new Date(0) }], now - 2 * day, now)).toBe(false)
  })
})

describe('the rotation book', () => {
  it('says 0 for a patient never rotated, and keeps each patient\'s last rotation apart', () => {
    const items = new Map<string, string>()
    const book = storageRotationBook({ getItem: (key) => items.get(key) ?? null, setItem: (key, value) => items.set(key, value) })
    expect(book.lastRotation('0xAbC0000000000000000000000000000000000001')).toBe(0)
    book.markRotated('0xAbC0000000000000000000000000000000000001', now)
    expect(book.lastRotation('0xabc0000000000000000000000000000000000001')).toBe(now)
    expect(book.lastRotation('0xabc0000000000000000000000000000000000002')).toBe(0)
    items.set('anamnesis.rotatedAt.0xabc0000000000000000000000000000000000002', 'not a number')
    expect(book.lastRotation('0xabc0000000000000000000000000000000000002')).toBe(0)
  })
})

describe('rotating when a grant expired', () => {
  async function patientWithGrants() {
    const clock = manualClock(now)
    const network = memoryNetwork()
    const patient = fakeWallet(0)
    const ledger = fakeLedger(patient, clock)
    const phone = fakeDevice({ name: 'phone', wallet: patient, network, ledger, clock })
    await phone.connect()
    await phone.session.unlock()
    const own = phone.session.own.get()
    if (own === undefined) throw new Error('the history did not open')
    return { clock, ledger, patient, phone, own }
  }

  it('rotates once per expiry, by the ledger\'s clock, and hands the new key to the doctors still granted', async () => {
    const { clock, ledger, patient, phone, own } = await patientWithGrants()
    const expired = fakeWallet(1)
    const kept = fakeWallet(2)
    ledger.grant(patient.address, expired.address, now + 1_000)
    ledger.grant(patient.address, kept.address, now + day, ['conditions'])
    ledger.publishedKeys.set(kept.address, bytesToHex(new Uint8Array(32).fill(9)))
    const input = { ledger, patient: patient.address, own, rotations: phone.rotations }

    expect(await rotateIfExpired(input)).toBeUndefined()
    expect(own.epoch.get()).toBe(0)

    await clock.advance(2_000)
    expect(await rotateIfExpired(input)).toEqual({ epoch: 1, handedTo: 1 })
    expect(own.epoch.get()).toBe(1)
    expect(phone.rotations.lastRotation(patient.address)).toBe(now + 2_000)
    // The key drop is in the log, for the doctor who keeps access.
    expect(own.history.blocks().filter((b) => b.keyDrop === true)).toHaveLength(1)

    await clock.advance(2_000)
    expect(await rotateIfExpired(input)).toBeUndefined()
    expect(own.epoch.get()).toBe(1)
  })

  it('hands the key to nobody when the remaining doctor published no key', async () => {
    const { clock, ledger, patient, phone, own } = await patientWithGrants()
    ledger.grant(patient.address, fakeWallet(1).address, now + 1_000)
    ledger.grant(patient.address, fakeWallet(2).address, now + day)
    await clock.advance(2_000)
    expect(await rotateIfExpired({ ledger, patient: patient.address, own, rotations: phone.rotations })).toEqual({ epoch: 1, handedTo: 0 })
    expect(own.history.blocks().filter((b) => b.keyDrop === true)).toHaveLength(0)
  })
})
