// The connected wallet's history on this device. Unlocking asks the wallet for two
// signatures the first time (one derives the encryption and signing keys, one vouches
// for the signing key); the keys, the binding and the history's data keys are then kept
// in the key vault (wrapped by a non-extractable browser key), so a reload opens the
// history without asking again. The same session serves a doctor reading a patient's
// history during a visit: one OrbitDB identity per wallet on this device.
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js'
import { hexToBytes, type Hex } from 'viem'
import { anchor, isGrantLive, mayWriteHistory, readGrants, readLatestAnchor, toChainError, watchAuditTrail, type ConnectedWallet, type LatestAnchor } from '../../chain/index.ts'
import {
  addEpochKey,
  createKeyDrop,
  createKeyVault,
  currentKey,
  decodeEnvelope,
  decodeWrappedKeys,
  deriveDataKey,
  derivedKeyring,
  encodeWrappedKeys,
  wrapKeyringFor,
  decodeKeyring,
  deriveWalletKeys,
  encodeKeyring,
  indexedDbVaultStorage,
  keyDerivationMessage,
  loadWalletKeys,
  saveWalletKeys,
  type EpochKeyring,
  type KeyVault,
  type WalletKeys
} from '../../crypto/index.ts'
import type { HistoryRecord, PatientHistory, VerifyReport } from '../../history/index.ts'
import { createWalletIdentity, identityBindingMessage, startHistoryOrbit, type HistoryOrbit, type PatientLog } from '../../p2p/index.ts'
import type { HistoryBlock } from '../../viz/historyBlock.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { grantExpiredSince, lastRotation, markRotated, rotateHistoryKey } from './rotateHistoryKey.ts'

export type HistorySessionState =
  | { state: 'no-wallet' }
  | { state: 'waiting'; for: string }
  | { state: 'locked' }
  | { state: 'unlocking'; step: 'signing-keys' | 'signing-binding' | 'opening' }
  | { state: 'open' }
  | { state: 'failed'; error: string }

export type AnchorStep =
  | { step: 'idle' }
  | { step: 'sending' }
  | { step: 'done'; entryCount: number; blockNumber: bigint }
  | { step: 'failed'; error: string }

/** A patient's history open on this device, as the pages use it: the patient's own, or one a doctor reads. */
export interface HistoryView {
  history: PatientHistory
  log: PatientLog
  /** Bumps whenever entries arrive or verdicts change: read it to track the history. */
  version: Accessor<number>
  /** The log as the views draw it, with the latest verdicts. */
  blocks(): HistoryBlock[]
  report: Accessor<VerifyReport | undefined>
  latestAnchor: Accessor<LatestAnchor | null | undefined>
  verify(): Promise<void>
  add(records: readonly HistoryRecord[]): Promise<number>
}

export interface OwnHistory extends HistoryView {
  anchorStep: Accessor<AnchorStep>
  /** Anchors the heads of the history on-chain (the patient's transaction). */
  anchorNow(): Promise<void>
  /**
   * The history's keys for the granted categories (indexes into the grant's category list),
   * every epoch, wrapped for a reader's published X25519 key, as one byte string.
   */
  wrapFor(readerPublicKey: Uint8Array, categories: readonly number[]): Promise<Uint8Array>
  /** A new epoch after a revocation: new records are sealed under a fresh key the revoked reader never gets. Returns the new epoch. */
  rotateKey(): Promise<number>
  /** The epoch new records are sealed under. */
  epoch: Accessor<number>
  /** Hands the current epoch's keys of their categories to readers who keep access (by published X25519 key), in a key drop in the log. */
  dropKeys(readers: readonly { publicKey: Uint8Array; categories: readonly number[] }[]): Promise<void>
}

/** Where a doctor's copy of a patient's history stands. */
export type ReadingState =
  | { state: 'syncing'; received: number }
  | { state: 'synced' }
  | { state: 'offline'; error: string }

