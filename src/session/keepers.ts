// The patient's keepers: always-on peers that hold the encrypted history (src/keeper, scripts/keeper).
// The list lives on the ledger sealed to the patient's own key (KeyRegistry.sealKeepers), so every
// device of the patient, a new one with only the wallet included, finds the same keepers while nobody
// else learns who keeps the history. Enrolling asks the keeper first (reachable, willing, a quota) and
// then writes the list: a keeper that refuses, or a transaction that fails, leaves nothing half-enrolled.
import { MAX_KEEPERS, newEmergencyCard, openKeeperList, sealKeeperList, type KeeperListEntry } from '../crypto/index.ts'
// The card link module alone: the emergency domain's barrel brings the history domain, which is not first-screen code.
import { cardIdOf } from '../emergency/cardLink.ts'
import type { CardInUse } from '../emergency/profileRecord.ts'
import { errorMessage } from '../errors/index.ts'
import type { KeptFilesReport } from '../keeper/index.ts'
import { createCell, type Cell } from './cell.ts'
import type { PublishedEmergencyCard } from './emergencyCard.ts'
import type { LinkKeepers, LinkKeeperClient } from './healthLinks.ts'
import { SessionError } from './SessionError.ts'
import { every, type Clock, type SessionLedger, type SessionLog } from './sessionPorts.ts'

/** What a keeper says of the history it holds for this patient. */
export interface KeeperReport {
  /** The keeper's own address: the wallet its sync identity is bound to. */
  keeper: `0x${string}`
  /** How many bytes of this history it agreed to hold. */
  quota: number
  held: { entries: number; bytes: number }
  /** When it last took entries of this history (ms since the epoch), if ever. */
  lastSyncedAt?: number
  /** Why it takes no more of this history, when it stopped: its quota for the patient is reached, or its disk is full. */
  stopped?: 'quota' | 'disk-full'
  /**
   * The attached files it holds (count and sealed bytes), copies from this device now, and failed to copy at
   * its last attempt, with why the first failed; it tries again when a device names them at the next sync.
   */
  files?: KeptFilesReport
}

/** How the patient's app speaks to keepers (src/keeper's client over the device's node). */
export interface KeeperClient {
  /**
   * Asks the keeper at `address` (a multiaddr ending in /p2p/<peer id>) to keep this history.
   * @throws An error whose message says why: unreachable, or its refusal (not accepted, a wrong code, …).
   */
  enrol(address: string, terms: { quota: number; code?: string }): Promise<KeeperReport>
  /** What the keeper holds of this history now. @throws When it is unreachable or no longer keeps it. */
  status(address: string): Promise<KeeperReport>
  /** Tells the keeper to forget this history. @throws When it is unreachable. */
  remove(address: string): Promise<void>
  /** Opens (or keeps) a direct connection to the keeper and syncs the history with it, both ways. @throws When it is unreachable. */
  connect(address: string): Promise<void>
  /**
   * Names the attached files the keeper is to hold (root CIDs and sealed sizes): it fetches those it lacks from this device.
   * @throws When it is unreachable, or refuses (over the quota: nothing of them is fetched).
   */
  keepFiles?(address: string, files: readonly { cid: string; bytes: number }[]): Promise<void>
  /**
   * Seals the emergency summary under `card` and leaves it with the keepers at `addresses` (src/session emergencyCard.ts).
   * @throws {SessionError} `EMERGENCY_CARD_NOT_STORED` when none took it, with the first keeper's reason.
   */
  publishCard(addresses: readonly string[], summary: Uint8Array, card: { cardId: Uint8Array; key: Uint8Array }): Promise<PublishedEmergencyCard>
  /** SMART Health Links left with keepers (src/session healthLinks.ts); absent where the client cannot share by link. */
  links?: LinkKeeperClient
}

/** How long a new card's full tier is served: a year, then the patient replaces it. */
export const CARD_VALIDITY_S = 365 * 86_400

/** One keeper as Settings shows it. */
export interface KeeperView {
  address: string
  keeper: `0x${string}`
  /** `checking` until it answers; `unreachable` or `refused` with the reason in `problem`. */
  state: 'checking' | 'reachable' | 'unreachable' | 'refused'
  report?: KeeperReport
  problem?: string
}

