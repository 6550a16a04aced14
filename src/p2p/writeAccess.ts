// The write access controller of a patient's history log, registered with OrbitDB
// (useAccessController) on every peer. It admits an entry only when its identity is a
// valid wallet identity whose key signed it, and its wallet is the patient's or a
// doctor's whose grant is live with the write bit. That last answer comes from a
// function the app composes in (canWrite), so this domain never talks to the chain;
// it is cached for a short time, as every entry of a sync would otherwise ask. The same
// goes for the key version each wallet has registered (keyVersionOf): an identity derived
// for keys its wallet has since replaced is retired, and its entries need the patient's
// endorsement (entryAdmission.ts).
//
// Access controller manifest (dag-cbor block, address /anamnesis-write/<hash>):
//   { type: 'anamnesis-write', owner: <the patient's lowercase address> }
import type { AccessController, LogEntry as OrbitLogEntry } from '@orbitdb/core'
import { decodeCanonical, encodeBlock, parseHash, readBlock, type BlockReader } from './blocks.ts'
import { P2PError } from './p2pError.ts'
import { hintKeyVersion, parseIdentityBlock, type VerifiedIdentity, type WalletAddress } from './walletIdentity.ts'

/** The access controller type, as a log's manifest and its controller's address name it. */
export const WRITE_ACCESS_TYPE = 'anamnesis-write'

/** Whether `writer` holds a live grant with the write bit from `patient`, as the ledger says now. */
export type CanWrite = (writer: WalletAddress, patient: WalletAddress) => Promise<boolean>

/** Whether `reader` may sync `patient`'s history with this device now: a live grant of any scope, an enrolled keeper. */
export type CanSync = (reader: WalletAddress, patient: WalletAddress) => Promise<boolean>

/**
 * The key version `wallet` has registered now (the key registry's), or undefined when it has
 * registered none. A rejection means the registry could not be asked.
 */
export type KeyVersionOf = (wallet: WalletAddress) => Promise<number | undefined>

/** Who may write and sync besides the patient, which keys are current, and how long an answer is reused. */
export interface WriteAccessPolicy {
  /** Default: nobody but the patient writes. */
  canWrite?: CanWrite
  /** Default: nobody but the patient's own devices sync the history with this device. */
  canSync?: CanSync
  /** Default: no registry, so no identity is known as retired. */
  keyVersionOf?: KeyVersionOf
  /** How long an answer of canWrite or keyVersionOf is reused. Default 30 s. */
  cacheMs?: number
}

/** A history log's write access controller, as OrbitDB and the history log use it. */
export interface HistoryWriteAccess extends AccessController {
  /** The patient whose history it is, from the manifest. */
  readonly patient: WalletAddress
  /**
   * Whether `writer` may add entries now: the patient always, a doctor while canWrite says so.
   * An answer is reused for cacheMs; a canWrite that fails counts as no, and is asked again next time.
   */
  mayWrite(writer: WalletAddress): Promise<boolean>
  /**
   * Whether `wallet` may sync this history with this device now: the patient's own devices always,
   * others while canSync says so. Only a yes is reused (for cacheMs), so a grant that just went live
   * counts at once; a canSync that fails counts as no.
   */
  maySync(wallet: WalletAddress): Promise<boolean>
  /**
   * The key version `wallet` has registered, as far as this process knows: keyVersionOf's answer,
   * reused for cacheMs. Versions only go up, so the highest answer heard stands while the registry
   * cannot be asked or names none (an entry refused as retired stays refused); undefined while no
   * answer was ever heard.
   */
  keyVersionOf(wallet: WalletAddress): Promise<number | undefined>
  /**
   * The wallet identity a log entry names, verified (parseIdentityBlock, and the block's hash is the
   * one asked for); from local blocks, or over the network when asked. Undefined when it is not
   * found within 2 s (10 s over the network) or is not sound.
   */
  identity(hash: string, options?: { network?: boolean }): Promise<VerifiedIdentity | undefined>
  /**
   * Forget cached answers: about grants (who may write, who may sync) and about key versions; with
   * `'grants'`, about grants only. A grant or revocation seen changes no key version: the app forgets
   * only grants then, so that one seen in the middle of a sync does not hold its storing up for a
   * registry lookup. A rotation because a doctor replaced their keys forgets both.
   */
  refresh(only?: 'grants'): void
  /**
   * Entries the patient has built on (reachable from a patient-signed entry): admitted
   * whatever the writer's grant says now, since the patient's device accepted them.
   */
  endorse(hashes: Iterable<string>): void
}

