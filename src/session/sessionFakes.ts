// Small stand-ins for the session's tests: wallets that sign with development accounts' keys
// (as a wallet would), devices whose history logs live in memory and sync by copying, a ledger
// held in a few arrays, and a clock that moves only when told. Not part of the app.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { hexToBytes, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { accessEndings, recordCategories, type AuditEntryKind, type GrantEvent, type GrantRecord, type LatestAnchor, type RecordCategory } from '../chain/index.ts'
import { createKeyVault, identityBindingTypedData, memoryVaultStorage, secp256k1Signer, type KeyVault, type SigningDomain } from '../crypto/index.ts'
import { createWalletIdentity, type LogEvent, type PatientLog, type StoredEntry, type WalletIdentity } from '../p2p/index.ts'
import { createHistorySessionModel, type HistorySessionModel, type SessionOrbit } from './historySession.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import type { StoragePort } from './persistentStorage.ts'
import type { Clock, SessionLedger, SessionLog, SessionWallet, TimerHandle } from './sessionPorts.ts'
import type { KeyringLock } from './unlockKeys.ts'
import { signForKeys } from './walletKeys.ts'
import type { WriteGate } from './writeGate.ts'

/** The origin and deployment the fake devices sign for. */
export const FAKE_DOMAIN: SigningDomain = { origin: 'http://127.0.0.1:4173', chainId: 31337, verifyingContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3' }

/** A wallet of a development account that signs as a browser wallet would, and counts what it signed. */
export interface FakeWallet extends SessionWallet {
  readonly address: `0x${string}`
  /** The message of every typed data signed, as JSON. */
  signed: string[]
  /** While true, the wallet refuses to sign (the user pressed "reject"). */
  refusing: boolean
}

export function fakeWallet(index: number): FakeWallet {
  const dev = developmentAccounts[index]
  if (dev === undefined) throw new Error(`no development account ${index}`)
  const account = privateKeyToAccount(dev.privateKey)
  const wallet: FakeWallet = {
    address: account.address.toLowerCase() as `0x${string}`,
    signed: [],
    refusing: false,
    async signTypedData(data, action) {
      if (wallet.refusing) throw new Error(`The wallet refused to ${action}.`)
      wallet.signed.push(JSON.stringify(data.message))
      return hexToBytes(await account.signTypedData(data))
    }
  }
  return wallet
}

/** `wallet`'s keys of key `version` (a replacement's) for the fake devices' domain: the encryption key pair and the identity they make. */
export async function nextKeysOf(wallet: FakeWallet, version = 2): Promise<{ encryption: { publicKey: Uint8Array; secretKey: Uint8Array }; identity: WalletIdentity }> {
  const keys = await signForKeys(wallet, FAKE_DOMAIN, version)
  const binding = await wallet.signTypedData(identityBindingTypedData({ domain: FAKE_DOMAIN, account: wallet.address, signingKey: keys.identity.publicKey, keyVersion: version }), 'sign the new history signing key')
  const identity = createWalletIdentity({ address: wallet.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: version, domain: FAKE_DOMAIN })
  return { encryption: keys.encryption, identity }
}

/** A clock whose time moves only by advance(), running the timers that fall due. */
export interface ManualClock extends Clock {
  advance(ms: number): Promise<void>
  pending(): number
}

export function manualClock(start = Date.UTC(2026, 10, 26, 9)): ManualClock {
  let now = start
  let nextId = 0
  const timers = new Map<number, { at: number; run: () => void }>()
  return {
    now: () => now,
    setTimeout(run, ms) {
      const id = ++nextId
      timers.set(id, { at: now + ms, run })
      return id
    },
    clearTimeout(handle: TimerHandle | undefined) {
      if (typeof handle === 'number') timers.delete(handle)
    },
    async advance(ms) {
      const end = now + ms
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort(([, a], [, b]) => a.at - b.at)[0]
        if (due === undefined) break
        const [id, timer] = due
        timers.delete(id)
        now = Math.max(now, timer.at)
        timer.run()
        await settle()
      }
      now = end
      await settle()
    },
    pending: () => timers.size
  }
}