export interface PatientReading extends HistoryView {
  reading: Accessor<ReadingState>
  /** Whether this doctor's grant is live now, as the ledger says; checked again at every consent event. */
  access: Accessor<'checking' | 'live' | 'ended'>
  /** Reconnects to the patient's device and pulls again: at once, not at the next scheduled retry. */
  resync(): Promise<void>
  close(): Promise<void>
}

export interface HistorySession {
  state: Accessor<HistorySessionState>
  /** The connected user's own history, once open. */
  own: Accessor<OwnHistory | undefined>
  /** The keys of this wallet on this device, once unlocked. */
  keys: Accessor<WalletKeys | undefined>
  orbit: Accessor<HistoryOrbit | undefined>
  /** Set when a grant's expiry moved the history to a new key, for the patient to read. */
  expiryNotice: Accessor<string | undefined>
  /** Asks the wallet for the signatures this device lacks and opens the history. */
  unlock(): Promise<void>
  /**
   * A doctor opens a patient's history with the data keys the patient wrapped for them, and
   * pulls it from the patient's device (`peer`, connected directly).
   */
  readPatient(patient: string, wrappedKeys: Uint8Array, peer: string, reconnect?: () => Promise<void>): Promise<PatientReading>
  /**
   * Starts fetching a patient's log (ciphertext) from their device before any key arrives; failures
   * are left to readPatient. The function it returns closes that log again (the patient declined).
   */
  prefetchPatient(patient: string, peer: string): () => Promise<void>
}

/** How many blocks verify() found verified, unanchored and broken. */
export function verdictCounts(report: VerifyReport | undefined): Record<'verified' | 'unanchored' | 'broken', number> {
  const tally = { verified: 0, unanchored: 0, broken: 0 }
  for (const v of report?.verdicts ?? []) tally[v.verdict]++
  return tally
}

/** How often a doctor's browser tries the patient's device again after it went away. */
const RETRY_MS = 3_000
/** The least time between two redraws of a history's views. */
const DRAW_MS = 100
/** How often the patient's app looks for a grant that expired (which no event announces). */
const EXPIRY_CHECK_MS = 60_000
/** The most epochs a device moves forward in one step on the evidence of its log (one per revocation). */
const MAX_EPOCH_JUMP = 1024
/**
 * The least time between two redraws while a history streams in. Each redraw rebuilds the views
 * over everything so far (a tenth of a second for a thousand records on a small machine), time
 * the sync itself needs; the status line says how far it has come meanwhile.
 */
const SYNC_DRAW_MS = 1_000
/** How often a doctor's browser asks the ledger whether its grant is still live. */
const ACCESS_CHECK_MS = 30_000

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const vaultNames = (address: string): { binding: string; keyring: string } => {
  const owner = address.toLowerCase()
  return { binding: `${owner}/identity-binding`, keyring: `${owner}/history-keyring` }
}

/**
 * The keyring of `address`'s own history on this device: kept in the vault, or derived from the
 * wallet's encryption key (epoch 0) the first time. Two tabs must not each start their own.
 */
async function ownKeyring(vault: KeyVault, address: string, encryptionSecretKey: Uint8Array): Promise<EpochKeyring> {
  const name = vaultNames(address).keyring
  const loadOrCreate = async (): Promise<EpochKeyring> => {
    const stored = await vault.get(name)
    if (stored !== undefined) return decodeKeyring(stored)
    const keyring = derivedKeyring(encryptionSecretKey, address, 0)
    await vault.put(name, encodeKeyring(keyring))
    return keyring
  }
  return withKeyringLock(address, loadOrCreate)
}

/** Runs `task` while no other tab of this origin changes `address`'s keyring. */
function withKeyringLock<T>(address: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  return locks === undefined ? task() : locks.request(`anamnesis-keyring-${address.toLowerCase()}`, task)
}

async function signWith(wallet: ConnectedWallet, text: string, action: string): Promise<Uint8Array> {
  try {
    const signature: Hex = await wallet.client.signMessage({ account: wallet.client.account ?? wallet.address, message: text })
    return hexToBytes(signature)
  } catch (error) {
    throw toChainError(error, action)
  }
}