export type KeepersState = { state: 'loading' } | { state: 'ready' } | { state: 'failed'; error: string }

/** The quota asked of a keeper unless the patient says otherwise: room for years of records (attachments aside). */
export const DEFAULT_KEEPER_QUOTA = 512 * 1024 * 1024

export interface KeepersModel {
  state: Cell<KeepersState>
  keepers: Cell<readonly KeeperView[]>
  /** The keepers' own addresses: they may sync this history with this device. */
  wallets(): ReadonlySet<string>
  /** Reads the list from the ledger again and asks each keeper how it is. */
  refresh(): Promise<void>
  /**
   * Enrols the keeper at `address`: the keeper agrees first, then the list on the ledger names it (a transaction).
   * @throws {SessionError} `KEEPER_REFUSED` with the keeper's reason or why it could not be reached; `KEEPERS_FULL`
   *   at the most keepers a list holds; and the wallet's refusal or the transaction's failure, after which the
   *   keeper is told to forget the history again.
   */
  enrol(address: string, terms?: { quota?: number; code?: string }): Promise<KeeperView>
  /**
   * Removes a keeper: the list on the ledger stops naming it (a transaction), and the keeper is told to forget
   * the history. Returns words for the patient when the keeper could not be told.
   */
  remove(address: string): Promise<string | undefined>
  /**
   * Leaves the emergency summary (its encoded bytes) with every keeper, sealed under the card in use, or
   * under a new card (a new key, which the keepers' old ciphertext does not match: "Replace my card")
   * when `inUse` is undefined. The card names a keeper that took it, the one it named before if it did.
   * @throws {SessionError} `EMERGENCY_CARD_NOT_STORED` when no keeper is enrolled or none took it, with the reason.
   */
  publishCard(summary: Uint8Array, inUse: CardInUse | undefined, now: number): Promise<CardInUse>
  /** The keepers (reachable first) and the client that shares by link through them; undefined where links cannot be shared. */
  links(): LinkKeepers | undefined
  dispose(): void
}

export interface KeepersOptions {
  ledger: Pick<SessionLedger, 'readSealedKeepers' | 'sealKeepers'>
  patient: string
  /** The patient's encryption key pair in use and its version: the list is sealed to it. */
  ownKey: { publicKey: Uint8Array; secretKey: Uint8Array; version: number }
  client: KeeperClient
  logger: SessionLog
  /** Asks each keeper how it is (and reconnects to it) every KEEPER_CHECK_MS. */
  clock: Clock
}