/** Lets promises already under way run (a few turns of the event loop). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Waits (in real time) until `condition` holds. */
export async function until(what: string, condition: () => boolean, timeout = 5_000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeout) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Devices whose history logs live in memory; a pull copies what the peer device holds. */
export interface MemoryNetwork {
  /** Devices that do not answer a pull. */
  offline: Set<string>
  /** Every pull, as `device<-peer`. */
  pulls: string[]
  /** The wallet each pull was told the peer proves, as `device<-peer: wallet` (syncWith's `holder`). */
  holders: string[]
  /** The orbit of `device`, for the wallet `identity` vouches for. */
  orbit(device: string, identity: WalletIdentity): SessionOrbit
  /** Stores an entry on `device` as if `writer` had written it (a block another peer made), under `hash` when given. */
  plant(device: string, patient: string, writer: `0x${string}`, payload: Uint8Array, hash?: string): StoredEntry
  /** Every entry `device` holds of `patient`'s history. */
  stored(device: string, patient: string): readonly StoredEntry[]
}

const rootOf = (hashes: readonly string[]): `0x${string}` => `0x${bytesToHex(sha256(utf8ToBytes(hashes.join(','))))}`

export function memoryNetwork(): MemoryNetwork {
  const stores = new Map<string, Map<string, StoredEntry[]>>()
  const listeners = new Map<string, Set<(event: LogEvent) => void>>()
  const storeOf = (device: string, patient: string): StoredEntry[] => {
    const byPatient = stores.get(device) ?? new Map<string, StoredEntry[]>()
    stores.set(device, byPatient)
    const entries = byPatient.get(patient.toLowerCase()) ?? []
    byPatient.set(patient.toLowerCase(), entries)
    return entries
  }
  const emit = (device: string, patient: string, event: LogEvent): void => {
    for (const listener of [...(listeners.get(`${device}/${patient.toLowerCase()}`) ?? [])]) listener(event)
  }
  let counter = 0
  const add = (device: string, patient: string, writer: `0x${string}`, payload: Uint8Array, chosen?: string, writerKeyVersion = 1): StoredEntry => {
    const entries = storeOf(device, patient)
    const last = entries.at(-1)
    const hash = chosen ?? `fake${bytesToHex(sha256(new Uint8Array([...utf8ToBytes(`${writer}/${++counter}/`), ...payload]))).slice(0, 40)}`
    const entry: StoredEntry = {
      id: `memory/${patient.toLowerCase()}`,
      payload,
      next: last === undefined ? [] : [last.hash],
      refs: [],
      clock: { id: writer, time: entries.length + 1 },
      v: 2,
      key: writer,
      identity: writer,
      sig: '',
      hash,
      bytes: payload,
      writer,
      writerKeyVersion
    }
    entries.push(entry)
    return entry
  }
  const network: MemoryNetwork = {
    offline: new Set(),
    pulls: [],
    holders: [],
    stored: (device, patient) => storeOf(device, patient),
    plant(device, patient, writer, payload, hash) {
      const entry = add(device, patient, writer, payload, hash)
      emit(device, patient, { type: 'added', entries: [entry], origin: 'peer' })
      return entry
    },
    orbit(device, identity) {
      const address = identity.verified.address
      return {
        openLog: (patientAddress) => {
          const patient = patientAddress.toLowerCase() as `0x${string}`
          const key = `${device}/${patient}`
          const mine = new Set<(event: LogEvent) => void>()
          const all = listeners.get(key) ?? new Set()
          listeners.set(key, all)
          const entries = (): StoredEntry[] => storeOf(device, patient)
          const log: PatientLog = {
            address: `memory/${patient}`,
            patient,
            identity: identity.verified,
            writer: true,
            entries,
            get: (hash) => entries().find((e) => e.hash === hash),
            heads: () => entries().slice(-1).map((e) => e.hash),
            damaged: () => [],
            append(payloads) {
              const added = payloads.map((payload) => add(device, patient, address, payload, undefined, identity.verified.keyVersion))
              emit(device, patient, { type: 'added', entries: added, origin: 'local' })
              return Promise.resolve(added)
            },
            appendAs(as, payloads) {
              if (as.verified.address !== address) return Promise.reject(new Error('another wallet\'s identity'))
              const added = payloads.map((payload) => add(device, patient, address, payload, undefined, as.verified.keyVersion))
              emit(device, patient, { type: 'added', entries: added, origin: 'local' })
              return Promise.resolve(added)
            },
            prepareToWrite() {},
            subscribe(listener) {
              mine.add(listener)
              all.add(listener)
              return () => {
                mine.delete(listener)
                all.delete(listener)
              }
            },
            async syncWith(peerId, options) {
              const peer = String(peerId)
              await Promise.resolve()
              network.pulls.push(`${device}<-${peer}`)
              if (options?.holder !== undefined) network.holders.push(`${device}<-${peer}: ${options.holder}`)
              if (network.offline.has(peer)) {
                emit(device, patient, { type: 'sync-error', peer, error: `${peer} did not answer` })
                throw new Error(`${peer} did not answer`)
              }
              const have = new Set(entries().map((e) => e.hash))
              const missing = storeOf(peer, patient).filter((e) => !have.has(e.hash))
              if (missing.length === 0) return
              entries().push(...missing)
              emit(device, patient, { type: 'progress', peer, settled: missing.length })
              emit(device, patient, { type: 'added', entries: missing, origin: 'peer' })
            },
            checkBlocks: () => Promise.resolve(entries().map((e) => ({ hash: e.hash, writer: e.writer, payload: e.payload }))),
            // Its entries are not blocks: backups are tested over real blocks (test/support/memoryHistoryLog.ts).
            exportBlocks: () => Promise.reject(new Error('A memory log has no blocks to back up')),
            importBlocks: () => Promise.reject(new Error('A memory log has no blocks to restore into')),
            anchor: () => ({ root: rootOf(entries().map((e) => e.hash)), entryCount: entries().length }),
            anchored(anchor) {
              const covered = entries().slice(0, Number(anchor.entryCount))
              return covered.length === Number(anchor.entryCount) && rootOf(covered.map((e) => e.hash)) === anchor.root.toLowerCase() ? new Set(covered.map((e) => e.hash)) : undefined
            },
            refreshAccess: () => undefined,
            close() {
              for (const listener of mine) all.delete(listener)
              mine.clear()
              return Promise.resolve()
            }
          }
          return Promise.resolve(log)
        },
        stop: () => Promise.resolve()
      }
    }
  }
  return network
}