export function createHistorySession(app: AppStore): HistorySession {
  const [state, setState] = createSignal<HistorySessionState>({ state: 'no-wallet' })
  const [own, setOwn] = createSignal<OwnHistory>()
  const [keys, setKeys] = createSignal<WalletKeys>()
  const [orbit, setOrbit] = createSignal<HistoryOrbit>()
  const [expiryNotice, setExpiryNotice] = createSignal<string>()
  let vault: KeyVault | undefined
  let generation = 0
  const readings = new Set<PatientReading>()
  let teardown: (() => Promise<void>) | undefined

  const openVault = (): KeyVault => (vault ??= createKeyVault(indexedDbVaultStorage()))

  const close = async (): Promise<void> => {
    generation++
    setExpiryNotice(undefined)
    const done = teardown
    teardown = undefined
    setOwn(undefined)
    setOrbit(undefined)
    setKeys(undefined)
    // A patient's history read on this device goes with the wallet that read it (a shared clinic PC).
    const open = [...readings]
    readings.clear()
    await Promise.allSettled(open.map((reading) => reading.close()))
    await done?.()
  }

  // One open at a time: a second HistoryOrbit on the same node would stop the first one's serving.
  let opening: Promise<void> | undefined
  const open = (interactive: boolean): Promise<void> => {
    if (opening !== undefined) return opening.then(() => (interactive && state().state === 'locked' ? open(true) : undefined))
    opening = openNow(interactive).finally(() => {
      opening = undefined
    })
    return opening
  }

  /** Opens the history with keys at hand; `interactive` asks the wallet for what is missing. */
  const openNow = async (interactive: boolean): Promise<void> => {
    const context = ledgerContext(app)
    const node = app.p2pNode()
    if (context === undefined) {
      setState({ state: 'no-wallet' })
      return
    }
    if (node === undefined) {
      setState({ state: 'waiting', for: 'the peer-to-peer node to start' })
      return
    }
    const mine = ++generation
    const { wallet, client, ledger, fromBlock } = context
    const address = wallet.address
    // Only the latest open speaks: an older one finishing late must not overwrite what the page shows.
    const show = (next: HistorySessionState): void => {
      if (mine === generation) setState(next)
    }
    let historyOrbit: HistoryOrbit | undefined
    try {
      const store = openVault()
      let walletKeys = await loadWalletKeys(store, address)
      let binding = await store.get(vaultNames(address).binding)
      let saving: Promise<unknown> = Promise.resolve()
      if ((walletKeys === undefined || binding === undefined) && !interactive) {
        show({ state: 'locked' })
        return
      }
      // The record model loads with the first history opened, not with the first screen: fetched
      // while the wallet signs.
      const historyModule = import('../../history/index.ts')
      historyModule.catch(() => undefined)
      if (walletKeys === undefined || binding === undefined) {
        show({ state: 'unlocking', step: 'signing-keys' })
        walletKeys = deriveWalletKeys(await signWith(wallet, keyDerivationMessage(address), 'sign the key derivation message'))
        show({ state: 'unlocking', step: 'signing-binding' })
        binding = await signWith(wallet, identityBindingMessage(address, walletKeys.identity.publicKey), 'sign the history signing key')
        saving = Promise.all([saveWalletKeys(store, address, walletKeys), store.put(vaultNames(address).binding, binding)])
      }
      show({ state: 'unlocking', step: 'opening' })
      const identity = createWalletIdentity({ address, identityKey: walletKeys.identity, binding })
      // The keys are stored, the keyring read and the record model loaded while the orbit starts.
      const secretKey = walletKeys.encryption.secretKey
      const ready = Promise.all([historyModule, ownKeyring(store, address, secretKey), saving])
      ready.catch(() => undefined)
      historyOrbit = await startHistoryOrbit({ node, identity, canWrite: (writer, patient) => mayWriteHistory(client, { ledger, patient, writer }) })
      const [{ openPatientHistory }, keyring] = await ready
      const log = await historyOrbit.openLog(address)
      const history = openPatientHistory({ log, keyring })
      if (mine !== generation) {
        await historyOrbit.stop()
        return
      }
      const started = historyOrbit
      const opened = ownHistory({
        history,
        log,
        wallet,
        context: { client, ledger, fromBlock },
        keyring,
        encryptionSecretKey: walletKeys.encryption.secretKey,
        vault: {
          load: async () => {
            const stored = await store.get(vaultNames(address).keyring)
            return stored === undefined ? undefined : decodeKeyring(stored)
          },
          save: (next) => store.put(vaultNames(address).keyring, encodeKeyring(next)),
          lock: (task) => withKeyringLock(address, task)
        }
      })
      // A grant that expires moves the history to a new epoch too, as a revocation does: looked for now and then.
      // The ledger's clock decides, as it does for the grants themselves: not this device's.
      const checkExpiries = async (): Promise<void> => {
        const [grants, latest] = await Promise.all([readGrants(client, { ledger, patient: address, fromBlock }), client.getBlock({ blockTag: 'latest' })])
        const ledgerNow = Number(latest.timestamp) * 1000
        if (!grantExpiredSince(grants, lastRotation(address), ledgerNow)) return
        const { epoch } = await rotateHistoryKey(context, opened.own)
        markRotated(address, ledgerNow)
        if (mine === generation) {
          setExpiryNotice(
            `A grant expired, so your history now uses a new key (epoch ${epoch}). Only doctors whose access is still live received it; what the others already saw cannot be unseen.`
          )
        }
      }
      const expiryCheck = (): void => void checkExpiries().catch((error: unknown) => console.error('Checking for expired grants failed:', error))
      const expiryTimer = setInterval(expiryCheck, EXPIRY_CHECK_MS)
      expiryCheck()
      teardown = async () => {
        clearInterval(expiryTimer)
        opened.dispose()
        await started.stop()
      }
      setKeys(walletKeys)
      setOrbit(started)
      setOwn(opened.own)
      setState({ state: 'open' })
    } catch (error) {
      // Nothing half-open stays behind: a running orbit would keep serving a log the page no longer shows.
      await historyOrbit?.stop().catch(() => undefined)
      show({ state: 'failed', error: message(error) })
    }
  }

  // A wallet (or node) change closes what was open and reopens silently when this device holds the keys.
  createEffect(
    on(
      () => [ledgerContext(app)?.wallet.address, app.p2pNode()] as const,
      () => {
        void close()
          .catch((error: unknown) => console.error('Closing the history failed:', error))
          .finally(() => void open(false))
      }
    )
  )
  onCleanup(() => void close())

  const readPatient = async (patient: string, wrappedKeys: Uint8Array, peer: string, reconnect?: () => Promise<void>): Promise<PatientReading> => {
    const context = ledgerContext(app)
    const historyOrbit = orbit()
    const walletKeys = keys()
    if (context === undefined || historyOrbit === undefined || walletKeys === undefined) throw new Error('Open your own history on this device first: its keys read the patient\'s.')
    const { openPatientHistory, readerKeyring } = await import('../../history/index.ts')
    const keyring = readerKeyring(decodeWrappedKeys(wrappedKeys), walletKeys.encryption.secretKey)
    const log = await historyOrbit.openLog(patient)
    const history = openPatientHistory({ log, keyring, reader: walletKeys.encryption })
    let closed = false
    let retry: ReturnType<typeof setTimeout> | undefined
    const [access, setAccess] = createSignal<'checking' | 'live' | 'ended'>('checking')
    const checkAccess = (): void => {
      isGrantLive(context.client, { ledger: context.ledger, patient, doctor: context.wallet.address }).then(
        (live) => {
          setAccess(live ? 'live' : 'ended')
          if (!live) clearTimeout(retry)
        },
        () => undefined
      )
    }
    const [reading, setReading] = createSignal<ReadingState>({ state: 'syncing', received: 0 })
    const view = watchHistory({ history, log, context, onConsentEvent: checkAccess, busy: () => reading().state === 'syncing' })
    checkAccess()
    // A grant can also end by expiring, which no event announces.
    const accessTimer = setInterval(checkAccess, ACCESS_CHECK_MS)
    const stopEvents = log.subscribe((event) => {
      // Progress of a pull already under way; a background pull's late progress does not undo "synced".
      if (event.type === 'progress' && reading().state === 'syncing') setReading({ state: 'syncing', received: event.settled })
      if (event.type === 'sync-error') setReading({ state: 'offline', error: event.error })
    })
    // A pull that fails (the patient's page closed mid-sync) keeps what arrived; the next one fetches only the rest.
    let pulling: Promise<void> | undefined
    const pull = (): Promise<void> =>
      (pulling ??= (async () => {
        clearTimeout(retry)
        setReading({ state: 'syncing', received: 0 })
        try {
          await reconnect?.()
          // The pull fetched while the patient decided (prefetchPatient) holds everything they had then;
          // what they add later is announced, and pulled in the background.
          await log.syncWith(peer, { joinRunning: true })
          setReading({ state: 'synced' })
          view.flush()
        } catch (error) {
          console.warn("Pulling the patient's history failed:", error)
          setReading({ state: 'offline', error: message(error) })
          // Retried while the grant lasts; after it ends there is nothing more to fetch for this doctor.
          if (!closed && access() !== 'ended') retry = setTimeout(() => void pull(), RETRY_MS)
        } finally {
          pulling = undefined
        }
      })())
    void pull()
    const patientReading: PatientReading = {
      ...view.view,
      reading,
      access,
      resync: pull,
      close: async () => {
        closed = true
        clearTimeout(retry)
        clearInterval(accessTimer)
        readings.delete(patientReading)
        stopEvents()
        view.dispose()
        await history.close()
      }
    }
    readings.add(patientReading)
    return patientReading
  }

  const prefetchPatient = (patient: string, peer: string): (() => Promise<void>) => {
    const historyOrbit = orbit()
    if (historyOrbit === undefined) return () => Promise.resolve()
    const opening = historyOrbit.openLog(patient)
    void opening.then((log) => log.syncWith(peer)).catch(() => undefined)
    return async () => {
      const log = await opening.catch(() => undefined)
      await log?.close().catch(() => undefined)
    }
  }

  return {
    state,
    own,
    keys,
    orbit,
    expiryNotice,
    unlock: () => open(true),
    readPatient,
    prefetchPatient
  }
}