/** How often the keepers are asked how they are, and reconnected to when they were away. */
export const KEEPER_CHECK_MS = 60_000

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/** The patient's keepers on this device: loaded from the ledger at once, then kept as the patient changes them. */
export function createKeepersModel(options: KeepersOptions): KeepersModel {
  const { ledger, client, ownKey } = options
  const state = createCell<KeepersState>({ state: 'loading' })
  const keepers = createCell<readonly KeeperView[]>([])
  let list: KeeperListEntry[] = []
  let disposed = false
  // Changes to the list go one at a time: two enrolments at once would each write a list without the other.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }

  const show = (views: readonly KeeperView[]): void => {
    if (!disposed) keepers.set(views)
  }
  const update = (address: string, change: Partial<KeeperView>): void => {
    show(keepers.get().map((view) => (same(view.address, address) ? { ...view, ...change } : view)))
  }

  const check = async (entry: KeeperListEntry): Promise<void> => {
    try {
      await client.connect(entry.address)
      const report = await client.status(entry.address)
      update(entry.address, { state: 'reachable', report, problem: undefined })
    } catch (error) {
      update(entry.address, { state: 'unreachable', problem: errorMessage(error) })
    }
  }

  const readList = async (): Promise<KeeperListEntry[]> => {
    const sealed = await ledger.readSealedKeepers(options.patient)
    return sealed === undefined ? [] : openKeeperList(sealed, ownKey.secretKey)
  }

  const writeList = async (next: KeeperListEntry[]): Promise<void> => {
    await ledger.sealKeepers(sealKeeperList(next, ownKey.publicKey, ownKey.version))
    list = next
  }

  const refresh = async (): Promise<void> => {
    try {
      list = await readList()
    } catch (error) {
      if (!disposed) state.set({ state: 'failed', error: `Your keepers could not be read from the ledger: ${errorMessage(error)}` })
      return
    }
    show(list.map((entry) => ({ ...entry, state: 'checking' })))
    if (!disposed) state.set({ state: 'ready' })
    await Promise.all(list.map(check))
  }

  const enrol = (address: string, terms: { quota?: number; code?: string } = {}): Promise<KeeperView> =>
    serial(async () => {
      const trimmed = address.trim()
      if (list.some((entry) => same(entry.address, trimmed))) throw new SessionError('KEEPER_REFUSED', 'This keeper already keeps your history.')
      if (list.length >= MAX_KEEPERS) throw new SessionError('KEEPERS_FULL', `You have ${MAX_KEEPERS} keepers, the most the ledger holds: remove one first.`)
      let report: KeeperReport
      try {
        report = await client.enrol(trimmed, { quota: terms.quota ?? DEFAULT_KEEPER_QUOTA, ...(terms.code === undefined || terms.code === '' ? {} : { code: terms.code }) })
      } catch (error) {
        throw new SessionError('KEEPER_REFUSED', `The keeper did not enrol your history: ${errorMessage(error)}`, { cause: error })
      }
      const entry: KeeperListEntry = { address: trimmed, keeper: report.keeper.toLowerCase() as `0x${string}` }
      try {
        await writeList([...list, entry])
      } catch (error) {
        // The ledger does not name it: the keeper must not keep a history the patient's devices will never hand it.
        await client.remove(trimmed).catch((cause: unknown) => options.logger.error('Telling the keeper to forget your history failed:', cause))
        throw error
      }
      const view: KeeperView = { ...entry, state: 'reachable', report }
      show([...keepers.get().filter((v) => !same(v.address, trimmed)), view])
      // Named now: the history syncs with it from here on.
      void client.connect(trimmed).catch((error: unknown) => update(trimmed, { state: 'unreachable', problem: errorMessage(error) }))
      return view
    })

  const remove = (address: string): Promise<string | undefined> =>
    serial(async () => {
      const next = list.filter((entry) => !same(entry.address, address))
      if (next.length === list.length) return undefined
      await writeList(next)
      show(keepers.get().filter((view) => !same(view.address, address)))
      try {
        await client.remove(address)
        return undefined
      } catch (error) {
        return `Your devices no longer hand this keeper your history, but it could not be told to forget what it holds (${errorMessage(error)}). It holds only ciphertext; ask its operator to delete it.`
      }
    })

  /** The keepers' addresses, reachable ones first: a link or card names one that answers now. */
  const reachableFirst = (): string[] => {
    const views = keepers.get()
    return [...list.map((entry) => entry.address)].sort(
      (a, b) => Number(views.find((v) => same(v.address, b))?.state === 'reachable') - Number(views.find((v) => same(v.address, a))?.state === 'reachable')
    )
  }

  const publishCard = async (summary: Uint8Array, inUse: CardInUse | undefined, now: number): Promise<CardInUse> => {
    const addresses = reachableFirst()
    const key = inUse?.key ?? newEmergencyCard().key
    const published = await client.publishCard(addresses, summary, { cardId: cardIdOf(key), key })
    const took = published.stored.filter((answer) => answer.ok).map((answer) => answer.keeper)
    const keeper = took.find((address) => inUse !== undefined && same(address, inUse.keeper)) ?? took[0]
    if (keeper === undefined) throw new SessionError('EMERGENCY_CARD_NOT_STORED', 'None of your keepers took the emergency card.')
    return { key, keeper, expires: inUse?.expires ?? Math.floor(now / 1000) + CARD_VALIDITY_S }
  }

  void refresh()
  const stopChecks = every(options.clock, KEEPER_CHECK_MS, () => {
    if (state.get().state === 'ready') void Promise.all(list.map(check))
  })
  return {
    state,
    keepers,
    wallets: () => new Set(list.map((entry) => entry.keeper)),
    refresh,
    enrol,
    remove,
    publishCard,
    links: () => (client.links === undefined ? undefined : { addresses: reachableFirst(), client: client.links }),
    dispose() {
      disposed = true
      stopChecks()
    }
  }
}