/** A ledger held in memory: grants and their events, published keys, anchors, audit watchers; each transaction is a block. */
export interface FakeLedger extends SessionLedger {
  grants: { patient: string; doctor: `0x${string}`; expiry: number; categories: readonly RecordCategory[]; revoked: boolean; block?: bigint; guardian?: `0x${string}` }[]
  /** Each patient's guardians now, and each removal with its block. */
  guardians: { patient: string; guardian: `0x${string}` }[]
  guardianRemovals: { patient: string; guardian: `0x${string}`; block: bigint; time: Date }[]
  /** Every grant and revocation, as the ledger's events record them. */
  events: { patient: string; event: GrantEvent }[]
  /** The latest block. */
  block: bigint
  publishedKeys: Map<string, Hex>
  /** The version of each published key; 1 when only publishedKeys names it. */
  keyVersions: Map<string, number>
  /** Every key publication the wallet sent: key (hex) and version. */
  publications: { user: string; key: Hex; version: number }[]
  anchors: Map<string, LatestAnchor>
  /** Each account's sealed keeper list, as KeyRegistry keeps it. */
  sealedKeepers: Map<string, Uint8Array>
  /** While set, sealKeepers() fails with this message (the wallet rejected). */
  sealFailure: string | undefined
  /** While set, revoke() fails with this message (the wallet rejected, or the transaction reverted). */
  revokeFailure: string | undefined
  /** Called once a revocation is on the ledger, before revoke() resolves: the moment its event goes out. */
  revokeHook?: () => void
  isGrantLiveCalls: number
  /** Makes `patient`'s audit watchers hear events of these kinds. */
  emit(patient: string, kinds: readonly AuditEntryKind[]): void
  grant(patient: string, doctor: `0x${string}`, expiry: number, categories?: readonly RecordCategory[]): void
  /** `guardian`'s emergency grant to `doctor` for `patient`, as the contract's emergencyGrant makes it. */
  emergencyGrant(patient: string, guardian: `0x${string}`, doctor: `0x${string}`, expiry: number, categories: readonly RecordCategory[]): void
  addGuardian(patient: string, guardian: `0x${string}`): void
  removeGuardian(patient: string, guardian: `0x${string}`): void
}

