import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_KEEPERS } from '../crypto/index.ts'
import { cardIdOf } from '../emergency/index.ts'
import { KeeperError } from '../keeper/index.ts'
import { createKeepersModel, DEFAULT_KEEPER_QUOTA, KEEPER_CHECK_MS, type KeeperClient, type KeeperReport, type KeepersModel } from './keepers.ts'
import { syncingWith } from './keeperSync.ts'
import { SessionError } from './SessionError.ts'
import { fakeLedger, fakeWallet, manualClock, until } from './sessionFakes.ts'

const patient = fakeWallet(0)
const address = (i: number): string => `/ip4/127.0.0.1/tcp/${4100 + i}/ws/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2X${i}`
const keeperWallet = (i: number): `0x${string}` => `0x${String(i % 10).repeat(40)}`

/** Keepers in memory: who they keep, whether they answer, whom they accept. */
function keeperFleet() {
  const kept = new Map<string, { quota: number; code?: string }>()
  const down = new Set<string>()
  const refusing = new Map<string, string>()
  const calls: string[] = []
  const connected = new Set<string>()
  /** The card each keeper holds: its id, as hex, and the summary's bytes. */
  const cards = new Map<string, { cardId: string; summary: Uint8Array }>()
  const report = (at: string): KeeperReport => ({ keeper: keeperWallet(Number(at.slice(-1))), quota: kept.get(at)?.quota ?? 0, held: { entries: 3, bytes: 4_096 } })
  const client: KeeperClient = {
    enrol(at, terms) {
      calls.push(`enrol ${at}`)
      if (down.has(at)) return Promise.reject(new Error('the keeper could not be reached'))
      const refusal = refusing.get(at)
      if (refusal !== undefined) return Promise.reject(new Error(refusal))
      kept.set(at, terms)
      return Promise.resolve(report(at))
    },
    status(at) {
      if (down.has(at)) return Promise.reject(new Error('the keeper could not be reached'))
      if (!kept.has(at)) return Promise.reject(new Error('the keeper does not keep this history'))
      return Promise.resolve(report(at))
    },
    connect(at) {
      if (down.has(at)) return Promise.reject(new Error('the keeper could not be reached'))
      connected.add(at)
      return Promise.resolve()
    },
    remove(at) {
      calls.push(`remove ${at}`)
      if (down.has(at)) return Promise.reject(new Error('the keeper could not be reached'))
      kept.delete(at)
      return Promise.resolve()
    },
    publishCard(addresses, summary, card) {
      const stored = addresses.map((at) => {
        if (down.has(at)) return { keeper: at, ok: false as const, error: new KeeperError('KEEPER_UNREACHABLE', 'the keeper could not be reached') }
        const replaced = cards.has(at)
        cards.set(at, { cardId: bytesToHex(card.cardId), summary })
        return { keeper: at, ok: true as const, keeperWallet: keeperWallet(Number(at.slice(-1))), replaced }
      })
      if (!stored.some((answer) => answer.ok)) return Promise.reject(new SessionError('EMERGENCY_CARD_NOT_STORED', 'None of your keepers took the emergency card'))
      return Promise.resolve({ ...card, stored })
    }
  }
  return { client, kept, down, refusing, calls, connected, cards }
}

function setup() {
  const clock = manualClock()
  const ledger = fakeLedger(patient, clock)
  const own = x25519.keygen()
  const fleet = keeperFleet()
  const model = (client: KeeperClient = fleet.client): KeepersModel =>
    createKeepersModel({ ledger, patient: patient.address, ownKey: { ...own, version: 1 }, client, logger: { error: () => undefined, warn: () => undefined }, clock })
  return { ledger, own, fleet, model, clock }
}

const ready = (model: KeepersModel): Promise<void> => until('the list', () => model.state.get().state !== 'loading')

