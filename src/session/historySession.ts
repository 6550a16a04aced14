// The connected wallet's history on this device. Unlocking asks the wallet for two signatures
// the first time (unlockKeys.ts); the keys and the binding are then kept in the key vault, so a
// reload opens the history without asking again. The history's data keys come from the wallet's
// encryption key (epoch 0) and from the key drops in the history itself (every later epoch). The same session
// serves a doctor reading a patient's history during a visit: one OrbitDB identity per wallet
// on this device.
import { firstEpochKeyring, secp256k1Signer, type EpochKeyring, type StoredWalletKeys, type WalletKeys } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import { createWalletIdentity, type CanSync, type CanWrite, type KeyVersionOf, type PatientLog, type WalletIdentity } from '../p2p/index.ts'
import { createCell, type Cell } from './cell.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import type { PatientReadingModel } from './patientReading.ts'
import { requestPersistence, type Persistence, type StoragePort } from './persistentStorage.ts'
import type { EmergencyKeysClient, HandedOn } from './emergencyKeys.ts'
import { createKeepersModel, type KeeperClient, type KeepersModel } from './keepers.ts'
import { syncingWith } from './keeperSync.ts'
import type { KeyReplacement, ReplaceStep } from './replaceKeys.ts'
import { SessionError } from './SessionError.ts'
import { consoleLog, systemClock, type Clock, type SessionLedger, type SessionLog, type SessionWallet } from './sessionPorts.ts'
import { unlockKeys, webLocks, type KeyringLock, type KeyVault, type SigningDomain } from './unlockKeys.ts'
import { createWriteGate, type WriteGate } from './writeGate.ts'

export type HistorySessionState =
  | { state: 'no-wallet' }
  | { state: 'waiting'; for: string }
  | { state: 'locked'; reason?: string }
  | { state: 'unlocking'; step: 'signing-keys' | 'signing-binding' | 'opening' }
  | { state: 'open' }
  | { state: 'failed'; error: string }

/** What the session needs of this device's OrbitDB (src/p2p HistoryOrbit). */
export interface SessionOrbit {
  openLog(patient: string): Promise<PatientLog>
  stop(): Promise<void>
}

/** The wallet in use and what goes with it. */
export interface SessionConnection<O extends SessionOrbit = SessionOrbit> {
  wallet: SessionWallet
  ledger: SessionLedger
  /** This app's origin and the deployment (chain, key registry): every signature the wallet gives names them. */
  domain: SigningDomain
  /** How this device speaks to keepers as `identity` (src/keeper over the node); undefined while the node is not up. */
  keeperClient?: ((identity: WalletIdentity) => KeeperClient) | undefined
  /**
   * Whether `wallet` is a keeper `patient` named to this doctor at a visit (src/visit patientDevices):
   * this device syncs that patient's history with it, so a follow-up reads from it and what the doctor
   * writes reaches it. Absent: only the patient's own keepers and doctors with a live grant sync.
   */
  isNamedKeeper?: (patient: string, wallet: string) => boolean
  /** How this device speaks to a patient's keepers about emergency keys, as `identity` (src/keeper over the node); undefined while the node is not up. */
  emergencyKeys?: ((identity: WalletIdentity) => EmergencyKeysClient) | undefined
  /** Starts this device's OrbitDB for the wallet's identity; undefined while the p2p node is not up. */
  startOrbit: ((options: { identity: WalletIdentity; canWrite: CanWrite; canSync: CanSync; keyVersionOf: KeyVersionOf }) => Promise<O>) | undefined
}

export interface HistorySessionOptions {
  /** The key vault, opened the first time it is needed (it may be unavailable: then opening fails, with the reason). */
  vault: () => KeyVault
  clock?: Clock
  lock?: KeyringLock
  logger?: SessionLog
  /** The browser's StorageManager: asked to keep this site's data when a history first opens. */
  storage?: StoragePort
  /** Where the session's writes count as under way (unlocking, records, anchors, epochs, key drops). Default: one of its own. */
  writes?: WriteGate
}