interface OwnContext {
  client: NonNullable<ReturnType<typeof ledgerContext>>['client']
  ledger: `0x${string}`
  fromBlock: bigint
}

/** Tracks an open history: versions, verdicts against the latest on-chain anchor, who may write. */
function watchHistory(input: {
  history: PatientHistory
  log: PatientLog
  context: OwnContext
  onConsentEvent?: () => void
  /** While this says so (a sync under way), verifying waits: it re-reads every block and would slow the sync. */
  busy?: () => boolean
}): {
  view: HistoryView
  bump(): void
  /** Redraws now, without waiting for the next scheduled redraw. */
  flush(): void
  dispose(): void
} {
  const { history, log, context } = input
  const [version, setVersion] = createSignal(0)
  const [report, setReport] = createSignal<VerifyReport>()
  const [latestAnchor, setLatestAnchor] = createSignal<LatestAnchor | null>()
  // Batches land every few milliseconds: the views redraw at most every DRAW_MS, and while a
  // sync is under way every SYNC_DRAW_MS, so drawing does not slow the sync it shows.
  let drawTimer: ReturnType<typeof setTimeout> | undefined
  const bump = (): void => {
    drawTimer ??= setTimeout(
      () => {
        drawTimer = undefined
        setVersion((v) => v + 1)
      },
      input.busy?.() === true ? SYNC_DRAW_MS : DRAW_MS
    )
  }
  let verifyTimer: ReturnType<typeof setTimeout> | undefined
  let verifying: Promise<void> | undefined

  const verify = async (): Promise<void> => {
    const run = async (): Promise<void> => {
      const latest = await readLatestAnchor(context.client, { ledger: context.ledger, patient: history.patient, fromBlock: context.fromBlock }).catch(() => undefined)
      if (latest !== undefined) setLatestAnchor(latest)
      setReport(await history.verify({ anchor: latest ?? null }))
      bump()
    }
    verifying = (verifying ?? Promise.resolve()).then(run, run)
    await verifying
  }
  const verifySoon = (): void => {
    clearTimeout(verifyTimer)
    verifyTimer = setTimeout(() => {
      if (input.busy?.() === true) verifySoon()
      else void verify().catch((error: unknown) => console.error('Verifying the history failed:', error))
    }, 400)
  }

  const stopHistory = history.subscribe(() => {
    bump()
    verifySoon()
  })
  // A grant or revocation changes who may write: forget the cached answers at once.
  const stopWatch = watchAuditTrail(context.client, {
    ledger: context.ledger,
    patient: history.patient,
    onEntries: (entries) => {
      const consent = entries.some((entry) => entry.kind !== 'anchored' && entry.kind !== 'visitLogged' && entry.kind !== 'glassBroken')
      if (consent) {
        log.refreshAccess()
        input.onConsentEvent?.()
      }
      // A new anchor changes the verdicts. (Nothing else does: re-checking every block on a grant
      // would compete with the very sync the grant starts.)
      if (entries.some((entry) => entry.kind === 'anchored')) verifySoon()
    }
  })
  verifySoon()

  const view: HistoryView = {
    history,
    log,
    version,
    report,
    latestAnchor,
    verify,
    blocks: () => {
      version()
      const verdicts = new Map((report()?.verdicts ?? []).map((v) => [v.hash, v]))
      const blocks: HistoryBlock[] = []
      for (const block of history.blocks()) {
        if (block.duplicate === true || block.keyDrop === true) continue
        const verdict = verdicts.get(block.hash)
        const reason = verdict?.verdict === 'broken' ? verdict.reason : block.unreadable
        blocks.push({
          entryHash: block.hash,
          previous: block.previous,
          verdict: verdict?.verdict ?? 'unanchored',
          writer: block.writer,
          ...(reason === undefined ? {} : { reason }),
          ...(block.entry === undefined ? {} : { entry: block.entry })
        })
      }
      return blocks
    },
    async add(records) {
      const added = await history.addMany(records)
      bump()
      return added.length
    }
  }
  return {
    view,
    bump,
    flush: () => {
      clearTimeout(drawTimer)
      drawTimer = undefined
      setVersion((v) => v + 1)
    },
    dispose: () => {
      clearTimeout(verifyTimer)
      clearTimeout(drawTimer)
      stopHistory()
      stopWatch()
    }
  }
}