/** `wallet` is who sends the transactions (anchor, revoke); `clock` is the ledger's time. */
export function fakeLedger(wallet: { address: string }, clock: { now(): number }): FakeLedger {
  const watchers = new Set<{ patient: string; onEntries: (entries: readonly { kind: AuditEntryKind }[]) => void }>()
  const live = (g: FakeLedger['grants'][number]): boolean => !g.revoked && g.expiry > clock.now()
  const record = (g: FakeLedger['grants'][number]): GrantRecord => ({
    doctor: g.doctor,
    expiry: new Date(g.expiry),
    scope: { categories: g.categories, mayWrite: false },
    live: live(g),
    grantedBy: g.guardian ?? (g.patient as `0x${string}`),
    emergency: g.guardian !== undefined,
    blockNumber: g.block ?? 1n,
    transactionHash: `0x${'00'.repeat(32)}`
  })
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
  const mine = (patient: string): GrantRecord[] => ledger.grants.filter((g) => same(g.patient, patient) && !g.revoked).map(record)
  const ledger: FakeLedger = {
    grants: [],
    guardians: [],
    guardianRemovals: [],
    events: [],
    block: 1n,
    publishedKeys: new Map(),
    keyVersions: new Map(),
    publications: [],
    anchors: new Map(),
    sealedKeepers: new Map(),
    sealFailure: undefined,
    revokeFailure: undefined,
    isGrantLiveCalls: 0,
    mayWriteHistory: (patient, writer) => Promise.resolve(same(patient, writer) || ledger.grants.some((g) => same(g.patient, patient) && same(g.doctor, writer) && live(g))),
    readGrants: (patient) => Promise.resolve(mine(patient)),
    readAccess(patient) {
      const at = { block: ledger.block, time: new Date(clock.now()) }
      const events = ledger.events.filter((e) => same(e.patient, patient)).map((e) => e.event)
      const removals = ledger.guardianRemovals.filter((r) => same(r.patient, patient)).map((r) => ({ doctor: r.guardian, reason: 'guardian-removed' as const, at: r.time, block: r.block }))
      const guardians = ledger.guardians.filter((g) => same(g.patient, patient)).map((g) => g.guardian)
      return Promise.resolve({ at, grants: mine(patient), endings: [...accessEndings(events, at.time), ...removals], guardians })
    },
    isGrantLive(patient, doctor) {
      ledger.isGrantLiveCalls++
      return Promise.resolve(ledger.grants.some((g) => same(g.patient, patient) && same(g.doctor, doctor) && live(g)))
    },
    readLatestAnchor: (patient) => Promise.resolve(ledger.anchors.get(patient.toLowerCase()) ?? null),
    anchor({ root, entryCount }) {
      ledger.block++
      ledger.anchors.set(wallet.address.toLowerCase(), { root, entryCount: BigInt(entryCount), blockNumber: 7n } as unknown as LatestAnchor)
      return Promise.resolve({ blockNumber: 7n })
    },
    readEncryptionKey: (user) => Promise.resolve(ledger.publishedKeys.get(user.toLowerCase()) ?? null),
    readRegisteredKey(user) {
      const key = ledger.publishedKeys.get(user.toLowerCase())
      return Promise.resolve(key === undefined ? null : { key, version: ledger.keyVersions.get(user.toLowerCase()) ?? 1 })
    },
    publishEncryptionKey({ publicKey, version }) {
      // As the key registry does: only the next version is taken.
      const user = wallet.address.toLowerCase()
      const current = ledger.publishedKeys.has(user) ? (ledger.keyVersions.get(user) ?? 1) : 0
      if (version !== current + 1) return Promise.reject(new Error(`WrongVersion(${current + 1})`))
      const key = bytesToHex(publicKey)
      ledger.publishedKeys.set(user, `0x${key}`)
      ledger.keyVersions.set(user, version)
      ledger.publications.push({ user, key: `0x${key}`, version })
      return Promise.resolve({ blockNumber: 8n })
    },
    readSealedKeepers: (user) => Promise.resolve(ledger.sealedKeepers.get(user.toLowerCase())),
    sealKeepers(sealed) {
      if (ledger.sealFailure !== undefined) return Promise.reject(new Error(ledger.sealFailure))
      ledger.block++
      if (sealed.length === 0) ledger.sealedKeepers.delete(wallet.address.toLowerCase())
      else ledger.sealedKeepers.set(wallet.address.toLowerCase(), sealed.slice())
      return Promise.resolve({ blockNumber: ledger.block })
    },
    revoke(doctor) {
      if (ledger.revokeFailure !== undefined) return Promise.reject(new Error(ledger.revokeFailure))
      ledger.block++
      for (const g of ledger.grants) if (same(g.patient, wallet.address) && same(g.doctor, doctor)) g.revoked = true
      ledger.events.push({ patient: wallet.address, event: { kind: 'revoked', doctor: doctor as `0x${string}`, block: ledger.block, time: new Date(clock.now()) } })
      ledger.revokeHook?.()
      return Promise.resolve()
    },
    watchAuditTrail(patient, onEntries) {
      const watcher = { patient, onEntries }
      watchers.add(watcher)
      return () => watchers.delete(watcher)
    },
    emit(patient, kinds) {
      for (const watcher of [...watchers]) if (same(watcher.patient, patient)) watcher.onEntries(kinds.map((kind) => ({ kind })))
    },
    grant(patient, doctor, expiry, categories = recordCategories) {
      ledger.block++
      // A grant to the same doctor replaces the one standing, as the contract does.
      ledger.grants = ledger.grants.filter((g) => !(same(g.patient, patient) && same(g.doctor, doctor)))
      ledger.grants.push({ patient, doctor, expiry, categories, revoked: false, block: ledger.block })
      ledger.events.push({ patient, event: { kind: 'granted', doctor, expiry: new Date(expiry), categories, block: ledger.block, time: new Date(clock.now()) } })
    },
    emergencyGrant(patient, guardian, doctor, expiry, categories) {
      if (!ledger.guardians.some((g) => same(g.patient, patient) && same(g.guardian, guardian))) throw new Error(`NotGuardian(${patient}, ${guardian})`)
      if (ledger.grants.some((g) => same(g.patient, patient) && same(g.doctor, doctor) && live(g))) throw new Error(`GrantAlreadyLive(${doctor})`)
      ledger.grant(patient, doctor, expiry, categories)
      const made = ledger.grants.at(-1)
      if (made !== undefined) made.guardian = guardian
    },
    addGuardian(patient, guardian) {
      ledger.block++
      ledger.guardians.push({ patient, guardian })
    },
    removeGuardian(patient, guardian) {
      ledger.block++
      ledger.guardians = ledger.guardians.filter((g) => !(same(g.patient, patient) && same(g.guardian, guardian)))
      ledger.guardianRemovals.push({ patient, guardian, block: ledger.block, time: new Date(clock.now()) })
    }
  }
  return ledger
}