describe('the patient\'s keepers', () => {
  it('enrols a keeper that agrees, leaves the list sealed on the ledger, and another device of the patient finds the same keeper', async () => {
    const { ledger, fleet, model } = setup()
    const phone = model()
    await ready(phone)
    expect(phone.keepers.get()).toEqual([])

    const view = await phone.enrol(` ${address(1)} `)
    expect(view).toMatchObject({ address: address(1), keeper: keeperWallet(1), state: 'reachable', report: { quota: DEFAULT_KEEPER_QUOTA } })
    expect(fleet.kept.get(address(1))).toEqual({ quota: DEFAULT_KEEPER_QUOTA })
    expect(phone.wallets()).toEqual(new Set([keeperWallet(1)]))
    // On the ledger: bytes that name neither the keeper's address nor its wallet.
    const sealed = ledger.sealedKeepers.get(patient.address.toLowerCase())
    expect(sealed).toBeDefined()
    expect(new TextDecoder('latin1').decode(sealed)).not.toContain('127.0.0.1')
    expect(new TextDecoder('latin1').decode(sealed)).not.toContain('1111111111')

    const laptop = model()
    await ready(laptop)
    await until('the keeper\'s answer', () => laptop.keepers.get()[0]?.state === 'reachable')
    expect(laptop.keepers.get()).toEqual([{ address: address(1), keeper: keeperWallet(1), state: 'reachable', report: { keeper: keeperWallet(1), quota: DEFAULT_KEEPER_QUOTA, held: { entries: 3, bytes: 4_096 } } }])
    expect(laptop.wallets()).toEqual(new Set([keeperWallet(1)]))
  })

  it('passes the patient\'s quota and enrolment code to the keeper', async () => {
    const { fleet, model } = setup()
    const phone = model()
    await ready(phone)
    await phone.enrol(address(2), { quota: 1_000_000, code: 'WARD-7' })
    expect(fleet.kept.get(address(2))).toEqual({ quota: 1_000_000, code: 'WARD-7' })
  })

  it('leaves nothing half-enrolled: a keeper that refuses or cannot be reached is not named on the ledger, with the reason', async () => {
    const { ledger, fleet, model } = setup()
    const phone = model()
    await ready(phone)
    fleet.refusing.set(address(3), 'this keeper accepts only the patients its hospital enrolled')
    await expect(phone.enrol(address(3))).rejects.toMatchObject({ code: 'KEEPER_REFUSED', message: 'The keeper did not enrol your history: this keeper accepts only the patients its hospital enrolled' })
    fleet.down.add(address(4))
    await expect(phone.enrol(address(4))).rejects.toThrow('The keeper did not enrol your history: the keeper could not be reached')
    expect(ledger.sealedKeepers.size).toBe(0)
    expect(phone.keepers.get()).toEqual([])
    expect(phone.wallets().size).toBe(0)
  })

  it('tells the keeper to forget the history again when the wallet refuses the transaction, and names nothing', async () => {
    const { ledger, fleet, model } = setup()
    const phone = model()
    await ready(phone)
    ledger.sealFailure = 'The wallet refused to save your keepers.'
    await expect(phone.enrol(address(1))).rejects.toThrow('The wallet refused to save your keepers.')
    expect(fleet.calls).toEqual([`enrol ${address(1)}`, `remove ${address(1)}`])
    expect(fleet.kept.has(address(1))).toBe(false)
    expect(phone.keepers.get()).toEqual([])
    expect(phone.wallets().size).toBe(0)
  })

  it('removes a keeper: the ledger stops naming it and the keeper forgets; a keeper that cannot be told is still removed, and the patient is told', async () => {
    const { ledger, fleet, model } = setup()
    const phone = model()
    await ready(phone)
    await phone.enrol(address(1))
    await phone.enrol(address(2))
    expect(await phone.remove(address(1))).toBeUndefined()
    expect(fleet.kept.has(address(1))).toBe(false)
    expect(phone.keepers.get().map((view) => view.address)).toEqual([address(2)])

    fleet.down.add(address(2))
    expect(await phone.remove(address(2))).toMatch(/could not be told to forget what it holds .*It holds only ciphertext/)
    expect(phone.keepers.get()).toEqual([])
    expect(phone.wallets().size).toBe(0)
    const again = model()
    await ready(again)
    expect(again.keepers.get()).toEqual([])
    expect(ledger.sealedKeepers.has(patient.address.toLowerCase())).toBe(true)
  })

  it('shows a keeper that does not answer as unreachable, with why, and connects again once it is back', async () => {
    const { fleet, model, clock } = setup()
    const phone = model()
    await ready(phone)
    await phone.enrol(address(1))
    fleet.down.add(address(1))
    const laptop = model()
    await until('the keeper\'s answer', () => laptop.keepers.get()[0]?.state === 'unreachable')
    expect(laptop.keepers.get()[0]?.problem).toBe('the keeper could not be reached')
    // Still a keeper of the history: it may sync when it is back.
    expect(laptop.wallets()).toEqual(new Set([keeperWallet(1)]))
    fleet.down.delete(address(1))
    fleet.connected.clear()
    await clock.advance(KEEPER_CHECK_MS)
    await until('the keeper back', () => laptop.keepers.get()[0]?.state === 'reachable')
    expect(fleet.connected.has(address(1))).toBe(true)
  })

  it('shows the attached files a keeper could not copy, with why, and names them again at each check until it holds them', async () => {
    const { fleet, model, clock } = setup()
    const phone = model()
    await ready(phone)
    await phone.enrol(address(1))
    // A keeper that copies the files named to it from this device: the first copy breaks off, the next succeeds.
    const named: string[][] = []
    let files: NonNullable<KeeperReport['files']> = { held: 0, bytes: 0, fetching: 0, failed: 0 }
    const keeper: KeeperClient = {
      ...fleet.client,
      status: async (at) => ({ ...(await fleet.client.status(at)), files }),
      keepFiles: (_at, asked) => {
        named.push(asked.map((file) => file.cid))
        files = named.length === 1 ? { held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'interrupted' } : { held: 1, bytes: 2_048, fetching: 0, failed: 0 }
        return Promise.resolve()
      }
    }
    const synced: string[] = []
    const log = { syncWith: (peer: string) => Promise.resolve(void synced.push(peer)) }
    const attached = [{ cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', bytes: 2_048 }]
    const laptop = model(syncingWith(keeper, log, () => Promise.resolve(attached)))
    await until('the keeper\'s answer', () => laptop.keepers.get()[0]?.state === 'reachable')
    // Connecting synced the history and named the file before the keeper was asked how it is.
    expect(synced).toEqual([address(1).split('/p2p/')[1]])
    expect(named).toEqual([[attached[0]?.cid]])
    expect(laptop.keepers.get()[0]?.report?.files).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'interrupted' })

    await clock.advance(KEEPER_CHECK_MS)
    await until('the keeper to hold the file', () => laptop.keepers.get()[0]?.report?.files?.held === 1)
    expect(named).toHaveLength(2)
    expect(laptop.keepers.get()[0]?.report?.files).toEqual({ held: 1, bytes: 2_048, fetching: 0, failed: 0 })
  })

  it('keeps both of two enrolments made at once, refuses a keeper twice, and stops at the most a list holds', async () => {
    const { model } = setup()
    const phone = model()
    await ready(phone)
    await Promise.all([phone.enrol(address(1)), phone.enrol(address(2))])
    const laptop = model()
    await ready(laptop)
    expect(laptop.keepers.get().map((view) => view.address).sort()).toEqual([address(1), address(2)])
    await expect(phone.enrol(address(1))).rejects.toThrow('This keeper already keeps your history.')
    for (let i = 3; i <= MAX_KEEPERS; i++) await phone.enrol(address(i))
    await expect(phone.enrol(address(9))).rejects.toMatchObject({ code: 'KEEPERS_FULL' })
  })

  it('says so when the list on the ledger cannot be opened with this device\'s key', async () => {
    const { ledger, model } = setup()
    const phone = model()
    await ready(phone)
    await phone.enrol(address(1))
    ledger.sealedKeepers.set(patient.address.toLowerCase(), new Uint8Array(300).fill(1))
    const laptop = model()
    await ready(laptop)
    expect(laptop.state.get()).toMatchObject({ state: 'failed', error: expect.stringMatching(/^Your keepers could not be read from the ledger: /) as unknown })
  })

  it('publishes the emergency card on every keeper: a new card gets a new key, a refresh keeps the key and the keeper its link names', async () => {
    const { fleet, model } = setup()
    const phone = model()
    await ready(phone)
    await phone.enrol(address(1))
    await phone.enrol(address(2))
    const summary = new TextEncoder().encode('{"resourceType":"Bundle"}')
    const now = Date.UTC(2026, 11, 5)
    const first = await phone.publishCard(summary, undefined, now)
    expect(first.key).toHaveLength(32)
    expect(first.expires).toBe(now / 1000 + 365 * 86_400)
    expect([address(1), address(2)]).toContain(first.keeper)
    expect(fleet.cards.get(address(1))?.cardId).toBe(bytesToHex(cardIdOf(first.key)))
    expect(fleet.cards.get(address(2))?.cardId).toBe(bytesToHex(cardIdOf(first.key)))

    // The keeper the link names is away: the refresh still reaches the other, and the link stays as printed.
    fleet.down.add(address(2))
    const refreshed = await phone.publishCard(summary, { ...first, keeper: address(1) }, now + 1000)
    expect(refreshed).toEqual({ ...first, keeper: address(1) })

    const replaced = await phone.publishCard(summary, refreshed, now)
    expect(replaced.key).toEqual(first.key)
    const fresh = await phone.publishCard(summary, undefined, now)
    expect(fresh.key).not.toEqual(first.key)
    expect(fresh.keeper).toBe(address(1))
    expect(fleet.cards.get(address(1))?.cardId).toBe(bytesToHex(cardIdOf(fresh.key)))

    fleet.down.add(address(1))
    await expect(phone.publishCard(summary, fresh, now)).rejects.toMatchObject({ code: 'EMERGENCY_CARD_NOT_STORED' })
  })
})