const DEFAULT_CACHE_MS = 30_000
const IDENTITY_TIMEOUT_MS = 10_000
const ADDRESS = /^0x[0-9a-f]{40}$/

let registeredPolicy: WriteAccessPolicy = {}

const KNOWN_VERSIONS_SIZE = 4096
/** The most wallets whose registry answer a log's controller reuses; past it, the oldest answer is forgotten (and asked again when needed). */
export const MAX_VERSION_ANSWERS = 1024
/**
 * The highest key version heard for each wallet in this process, shared by every log's controller:
 * a log closed and opened again, while the registry is out of reach, still knows which keys were
 * replaced.
 */
const knownVersions = new Map<WalletAddress, number>()

function heardVersion(wallet: WalletAddress, version: number | undefined): number | undefined {
  const known = knownVersions.get(wallet)
  if (version === undefined || !Number.isSafeInteger(version) || version < 1 || version > 0xffff_ffff || (known !== undefined && known >= version)) return known
  if (known === undefined && knownVersions.size >= KNOWN_VERSIONS_SIZE) {
    const oldest = knownVersions.keys().next().value
    if (oldest !== undefined) knownVersions.delete(oldest)
  }
  knownVersions.set(wallet, version)
  hintKeyVersion(wallet, version)
  return version
}

/** The policy every log opened from its address uses (OrbitDB creates those controllers without options). */
export function setWriteAccessPolicy(policy: WriteAccessPolicy): void {
  registeredPolicy = policy
}

interface FactoryParams {
  orbitdb: { ipfs: unknown }
  address?: string
}

/** What OrbitDB calls to make a log's controller: with the controller's address when the log exists. */
export type HistoryWriteAccessFactory = (params: FactoryParams) => Promise<HistoryWriteAccess>

function toPatient(value: unknown): WalletAddress {
  if (typeof value !== 'string' || !ADDRESS.test(value.toLowerCase())) throw new P2PError('INVALID_LOG', 'The history log names no patient wallet address')
  return value.toLowerCase() as WalletAddress
}

/**
 * The controller type. `HistoryWriteAccessController({ patient })` makes a new log's
 * controller; OrbitDB calls it without options when a log is opened by address, and the
 * patient then comes from the manifest, the policy from setWriteAccessPolicy.
 * The factory rejects with {@link P2PError} `INVALID_LOG` when the patient is not a wallet address,
 * or the manifest cannot be read within 10 s or is not of this type.
 * canAppend, which OrbitDB asks of every entry it appends or joins, admits an entry whose identity is
 * a sound wallet identity (fetched over the network if need be) with the entry's key, and that is
 * endorsed, or whose identity is not retired (keyVersionOf) and whose wallet is the patient's or
 * allowed by mayWrite. It does not check the entry's signature.
 */
export const HistoryWriteAccessController = Object.assign(
  (options: { patient?: string } & WriteAccessPolicy = {}): HistoryWriteAccessFactory =>
    async ({ orbitdb, address }) => {
      const blockstore = (orbitdb.ipfs as { blockstore: BlockReader & { put(cid: unknown, bytes: Uint8Array): Promise<unknown> } }).blockstore
      let patient: WalletAddress
      if (address === undefined) {
        patient = toPatient(options.patient)
        const manifest = encodeBlock({ type: WRITE_ACCESS_TYPE, owner: patient })
        await blockstore.put(manifest.cid, manifest.bytes)
        address = `/${WRITE_ACCESS_TYPE}/${manifest.hash}`
      } else {
        const cid = parseHash(address.split('/').pop() ?? '')
        const bytes = cid === undefined ? undefined : await readBlock(blockstore, cid, { signal: AbortSignal.timeout(IDENTITY_TIMEOUT_MS) })
        if (bytes === undefined) throw new P2PError('INVALID_LOG', 'The history log\'s access manifest could not be read')
        const manifest = decodeCanonical(bytes) as { type?: unknown; owner?: unknown }
        if (manifest.type !== WRITE_ACCESS_TYPE) throw new P2PError('INVALID_LOG', 'The history log\'s access manifest is not an Anamnesis one')
        patient = toPatient(manifest.owner)
      }
      const policy = { ...registeredPolicy, ...options }
      return createWriteAccess(patient, address, blockstore, policy)
    },
  { type: WRITE_ACCESS_TYPE }
)