export interface HistorySessionModel<O extends SessionOrbit = SessionOrbit> {
  state: Cell<HistorySessionState>
  /** The connected user's own history, once open. */
  own: Cell<OwnHistoryModel | undefined>
  /** The keys of this wallet on this device, once unlocked. */
  keys: Cell<WalletKeys | undefined>
  orbit: Cell<O | undefined>
  /** Set when a check of who has access (an expiry, a revocation not yet acted on) moved the history to a new key, for the patient to read. */
  rotationNotice: Cell<string | undefined>
  /** What the browser answered when asked to keep this site's data, once a history has opened. */
  persistence: Cell<Persistence | undefined>
  /** The patient's keepers, once the own history is open on a device that can reach keepers. */
  keepers: Cell<KeepersModel | undefined>
  /** The wallet (or node) in use changed: closes what was open and reopens silently when the vault holds the keys. */
  connect(connection: SessionConnection<O> | undefined): Promise<void>
  /** Asks the wallet for the signatures this device lacks and opens the history. */
  unlock(): Promise<void>
  /**
   * Replaces this wallet's keys, which may be exposed: the wallet signs for the next key version and
   * vouches for the new signing key, the new key is registered on-chain (a transaction), the history
   * reopens under the new keys and moves to a new epoch sealed under them. Needs the history open.
   * @throws {SessionError} `KEYS_NOT_OPEN` when it is not open here or the registry holds other keys;
   *   and the wallet's refusal or the transaction's failure, after which nothing has changed.
   */
  replaceKeys(onStep?: (step: ReplaceStep) => void): Promise<KeyReplacement>
  /**
   * A doctor opens a patient's history with the data keys the patient wrapped for them, and pulls it
   * from the patient's device (`peer`, connected directly), or from a keeper whose wallet is `holder`.
   */
  readPatient(patient: string, wrappedKeys: Uint8Array, peer: string, reconnect?: () => Promise<void>, holder?: string): Promise<PatientReadingModel>
  /**
   * Starts fetching a patient's log (ciphertext) from their device before any key arrives; failures
   * are left to readPatient. The function it returns closes that log again (the patient declined).
   */
  prefetchPatient(patient: string, peer: string): () => Promise<void>
  /**
   * As a guardian of `patient`, hands `doctor` the emergency categories' keys of the patient's history
   * through the patient's keepers (emergencyKeys.ts), while the patient cannot.
   * @throws {SessionError} `HISTORY_NOT_OPEN` when this wallet's keys are not open here; `EMERGENCY_KEYS_NOT_HANDED` with why.
   */
  handEmergencyKeys(patient: string, doctor: string, keepers: readonly string[]): Promise<HandedOn>
  /**
   * As a treating doctor, takes from the keeper at `keeper` the keys a guardian of `patient` left for
   * this wallet; the keeper may then sync the patient's history with this device.
   * @throws {SessionError} `HISTORY_NOT_OPEN` when this wallet's keys are not open here; the keeper's refusal as thrown.
   */
  takeEmergencyKeys(patient: string, keeper: string): Promise<Uint8Array>
  /** Closes the history and every patient's history read with it. */
  close(): Promise<void>
}

/**
 * The history session of this device: nothing open until connect() names a wallet; then the
 * history opens silently when the vault holds its keys, or on unlock(). Close it with close().
 */