function ownHistory(input: {
  history: PatientHistory
  log: PatientLog
  wallet: ConnectedWallet
  context: OwnContext
  keyring: EpochKeyring
  encryptionSecretKey: Uint8Array
  /** The keyring as the vault holds it, shared by every tab of this device. */
  vault: {
    load(): Promise<EpochKeyring | undefined>
    save(keyring: EpochKeyring): Promise<void>
    lock<T>(task: () => Promise<T>): Promise<T>
  }
}): { own: OwnHistory; dispose(): void } {
  const { history, wallet, context } = input
  const watched = watchHistory(input)
  const { view } = watched
  let keyring = input.keyring
  const [epoch, setEpoch] = createSignal(keyring.current)
  const [anchorStep, setAnchorStep] = createSignal<AnchorStep>({ step: 'idle' })

  const own: OwnHistory = {
    ...view,
    anchorStep,
    epoch,
    async anchorNow() {
      const { root, entryCount } = history.anchor()
      if (entryCount === 0) {
        setAnchorStep({ step: 'failed', error: 'There is nothing to anchor yet: add a record first.' })
        return
      }
      setAnchorStep({ step: 'sending' })
      try {
        const result = await anchor(context.client, wallet.client, { ledger: context.ledger, root, entryCount })
        setAnchorStep({ step: 'done', entryCount, blockNumber: result.blockNumber })
        await view.verify()
      } catch (error) {
        setAnchorStep({ step: 'failed', error: message(error) })
      }
    },
    wrapFor: async (readerPublicKey, categories) => {
      // A rotation under way finishes first: a reader approved now gets the epoch new records use.
      await advancing.catch(() => undefined)
      return encodeWrappedKeys(wrapKeyringFor(keyring, readerPublicKey, categories))
    },
    rotateKey: () => advanceTo((current) => current + 1),
    async dropKeys(readers) {
      const granted = readers.filter((reader) => reader.categories.length > 0)
      if (granted.length === 0) return
      await advancing.catch(() => undefined)
      const { epoch: current, key } = currentKey(keyring)
      await input.log.append([createKeyDrop(current, key, granted)])
    }
  }

  /** The highest epoch the patient has written under, as the log shows it (another tab or device may be ahead of this one). */
  const highestWrittenEpoch = (): number => {
    let highest = 0
    for (const entry of input.log.entries()) {
      if (entry.writer !== history.patient) continue
      try {
        highest = Math.max(highest, decodeEnvelope(entry.payload).epoch)
      } catch {
        // Not an envelope: verify() shows the block as broken.
      }
    }
    return highest
  }

  // Moves to a later epoch, deriving every key up to it: one move at a time, under the keyring's
  // lock, from the highest epoch any tab stored or the patient wrote, so an epoch never repeats.
  // The keyring is stored before use: a record sealed under a key this device then lost would be
  // unreadable here for good.
  let advancing = Promise.resolve(keyring.current)
  function advanceTo(targetOf: (current: number) => number): Promise<number> {
    // A failed move (the vault refused) must not block the next one.
    advancing = advancing.catch(() => keyring.current).then(() =>
      input.vault.lock(async () => {
        let next = keyring
        const stored = await input.vault.load()
        for (const [e, key] of stored?.keys ?? []) if (!next.keys.has(e)) next = addEpochKey(next, e, key)
        const base = Math.max(next.current, highestWrittenEpoch())
        const target = targetOf(base)
        const added: { epoch: number; key: Uint8Array }[] = [...next.keys].filter(([e]) => !keyring.keys.has(e)).map(([e, key]) => ({ epoch: e, key }))
        for (let e = next.current + 1; e <= target; e++) {
          const key = deriveDataKey(input.encryptionSecretKey, history.patient, e)
          next = addEpochKey(next, e, key)
          added.push({ epoch: e, key })
        }
        if (added.length === 0) return keyring.current
        await input.vault.save(next)
        keyring = next
        history.addKeys(added)
        setEpoch(next.current)
        return next.current
      })
    )
    return advancing
  }

  // On a new device the vault starts at epoch 0: the patient's own entries of later epochs
  // (after revocations, written on another device) show the epoch in use, and the wallet derives
  // its key. Only the patient's blocks count (a doctor could write any epoch number), and only a
  // bounded jump (a corrupt number must not make this device derive keys for hours).
  const adoptEpochs = (hashes: readonly string[]): void => {
    let highest = keyring.current
    for (const hash of hashes) {
      const block = input.log.get(hash)
      if (block === undefined || block.writer !== history.patient) continue
      try {
        highest = Math.max(highest, decodeEnvelope(block.payload).epoch)
      } catch {
        // Not an envelope: verify() shows the block as broken.
      }
    }
    if (highest > keyring.current + MAX_EPOCH_JUMP) {
      console.error(`Your history names epoch ${highest}, far beyond this device's ${keyring.current}: not deriving its key.`)
      return
    }
    if (highest > keyring.current) void advanceTo(() => highest).catch((error: unknown) => console.error('Deriving the keys of later epochs failed:', error))
  }
  adoptEpochs(history.unreadable().map(({ hash }) => hash))
  const stopAdopting = history.subscribe((change) => adoptEpochs(change.unreadable.map(({ hash }) => hash)))
  return {
    own,
    dispose: () => {
      stopAdopting()
      watched.dispose()
    }
  }
}