function createWriteAccess(patient: WalletAddress, address: string, blockstore: BlockReader, policy: WriteAccessPolicy): HistoryWriteAccess {
  const cacheMs = policy.cacheMs ?? DEFAULT_CACHE_MS
  const answers = new Map<WalletAddress, { at: number; answer: Promise<boolean> }>()
  const identities = new Map<string, VerifiedIdentity>()
  const endorsed = new Set<string>()

  const mayWrite = (writer: WalletAddress): Promise<boolean> => {
    if (writer === patient) return Promise.resolve(true)
    const canWrite = policy.canWrite
    if (canWrite === undefined) return Promise.resolve(false)
    const cached = answers.get(writer)
    if (cached !== undefined && Date.now() - cached.at < cacheMs) return cached.answer
    const answer = canWrite(writer, patient).then(
      (live) => live,
      () => {
        // The ledger could not be asked: refuse for now, and ask again next time.
        answers.delete(writer)
        return false
      }
    )
    answers.set(writer, { at: Date.now(), answer })
    return answer
  }

  const syncAnswers = new Map<WalletAddress, number>()
  const maySync = async (wallet: WalletAddress): Promise<boolean> => {
    if (wallet === patient) return true
    const canSync = policy.canSync
    if (canSync === undefined) return false
    const at = syncAnswers.get(wallet)
    if (at !== undefined && Date.now() - at < cacheMs) return true
    const live = await canSync(wallet, patient).catch(() => false)
    if (live) syncAnswers.set(wallet, Date.now())
    else syncAnswers.delete(wallet)
    return live
  }

  // Bounded: every hello asks for its wallet's version, and a stranger can prove wallet after wallet.
  const versionAnswers = new Map<WalletAddress, { at: number; answer: Promise<number | undefined> }>()
  const keyVersionOf = (wallet: WalletAddress): Promise<number | undefined> => {
    const ask = policy.keyVersionOf
    if (ask === undefined) return Promise.resolve(undefined)
    const cached = versionAnswers.get(wallet)
    if (cached !== undefined && Date.now() - cached.at < cacheMs) return cached.answer
    const answer = ask(wallet).then(
      (version) => heardVersion(wallet, version),
      () => {
        // The registry could not be asked: what was heard before stands, and it is asked again next time.
        versionAnswers.delete(wallet)
        return knownVersions.get(wallet)
      }
    )
    versionAnswers.delete(wallet)
    if (versionAnswers.size >= MAX_VERSION_ANSWERS) versionAnswers.delete(versionAnswers.keys().next().value as WalletAddress)
    versionAnswers.set(wallet, { at: Date.now(), answer })
    return answer
  }

  const identity = async (hash: string, options: { network?: boolean } = {}): Promise<VerifiedIdentity | undefined> => {
    const known = identities.get(hash)
    if (known !== undefined) return known
    const cid = parseHash(hash)
    if (cid === undefined) return undefined
    const network = options.network === true
    const bytes = await readBlock(blockstore, cid, { offline: !network, signal: AbortSignal.timeout(network ? IDENTITY_TIMEOUT_MS : 2_000) })
    if (bytes === undefined) return undefined
    const verified = parseIdentityBlock(bytes)
    if (typeof verified === 'string' || verified.hash !== hash) return undefined
    identities.set(hash, verified)
    return verified
  }

  return {
    type: WRITE_ACCESS_TYPE,
    address,
    patient,
    write: [patient],
    mayWrite,
    maySync,
    keyVersionOf,
    identity,
    refresh: (only) => {
      answers.clear()
      syncAnswers.clear()
      if (only !== 'grants') versionAnswers.clear()
    },
    endorse: (hashes) => {
      for (const hash of hashes) endorsed.add(hash)
    },
    // OrbitDB asks this for every entry it appends or joins (the stock, block-by-block path).
    async canAppend(entry: OrbitLogEntry) {
      const writer = await identity(entry.identity, { network: true })
      if (writer === undefined || writer.publicKeyHex !== entry.key) return false
      if (endorsed.has(entry.hash)) return true
      const current = await keyVersionOf(writer.address)
      if (current !== undefined && writer.keyVersion < current) return false
      return writer.address === patient || mayWrite(writer.address)
    }
  }
}