/** A log that keeps what it was told, for asserting what the session reported. */
export function recordingLog(): SessionLog & { errors: string[]; warnings: string[] } {
  const errors: string[] = []
  const warnings: string[] = []
  return {
    errors,
    warnings,
    warn: (message) => warnings.push(message),
    error: (message) => errors.push(message)
  }
}

/** One lock per name, in memory (what Web Locks do across tabs). */
export function memoryLocks(): KeyringLock {
  const tails = new Map<string, Promise<unknown>>()
  return <T>(address: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(address) ?? Promise.resolve()
    const run = previous.then(task, task)
    tails.set(address, run.catch(() => undefined))
    return run
  }
}

/** A device of one wallet's user: its vault and session, over a shared network, ledger and clock. */
export interface FakeDevice {
  name: string
  wallet: FakeWallet
  vault: KeyVault
  session: HistorySessionModel
  log: ReturnType<typeof recordingLog>
  /** Connects the session to the wallet (and opens silently when the vault holds the keys). */
  connect(): Promise<void>
  /** A reload: a new session on the same vault and logs. */
  reload(): FakeDevice
}

export function fakeDevice(input: {
  name: string
  wallet: FakeWallet
  network: MemoryNetwork
  ledger: FakeLedger
  clock: ManualClock
  vault?: KeyVault
  /** The browser's StorageManager, when the test follows what the session asks of it. */
  storageManager?: StoragePort
  writes?: WriteGate
}): FakeDevice {
  const vault = input.vault ?? createKeyVault(memoryVaultStorage())
  const log = recordingLog()
  const session = createHistorySessionModel({
    vault: () => vault,
    clock: input.clock,
    lock: memoryLocks(),
    logger: log,
    ...(input.storageManager === undefined ? {} : { storage: input.storageManager }),
    ...(input.writes === undefined ? {} : { writes: input.writes })
  })
  return {
    name: input.name,
    wallet: input.wallet,
    vault,
    session,
    log,
    connect: () =>
      session.connect({
        wallet: input.wallet,
        ledger: input.ledger,
        domain: FAKE_DOMAIN,
        startOrbit: ({ identity }) => Promise.resolve(input.network.orbit(input.name, identity))
      }),
    reload: () => fakeDevice({ ...input, vault })
  }
}

/** Connects `device` and opens its own history: from the vault on a reload, by asking the wallet on a first visit. */
export async function openedOwnHistory(device: FakeDevice): Promise<OwnHistoryModel> {
  await device.connect()
  if (device.session.state.get().state !== 'open') await device.session.unlock()
  const own = device.session.own.get()
  if (own === undefined) throw new Error(`the history did not open on ${device.name}`)
  return own
}