export function createHistorySessionModel<O extends SessionOrbit = SessionOrbit>(options: HistorySessionOptions): HistorySessionModel<O> {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? consoleLog
  const lock = options.lock ?? webLocks
  const state = createCell<HistorySessionState>({ state: 'no-wallet' })
  const own = createCell<OwnHistoryModel | undefined>(undefined)
  const keys = createCell<WalletKeys | undefined>(undefined)
  const orbit = createCell<O | undefined>(undefined)
  const notice = createCell<string | undefined>(undefined)
  const persistence = createCell<Persistence | undefined>(undefined)
  const keepers = createCell<KeepersModel | undefined>(undefined)
  const writes = options.writes ?? createWriteGate()
  let connection: SessionConnection<O> | undefined
  let vault: KeyVault | undefined
  /** The keys the open history uses, their version, and the wallet-bound identity made of them. */
  let held: { keys: WalletKeys; version: number; identity: WalletIdentity } | undefined
  /** Keepers (their wallets) this device reached for a patient's emergency keys, by patient: they sync that history with it. */
  const emergencyKeepers = new Map<string, Set<string>>()
  /** While a replacement runs, it moves the history itself: an open does not. */
  let replacing = false
  let generation = 0
  const readings = new Set<PatientReadingModel>()
  let teardown: (() => Promise<void>) | undefined

  const close = async (): Promise<void> => {
    generation++
    notice.set(undefined)
    const done = teardown
    teardown = undefined
    own.set(undefined)
    keepers.set(undefined)
    orbit.set(undefined)
    keys.set(undefined)
    held = undefined
    // A patient's history read on this device goes with the wallet that read it (a shared clinic PC).
    const open = [...readings]
    readings.clear()
    await Promise.allSettled(open.map((reading) => reading.close()))
    await done?.()
  }

  // The history now lives on this device: ask the browser, once per page, not to delete it under
  // storage pressure (Chrome grants by how the site is used, Firefox asks the person).
  let askedToKeep = false
  const askToKeep = (): void => {
    if (askedToKeep || options.storage === undefined) return
    askedToKeep = true
    void requestPersistence(options.storage).then((answer) => persistence.set(answer))
  }

  // One open at a time: a second HistoryOrbit on the same node would stop the first one's serving.
  // A connection that changes while an open is under way (another wallet, the node now up) is
  // opened once that one ends: the open under way was for the connection before.
  let opening: Promise<void> | undefined
  let openingFor: SessionConnection<O> | undefined
  const open = (interactive: boolean): Promise<void> => {
    if (opening !== undefined) {
      return opening.then(() => {
        if (openingFor !== connection) return open(interactive)
        return interactive && state.get().state === 'locked' ? open(true) : undefined
      })
    }
    openingFor = connection
    opening = openNow(interactive).finally(() => {
      opening = undefined
    })
    return opening
  }

  /** Opens the history with keys at hand; `interactive` asks the wallet for what is missing. */
  const openNow = async (interactive: boolean): Promise<void> => {
    const current = connection
    if (current === undefined) {
      state.set({ state: 'no-wallet' })
      return
    }
    const { wallet, ledger, domain, startOrbit } = current
    if (startOrbit === undefined) {
      state.set({ state: 'waiting', for: 'the peer-to-peer node to start' })
      return
    }
    const mine = ++generation
    const address = wallet.address
    // Only the latest open speaks: an older one finishing late must not overwrite what the page shows.
    const show = (next: HistorySessionState): void => {
      if (mine === generation) state.set(next)
    }
    let started: O | undefined
    try {
      const store = (vault ??= options.vault())
      // The record model loads with the first history opened, not with the first screen: fetched
      // while the wallet signs, or once the vault has given this device's keys (a silent open that
      // finds none, as on every first visit, loads nothing).
      const loadHistory = (): Promise<typeof import('../history/index.ts')> => import('../history/index.ts')
      let historyModule = interactive ? loadHistory() : undefined
      historyModule?.catch(() => undefined)
      const unlocked = await unlockKeys({
        vault: store,
        wallet,
        domain,
        registered: () => ledger.readRegisteredKey(address),
        interactive,
        onStep: (step) => show({ state: 'unlocking', step })
      })
      if (unlocked.state === 'locked') {
        show(unlocked)
        return
      }
      const walletKeys = unlocked.keys
      historyModule ??= loadHistory()
      show({ state: 'unlocking', step: 'opening' })
      const identity = createWalletIdentity({ address, signer: secp256k1Signer(walletKeys.identity.secretKey), binding: unlocked.binding, keyVersion: unlocked.version, domain })
      // The keys are stored and the record model loaded while the orbit starts; what runs only once
      // a history is open loads with it, not with the first screen.
      const ready = Promise.all([historyModule, import('./ownHistory.ts'), import('./rotateHistoryKey.ts'), unlocked.saved])
      ready.catch(() => undefined)
      // The patient's keepers, once their list is read: they sync the patient's own history.
      const keepersNow: { model?: KeepersModel } = {}
      started = await startOrbit({
        identity,
        canWrite: (writer, patient) => ledger.mayWriteHistory(patient, writer),
        // A doctor syncs a history while any grant from the patient is live; a keeper the patient enrolled, the patient's own;
        // a keeper a patient named to this doctor, that patient's (it holds their ciphertext already).
        canSync: async (wallet, patient) =>
          (patient === address.toLowerCase() && keepersNow.model?.wallets().has(wallet) === true) ||
          (patient !== address.toLowerCase() && current.isNamedKeeper?.(patient, wallet) === true) ||
          (patient !== address.toLowerCase() && emergencyKeepers.get(patient)?.has(wallet) === true) ||
          (await ledger.isGrantLive(patient, wallet)),
        // Entries signed with keys a wallet has since replaced are refused unless the patient's current keys build on them.
        keyVersionOf: async (wallet) => (await ledger.readRegisteredKey(wallet))?.version
      })
      const [{ openPatientHistory }, { openOwnHistory }, { rotationNotice, watchAccess }] = await ready
      const log = await started.openLog(address)
      // Epoch 0's key comes from the first version of the wallet's keys; every later epoch's, and every
      // epoch's once the keys were replaced, from the key drops addressed to the keys in use.
      const keyring: EpochKeyring = unlocked.version === 1 ? firstEpochKeyring(walletKeys.encryption.secretKey, address) : { current: 0, keys: new Map() }
      const history = openPatientHistory({ log, keyring, reader: walletKeys.encryption })
      if (mine !== generation) {
        await started.stop()
        return
      }
      const orbitNow = started
      const opened = openOwnHistory({ history, log, ledger, ownerKey: walletKeys.encryption.publicKey, lock: (task) => lock(address, task), clock, logger, writes })
      // Every end of access on the ledger (a revocation whose rotation never ran, an expiry) that the
      // history has not moved past is caught up now, and looked for again now and then.
      const stopChecks = watchAccess({
        ledger,
        patient: address,
        own: opened,
        clock,
        logger,
        onRotated: (rotation) => {
          if (mine === generation) notice.set(rotationNotice(rotation))
        }
      })
      const keeperClient = current.keeperClient
      const keepersOpen =
        keeperClient === undefined
          ? undefined
          : createKeepersModel({ ledger, patient: address, ownKey: { ...walletKeys.encryption, version: unlocked.version }, client: syncingWith(keeperClient(identity), log, async () => (await import('./attachments.ts')).filesToKeep(history.entries())), logger, clock })
      if (keepersOpen !== undefined) keepersNow.model = keepersOpen
      teardown = async () => {
        stopChecks()
        keepersOpen?.dispose()
        opened.dispose()
        await orbitNow.stop()
      }
      held = { keys: walletKeys, version: unlocked.version, identity }
      keys.set(walletKeys)
      orbit.set(orbitNow)
      own.set(opened)
      keepers.set(keepersOpen)
      state.set({ state: 'open' })
      askToKeep()
      // A replacement interrupted after its transaction: the history moves to the new keys now.
      const next = unlocked.next
      if (next !== undefined && !replacing) {
        void finishMove({ store, ledger, domain, address, opened, next, mine }).catch((error: unknown) => logger.error('Moving your history to your new keys failed:', error))
      }
    } catch (error) {
      // Nothing half-open stays behind: a running orbit would keep serving a log the page no longer shows.
      await started?.stop().catch(() => undefined)
      show({ state: 'failed', error: errorMessage(error) })
    }
  }

  /** Finishes a replacement whose transaction landed: moves the history to the next keys, and opens it again under them. */
  const finishMove = async (input: { store: KeyVault; ledger: SessionLedger; domain: SigningDomain; address: string; opened: OwnHistoryModel; next: StoredWalletKeys; mine: number }): Promise<void> => {
    const { moveToNextKeys } = await import('./replaceKeys.ts')
    await moveToNextKeys({ ledger: input.ledger, address: input.address, own: input.opened, vault: input.store, domain: input.domain, next: input.next })
    if (input.mine !== generation) return
    await close()
    await open(false)
  }

  const replaceKeys = async (onStep?: (step: ReplaceStep) => void): Promise<KeyReplacement> => {
    const current = connection
    const store = vault
    const before = held
    const opened = own.get()
    if (current === undefined || store === undefined || before === undefined || opened === undefined) {
      throw new SessionError('KEYS_NOT_OPEN', 'Open your history on this device first: replacing your keys moves it to the new ones.')
    }
    const { wallet, ledger, domain } = current
    const { registerNextKeys, moveToNextKeys } = await import('./replaceKeys.ts')
    replacing = true
    try {
      const { next, blockNumber } = await registerNextKeys({ wallet, ledger, domain, vault: store, held: before, ...(onStep === undefined ? {} : { onStep }) })
      onStep?.('moving-history')
      // Moved while the keys in use still open the history; from then on only the new keys do.
      const epoch = await moveToNextKeys({ ledger, address: wallet.address, own: opened, vault: store, domain, next })
      // Opened again under the new keys: the new signing key writes from now on.
      await close()
      await open(false)
      if (own.get() === undefined || held?.version !== next.version) {
        const now = state.get()
        throw new SessionError(
          'KEYS_NOT_OPEN',
          `Your keys were replaced (version ${next.version} is registered, and your history moved to it), but the history did not open again here${now.state === 'failed' ? `: ${now.error}` : ''}. Open it again.`
        )
      }
      return { version: next.version, blockNumber, epoch }
    } finally {
      replacing = false
    }
  }

  /** What the emergency keys flows need: this wallet's keys open here, its identity, and a node to reach keepers. */
  const emergencyParts = (): { client: EmergencyKeysClient; historyOrbit: O; walletKeys: WalletKeys; ledger: SessionLedger } => {
    const historyOrbit = orbit.get()
    const client = held === undefined ? undefined : connection?.emergencyKeys?.(held.identity)
    if (connection === undefined || historyOrbit === undefined || held === undefined || client === undefined) {
      throw new SessionError('HISTORY_NOT_OPEN', 'Open your own history on this device first (your keys open the emergency keys), and wait for the peer-to-peer node to start.')
    }
    return { client, historyOrbit, walletKeys: held.keys, ledger: connection.ledger }
  }
  /** `client`, whose connect lets the keeper it reaches sync `patient`'s history with this device. */
  const reaching = (client: EmergencyKeysClient, patient: string): EmergencyKeysClient => ({
    ...client,
    async connect(address) {
      const wallet = (await client.connect(address)).toLowerCase()
      const key = patient.toLowerCase()
      emergencyKeepers.set(key, new Set([...(emergencyKeepers.get(key) ?? []), wallet]))
      return wallet
    }
  })

  return {
    state,
    own,
    keys,
    orbit,
    rotationNotice: notice,
    persistence,
    keepers,
    // A replacement is a write under way: a new version of the app waits for it.
    replaceKeys: (onStep) => writes.track(() => replaceKeys(onStep)),
    async connect(next) {
      connection = next
      await close().catch((error: unknown) => logger.error('Closing the history failed:', error))
      await open(false)
    },
    // Unlocking stores the keys the wallet's signatures derive: a reload must not cut it off.
    unlock: () => writes.track(() => open(true)),
    async readPatient(patient, wrappedKeys, peer, reconnect, holder) {
      const historyOrbit = orbit.get()
      const walletKeys = keys.get()
      if (connection === undefined || historyOrbit === undefined || walletKeys === undefined) throw new Error("Open your own history on this device first: its keys read the patient's.")
      const { readPatient } = await import('./patientReading.ts')
      const reading: PatientReadingModel = await readPatient({
        openLog: (p) => historyOrbit.openLog(p),
        ledger: connection.ledger,
        doctor: connection.wallet.address,
        keys: walletKeys,
        patient,
        wrappedKeys,
        peer,
        ...(reconnect === undefined ? {} : { reconnect }),
        ...(holder === undefined ? {} : { holder }),
        clock,
        logger,
        writes,
        onClose: () => readings.delete(reading)
      })
      readings.add(reading)
      return reading
    },
    async handEmergencyKeys(patient, doctor, keepers) {
      const { client, historyOrbit, walletKeys, ledger } = emergencyParts()
      const { handOnEmergencyKeys } = await import('./emergencyKeys.ts')
      return await handOnEmergencyKeys({ client: reaching(client, patient), openLog: (p) => historyOrbit.openLog(p), ledger, keys: walletKeys, patient, doctor, keepers })
    },
    async takeEmergencyKeys(patient, keeper) {
      const { client } = emergencyParts()
      const reached = reaching(client, patient)
      await reached.connect(keeper)
      return await reached.take(keeper, patient)
    },
    prefetchPatient(patient, peer) {
      const historyOrbit = orbit.get()
      if (historyOrbit === undefined) return () => Promise.resolve()
      // The reading's code loads while the patient decides, not after their answer.
      void import('./patientReading.ts').catch(() => undefined)
      const opening = historyOrbit.openLog(patient)
      void opening.then((log) => log.syncWith(peer)).catch(() => undefined)
      return async () => {
        const log = await opening.catch(() => undefined)
        await log?.close().catch(() => undefined)
      }
    },
    close
  }
}
