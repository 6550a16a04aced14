// A keeper: an always-on peer that holds patients' histories as ciphertext, for the patients who
// enrolled it. It answers /anamnesis/keeper/1.0.0 (keeperClient.ts), opens each enrolled patient's
// log on its node, pulls from the patient's devices and from doctors with a live write grant, and
// serves the log to the patient's devices, to doctors whose grant is live on the ledger now and to
// the patient's guardians (who take from it only the emergency keys wrapped for them). It
// never holds a data key: it stores and forwards entries it cannot open.
//
// Its own state, in the node's datastore beside the logs:
//   /anamnesis/keeper/patient/<address>   {"quota":n,"at":ms,"enrolledAt":ms,"lastSyncedAt":ms|null}
//   /anamnesis/keeper/removed/<address>   {"at":ms}   the last statement of a removed patient, for
//                                                      10 minutes (older statements are stale anyway)
//   /anamnesis/keeper/code/<sha-256 of code>  {"patient":address}   a code taken by its patient
//   /anamnesis/keeper/writers/<address>   {"identities":[hash,…]}   the identity blocks the patient's
//                                                      entries name (a superset), so a removal knows
//                                                      which blocks another patient's log still needs
//                                                      without opening every log
//   /anamnesis/files/<log>/<cid>          {"bytes":n}  the attached files held for the patient's history
//                                                      (fileIndex.ts): the patient's device names them in
//                                                      a signed statement, the keeper fetches them from it
//                                                      over the file protocol, holds them as ciphertext and
//                                                      serves them to the peers the history admits;
//                                                      which named files failed to copy, and why, is kept
//                                                      in memory only (keeperFiles.ts) and told in status
//
// A patient's log is opened when a peer asks for it (a device or doctor pulling it, the patient's
// enrolment or status) and closed once nobody has used it for a minute and no peer that synced it is
// still connected; beyond `maxOpenLogs`, the least recently used of those are closed at once. So the
// keeper's start, memory and per-connection work follow the patients active now, not all it holds.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Key } from 'interface-datastore'
import { errorMessage } from '../errors/index.ts'
import { encodeBlock, parseHash } from '../p2p/blocks.ts'
import { attachmentStoreFor, deleteFile, fileIndexOver, historyLogAddress, startHistoryOrbit, WRITE_ACCESS_TYPE, type HistoryLogDatabase, type HistoryOrbit, type P2PNode, type StoredEntry, type WalletAddress, type WalletIdentity } from '../p2p/index.ts'
import { serveLogsOnDemand } from '../p2p/syncProtocol.ts'
import { checkStatement, KEEPER_PROTOCOL, STATEMENT_MAX_AGE_MS, type KeeperStatement, type KeptFile, type RefusalReason } from './keeperStatement.ts'
import { answerKeeperRequests, isMap } from './keeperRequests.ts'
import { keyedQueue } from './keyedQueue.ts'
import { isDiskFull } from './diskFull.ts'
import { keeperFiles } from './keeperFiles.ts'
import type { Connection } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Whom a keeper accepts: anyone, the patients on a list, or whoever brings an unused code from a list. */
export type AcceptPolicy = { kind: 'anyone' } | { kind: 'list'; patients: ReadonlySet<string> } | { kind: 'code'; codes: ReadonlySet<string> }

/** What the keeper asks the consent ledger, now. */
export interface KeeperLedger {
  /** Whether `reader` holds a live grant (any scope) from `patient`. */
  isGrantLive(patient: WalletAddress, reader: WalletAddress): Promise<boolean>
  /** Whether `writer` holds a live grant with the write bit from `patient`. */
  mayWrite(patient: WalletAddress, writer: WalletAddress): Promise<boolean>
  /**
   * Whether `patient` names `wallet` as a guardian now: a guardian syncs the history (read only) to
   * take the emergency keys the patient wrapped for them, and hand them to a treating doctor.
   */
  isGuardian(patient: WalletAddress, wallet: WalletAddress): Promise<boolean>
  /** The version of `wallet`'s registered keys, if it registered any: entries of keys it replaced are refused. */
  keyVersionOf?(wallet: WalletAddress): Promise<number | undefined>
}

/** What a keeper is told of in one line each: a patient enrolled, removed, refused, synced, over quota; the disk full. */
export type KeeperEvent =
  | { type: 'enrolled'; patient: WalletAddress; quota: number }
  | { type: 'removed'; patient: WalletAddress; entries: number; blocks: number }
  | { type: 'refused'; patient?: WalletAddress; kind?: string; reason: RefusalReason; why: string }
  | { type: 'synced'; patient: WalletAddress; entries: number; held: { entries: number; bytes: number } }
  | { type: 'quota-reached'; patient: WalletAddress; quota: number; held: number }
  | { type: 'disk-full'; patient: WalletAddress; error: string }
  | { type: 'sync-error'; patient: WalletAddress; error: string }
  | { type: 'files'; patient: WalletAddress; stored: number; failed: number; error?: string }

/** How to start a keeper on a started node. */
export interface StartKeeperOptions {
  /** The node (on-disk stores, a WebSockets listener) whose stores hold the logs. */
  node: P2PNode
  /** The keeper's own wallet identity: it signs its entries' reads and its hellos, and names it to patients. */
  identity: WalletIdentity
  accept: AcceptPolicy
  ledger: KeeperLedger
  /** Told of every patient event. */
  onEvent?: (event: KeeperEvent) => void
  /** How long a ledger answer is reused. Default 2 s: a revoked doctor is refused within seconds. */
  cacheMs?: number
  /** The clock. */
  now?: () => number
  /** How many logs stay open beyond those a connected peer synced; the least recently used others are closed. Default 64. */
  maxOpenLogs?: number
  /** How long a log nobody uses stays open. Default 60 s. */
  idleMs?: number
}

/** A running keeper. */
export interface Keeper {
  readonly address: WalletAddress
  readonly peerId: string
  readonly orbit: HistoryOrbit
  /** The enrolled patients. */
  patients(): WalletAddress[]
  /** What the keeper holds of a patient's history (opening their log). */
  held(patient: string): Promise<{ entries: number; bytes: number }>
  /** The patients whose log is open now. */
  openLogs(): WalletAddress[]
  /** The attached files held for a patient's history: root CID and sealed size. */
  files(patient: string): Promise<KeptFile[]>
  /** Stops answering, closes every log and OrbitDB; the node and its stores are the caller's. */
  stop(): Promise<void>
}

interface Enrolment {
  quota: number
  at: number
  enrolledAt: number
  lastSyncedAt: number | null
  code?: string
}

const ENROLMENT_PREFIX = '/anamnesis/keeper/patient/'
const REMOVED_PREFIX = '/anamnesis/keeper/removed/'
const CODE_PREFIX = '/anamnesis/keeper/code/'
const WRITERS_PREFIX = '/anamnesis/keeper/writers/'
const DEFAULT_MAX_OPEN_LOGS = 64
const DEFAULT_IDLE_MS = 60_000
/** A log used this recently is not closed for the bound: the peer that asked for it is about to be served. */
const BOUND_GRACE_MS = 1_000
const REQUEST_HELD_BYTES = 64 * 1024
const REQUEST_TIMEOUT_MS = 15_000

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))
const parse = (bytes: Uint8Array): Record<string, unknown> => JSON.parse(decoder.decode(bytes)) as Record<string, unknown>

/** A refusal to store entries for want of room: the quota, or the disk. */
class KeeperStoreRefusal extends Error {
  override name = 'KeeperStoreRefusal'
  readonly reason: 'quota' | 'disk-full'
  constructor(reason: 'quota' | 'disk-full', message: string) {
    super(message)
    this.reason = reason
  }
}

/**
 * Starts a keeper on `node`: loads its enrolments, answers the keeper protocol, and opens an enrolled
 * patient's history log when a peer asks for it (closing it again once idle).
 * The log's sync policy: the patient's devices always (the access controller's rule), anyone else
 * while the patient is enrolled and the ledger says their grant is live or names them a guardian; entries from writers other
 * than the patient while their write grant is live. Entries pulled past a patient's quota, or while
 * the disk is full, are refused (the pull fails; the patient's status says why).
 */
export async function startKeeper(options: StartKeeperOptions): Promise<Keeper> {
  const { node, identity, accept, ledger } = options
  const now = options.now ?? Date.now
  const emit = (event: KeeperEvent): void => options.onEvent?.(event)
  const me = identity.verified.address
  const peerId = node.libp2p.peerId.toString()
  const enrolments = new Map<WalletAddress, Enrolment>()
  const removedAt = new Map<WalletAddress, number>()
  const refusing = new Map<WalletAddress, 'quota' | 'disk-full'>()
  const maxOpenLogs = options.maxOpenLogs ?? DEFAULT_MAX_OPEN_LOGS
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS
  /** Enrolled patients' log addresses: which patient a peer's hello asks for. */
  const addresses = new Map<string, WalletAddress>()
  /** Logs opening or open, and those open; when each was last used; logs being closed. */
  const opening = new Map<WalletAddress, Promise<HistoryLogDatabase>>()
  const logs = new Map<WalletAddress, HistoryLogDatabase>()
  const lastUsed = new Map<WalletAddress, number>()
  const closing = new Map<WalletAddress, Promise<void>>()
  const unsubscribes = new Map<WalletAddress, () => void>()
  /** Identity hashes each open log's entries name, as stored under WRITERS_PREFIX. */
  const writers = new Map<WalletAddress, Set<string>>()

  const { datastore, blockstore } = node
  const fileIndex = fileIndexOver(datastore)
  /** Per patient, the attached files held, those being copied (their bytes count against the quota) and those that failed. */
  const files = keeperFiles<WalletAddress>({
    index: fileIndex,
    logOf: historyLogAddress,
    discard: (cid) => deleteFile(blockstore, cid),
    onProgress: (patient) => lastUsed.set(patient, now())
  })
  for await (const { key, value } of datastore.query({ prefix: ENROLMENT_PREFIX })) {
    const patient = key.toString().slice(ENROLMENT_PREFIX.length) as WalletAddress
    const record = parse(value)
    addresses.set(historyLogAddress(patient), patient)
    enrolments.set(patient, {
      quota: Number(record.quota),
      at: Number(record.at),
      enrolledAt: Number(record.enrolledAt),
      lastSyncedAt: typeof record.lastSyncedAt === 'number' ? record.lastSyncedAt : null,
      ...(typeof record.code === 'string' ? { code: record.code } : {})
    })
  }
  for await (const { key, value } of datastore.query({ prefix: REMOVED_PREFIX })) {
    const at = Number(parse(value).at)
    // Past 10 minutes every statement it could refuse is stale anyway: nothing of the patient is kept.
    if (at < now() - STATEMENT_MAX_AGE_MS) await datastore.delete(key)
    else removedAt.set(key.toString().slice(REMOVED_PREFIX.length) as WalletAddress, at)
  }

  const saveEnrolment = async (patient: WalletAddress, enrolment: Enrolment): Promise<void> => {
    await datastore.put(new Key(`${ENROLMENT_PREFIX}${patient}`), json(enrolment))
  }

  const heldIn = (log: HistoryLogDatabase | undefined): { entries: number; bytes: number } => log?.held() ?? { entries: 0, bytes: 0 }
  const heldOf = (patient: WalletAddress): { entries: number; bytes: number } => heldIn(logs.get(patient))

  const writersKey = (patient: WalletAddress): Key => new Key(`${WRITERS_PREFIX}${patient}`)
  const storedWriters = async (patient: WalletAddress): Promise<Set<string> | undefined> => {
    try {
      const identities = parse(await datastore.get(writersKey(patient))).identities
      return new Set(Array.isArray(identities) ? identities.filter((hash): hash is string => typeof hash === 'string') : [])
    } catch {
      return undefined
    }
  }
  /** Records the identities `entries` name before they are stored: the record may name more than the log, never fewer. */
  const recordWriters = async (patient: WalletAddress, entries: readonly { identity: string }[]): Promise<void> => {
    const known = writers.get(patient) ?? new Set<string>()
    if (entries.every((entry) => known.has(entry.identity))) return
    const all = new Set([...known, ...entries.map((entry) => entry.identity)])
    await datastore.put(writersKey(patient), json({ identities: [...all] }))
    writers.set(patient, all)
  }

  const storePulled = async (patient: WalletAddress, entries: readonly StoredEntry[], store: () => Promise<void>): Promise<void> => {
    const enrolment = enrolments.get(patient)
    if (enrolment === undefined) throw new KeeperStoreRefusal('quota', 'this keeper does not keep this history')
    const held = heldOf(patient).bytes + (await files.bytes(patient))
    const adding = entries.reduce((sum, entry) => sum + entry.bytes.length, 0)
    if (held + adding > enrolment.quota) {
      if (refusing.get(patient) !== 'quota') emit({ type: 'quota-reached', patient, quota: enrolment.quota, held })
      refusing.set(patient, 'quota')
      throw new KeeperStoreRefusal('quota', `the patient's quota of ${enrolment.quota} bytes is reached`)
    }
    lastUsed.set(patient, now())
    try {
      await recordWriters(patient, entries)
      await store()
    } catch (error) {
      if (isDiskFull(error)) {
        if (refusing.get(patient) !== 'disk-full') emit({ type: 'disk-full', patient, error: errorMessage(error) })
        refusing.set(patient, 'disk-full')
        throw new KeeperStoreRefusal('disk-full', 'the keeper\'s disk is full')
      }
      throw error
    }
    refusing.delete(patient)
    enrolment.lastSyncedAt = now()
    emit({ type: 'synced', patient, entries: entries.length, held: heldOf(patient) })
    await saveEnrolment(patient, enrolment).catch(() => undefined)
  }

  const orbit = await startHistoryOrbit({
    node,
    identity,
    canSync: async (reader, patient) => enrolments.has(patient) && ((await ledger.isGrantLive(patient, reader)) || (await ledger.isGuardian(patient, reader))),
    canWrite: async (writer, patient) => enrolments.has(patient) && (await ledger.mayWrite(patient, writer)),
    ...(ledger.keyVersionOf === undefined ? {} : { keyVersionOf: (wallet: WalletAddress) => ledger.keyVersionOf?.(wallet) ?? Promise.resolve(undefined) }),
    cacheMs: options.cacheMs ?? 2_000,
    storePulled,
    // One pull per held log on each new connection would grow with the patients held: a patient's
    // device pulls from the keeper when it connects, and the keeper pulls back what it lacks.
    pullOnConnect: false,
    // Entries' outlines only: the blocks are read from the blockstore as they are served.
    lean: true
  })

  /** Whether a peer that synced the log (a patient's device, a doctor) is still connected: it may announce new heads. */
  const peerConnected = (log: HistoryLogDatabase, connected: ReadonlySet<string>): boolean => {
    for (const peer of log.peers.keys()) if (connected.has(peer)) return true
    return false
  }
  const connectedPeers = (): Set<string> => new Set(node.libp2p.getConnections().filter((connection) => connection.status === 'open').map((connection) => connection.remotePeer.toString()))

  const closeLog = (patient: WalletAddress): Promise<void> => {
    const log = logs.get(patient)
    if (log === undefined) return closing.get(patient) ?? Promise.resolve()
    logs.delete(patient)
    opening.delete(patient)
    writers.delete(patient)
    unsubscribes.get(patient)?.()
    unsubscribes.delete(patient)
    const closed = log.close().finally(() => closing.delete(patient))
    closing.set(patient, closed)
    return closed
  }

  /**
   * Closes logs nobody used for `idleMs`, and beyond `maxOpenLogs` the least recently used (not one
   * used in the last second), but none a connected peer synced or a request is using.
   */
  const trim = async (): Promise<void> => {
    const connected = connectedPeers()
    const idleFor = (patient: WalletAddress): number => now() - (lastUsed.get(patient) ?? 0)
    const closable = [...logs]
      .filter(([patient, log]) => !serial.busy(patient) && !peerConnected(log, connected))
      .map(([patient]) => patient)
      .sort((a, b) => idleFor(b) - idleFor(a))
    const over = logs.size - maxOpenLogs
    const doomed = closable.filter((patient, i) => (i < over && idleFor(patient) >= BOUND_GRACE_MS) || idleFor(patient) >= idleMs)
    await Promise.allSettled(doomed.map((patient) => closeLog(patient)))
  }

  const openLog = (patient: WalletAddress): Promise<HistoryLogDatabase> => {
    lastUsed.set(patient, now())
    let log = opening.get(patient)
    if (log === undefined) {
      log = (async () => {
        // A log being closed is opened anew once it is closed: OrbitDB would hand back the closing one.
        await closing.get(patient)
        const opened = await orbit.openLog(patient)
        logs.set(patient, opened)
        unsubscribes.set(
          patient,
          opened.subscribe((event) => {
            if (event.type === 'progress' || event.type === 'added') lastUsed.set(patient, now())
            // A refusal for room is reported once, by storePulled; other failures of a pull are told as they come.
            if (event.type === 'sync-error' && !/quota|disk is full/.test(event.error)) emit({ type: 'sync-error', patient, error: event.error })
          })
        )
        // The identities its entries name, recorded for removals (a log kept before the record was, or one a crash interrupted).
        const outlines = opened.outlines()
        const stored = await storedWriters(patient)
        writers.set(patient, stored ?? new Set())
        if (stored === undefined || outlines.some((outline) => !stored.has(outline.identity))) await recordWriters(patient, outlines)
        if (logs.size > maxOpenLogs) void trim()
        return opened
      })()
      opening.set(patient, log)
      log.catch(() => {
        if (opening.get(patient) === log) opening.delete(patient)
      })
    }
    return log
  }

  const sweep = setInterval(() => void trim(), Math.min(idleMs, BOUND_GRACE_MS))
  sweep.unref()

  /** Deletes a patient's log: its heads and batch records, its entry blocks, and the blocks no other enrolled log needs. */
  const forget = async (patient: WalletAddress): Promise<{ entries: number; blocks: number }> => {
    const log = await openLog(patient)
    const entries = log.outlines()
    const address = log.address
    await closeLog(patient)
    addresses.delete(address)
    const manifestHash = address.split('/').pop() ?? address
    const prefix = `/anamnesis/history-log/${manifestHash}/`
    const keys: Key[] = []
    for await (const key of datastore.queryKeys({ prefix })) keys.push(key)
    const batch = datastore.batch()
    for (const key of keys) batch.delete(key)
    await batch.commit()
    // Entry blocks name their log: no other log holds them. An identity block (a doctor's, this
    // keeper's) may be named by another enrolled patient's entries: those are kept.
    const stillNamed = new Set<string>([identity.hash])
    for (const other of enrolments.keys()) {
      // A log never opened since the record was kept is opened once to record it.
      const named = (await storedWriters(other)) ?? (await openLog(other).then(() => storedWriters(other)))
      for (const hash of named ?? []) stillNamed.add(hash)
    }
    const doomed: CID[] = []
    const add = (hash: string): void => {
      const cid = parseHash(hash)
      if (cid !== undefined) doomed.push(cid)
    }
    await datastore.delete(writersKey(patient))
    for (const entry of entries) add(entry.hash)
    for (const hash of new Set(entries.map((entry) => entry.identity))) if (!stillNamed.has(hash)) add(hash)
    // The log's manifest (OrbitDB pins it) and its access manifest name the patient.
    const manifest = parseHash(manifestHash)
    if (manifest !== undefined) {
      try {
        await Array.fromAsync(node.helia.pins.rm(manifest))
      } catch {
        // Not pinned: nothing to unpin.
      }
      doomed.push(manifest)
    }
    doomed.push(encodeBlock({ type: WRITE_ACCESS_TYPE, owner: patient }).cid)
    let blocks = 0
    // The attached files: each file's blocks are its own (a sealed file's CID is unique to it).
    for (const file of await fileIndex.filesOf(address)) {
      blocks += await deleteFile(blockstore, file.cid)
      await fileIndex.remove(address, file.cid)
    }
    files.forget(patient)
    for (const cid of doomed) {
      if (await blockstore.has(cid)) {
        await blockstore.delete(cid)
        blocks += 1
      }
    }
    return { entries: entries.length, blocks }
  }

  /**
   * Fetches the files a patient's device named from that device, over the file protocol as this
   * keeper for the patient's history; each is recorded once whole and checked against its CIDs. A file
   * that comes larger than its statement said is deleted. The bytes count against the quota meanwhile;
   * the patient's status tells of the files that failed until a later attempt copies them.
   */
  const fetchFiles = (patient: WalletAddress, log: string, wanted: readonly KeptFile[], connection: Connection): void => {
    const store = attachmentStoreFor({ blockstore, index: fileIndex }, log, { libp2p: node.libp2p, conduct: node.conduct, from: connection.remotePeer })
    void files.fetch(patient, wanted, (file) => store.read(file.cid)).then(({ stored, failed, error }) => {
      if (error !== undefined && isDiskFull(error)) emit({ type: 'disk-full', patient, error: errorMessage(error) })
      emit({ type: 'files', patient, stored, failed, ...(error === undefined ? {} : { error: errorMessage(error) }) })
    })
  }

  const lastAt = (patient: WalletAddress): number | undefined => enrolments.get(patient)?.at ?? removedAt.get(patient)

  const codeKey = (code: string): Key => new Key(`${CODE_PREFIX}${bytesToHex(sha256(encoder.encode(code)))}`)
  const acceptance = async (statement: KeeperStatement): Promise<string | undefined> => {
    if (accept.kind === 'anyone') return undefined
    if (accept.kind === 'list') return accept.patients.has(statement.patient) ? undefined : 'the patient is not on the operator\'s list'
    if (statement.code === undefined || !accept.codes.has(statement.code)) return 'the enrolment code is not one of the operator\'s'
    try {
      const holder = parse(await datastore.get(codeKey(statement.code))).patient
      if (holder !== statement.patient) return 'the enrolment code was used by another patient'
    } catch {
      // Not taken yet.
    }
    return undefined
  }

  /** One request at a time per patient: an enrolment and a removal never interleave. */
  const serial = keyedQueue<WalletAddress>()

  const answer = async (statement: KeeperStatement, connection: Connection): Promise<Record<string, unknown>> => {
    const { patient } = statement
    const refuse = (reason: RefusalReason, why: string): Record<string, unknown> => {
      emit({ type: 'refused', patient, kind: statement.kind, reason, why })
      return { t: 'refused', reason }
    }
    if (statement.kind === 'enrol') {
      const notAccepted = await acceptance(statement)
      if (notAccepted !== undefined) return refuse('not-accepted', notAccepted)
      if (statement.quota <= 0) return refuse('malformed', 'an enrolment names a quota above zero')
      const before = enrolments.get(patient)
      const held = before === undefined ? heldOf(patient) : heldIn(await openLog(patient))
      if (held.bytes > statement.quota) return refuse('quota', `the keeper already holds ${held.bytes} bytes, over the quota asked for`)
      const enrolment: Enrolment = { quota: statement.quota, at: statement.at, enrolledAt: before?.enrolledAt ?? now(), lastSyncedAt: before?.lastSyncedAt ?? null, ...(statement.code === undefined ? {} : { code: statement.code }) }
      try {
        const batch = datastore.batch()
        batch.put(new Key(`${ENROLMENT_PREFIX}${patient}`), json(enrolment))
        if (accept.kind === 'code' && statement.code !== undefined) batch.put(codeKey(statement.code), json({ patient }))
        batch.delete(new Key(`${REMOVED_PREFIX}${patient}`))
        await batch.commit()
      } catch (error) {
        if (isDiskFull(error)) return refuse('disk-full', errorMessage(error))
        throw error
      }
      enrolments.set(patient, enrolment)
      addresses.set(historyLogAddress(patient), patient)
      removedAt.delete(patient)
      if (refusing.get(patient) === 'quota') refusing.delete(patient)
      const log = await openLog(patient)
      // The enrolling device holds the history now: the keeper takes it at once (it pulls from no other peer unasked).
      log.syncWith(connection.remotePeer).catch(() => undefined)
      emit({ type: 'enrolled', patient, quota: statement.quota })
      return { t: 'enrolled', quota: statement.quota, held: heldIn(log) }
    }
    const enrolment = enrolments.get(patient)
    if (statement.kind === 'files') {
      if (enrolment === undefined) return refuse('not-enrolled', 'a statement of files for a history this keeper does not keep')
      enrolment.at = statement.at
      await saveEnrolment(patient, enrolment)
      const log = await openLog(patient)
      const named = await files.sort(patient, statement.files ?? [])
      const { wanted } = named
      const adding = wanted.reduce((sum, file) => sum + file.bytes, 0)
      const held = heldIn(log).bytes + (await files.bytes(patient))
      if (held + adding > enrolment.quota) {
        emit({ type: 'quota-reached', patient, quota: enrolment.quota, held })
        return refuse('quota', `the files named would take ${held + adding} bytes, over the patient's quota of ${enrolment.quota}`)
      }
      if (wanted.length > 0) fetchFiles(patient, log.address, wanted, connection)
      return { t: 'files', fetching: wanted.length + named.underWay, held: { files: named.held, bytes: await files.bytes(patient) } }
    }
    if (statement.kind === 'status') {
      if (enrolment === undefined) return refuse('not-enrolled', 'a status request for a history this keeper does not keep')
      enrolment.at = statement.at
      await saveEnrolment(patient, enrolment)
      const why = refusing.get(patient)
      const held = heldIn(await openLog(patient))
      return { t: 'status', quota: enrolment.quota, held, lastSyncedAt: enrolment.lastSyncedAt, ...(why === undefined ? {} : { refusing: why }), files: await files.report(patient) }
    }
    // Removal: the log is deleted first, then the enrolment; a tombstone keeps the statement's time.
    if (enrolment !== undefined) {
      enrolments.delete(patient)
      refusing.delete(patient)
      const gone = await forget(patient)
      emit({ type: 'removed', patient, ...gone })
    }
    removedAt.set(patient, statement.at)
    const batch = datastore.batch()
    batch.delete(new Key(`${ENROLMENT_PREFIX}${patient}`))
    batch.put(new Key(`${REMOVED_PREFIX}${patient}`), json({ at: statement.at }))
    await batch.commit()
    return { t: 'removed' }
  }

  await answerKeeperRequests(node, KEEPER_PROTOCOL, {
    identity,
    maxHeldBytes: REQUEST_HELD_BYTES,
    timeoutMs: REQUEST_TIMEOUT_MS,
    maxInboundStreams: 32,
    answer: async (request, connection) => {
      if (!isMap(request) || (request.t !== 'enrol' && request.t !== 'status' && request.t !== 'remove' && request.t !== 'files')) {
        emit({ type: 'refused', reason: 'malformed', why: `a request from ${connection.remotePeer.toString()} that is not one of the protocol's` })
        return { t: 'refused', reason: 'malformed' }
      }
      const kind = request.t
      const checked = checkStatement({ statement: request.statement, signature: request.signature, identity: request.identity }, { keeper: me, peer: peerId, now: now(), lastAt })
      if ('refusal' in checked) {
        emit({ type: 'refused', kind, reason: checked.refusal, why: checked.why })
        return { t: 'refused', reason: checked.refusal }
      }
      const { statement } = checked
      if (statement.kind !== kind) {
        emit({ type: 'refused', patient: statement.patient, kind, reason: 'malformed', why: 'the request and its statement ask for different things' })
        return { t: 'refused', reason: 'malformed' }
      }
      // Checked again inside the queue: a statement raced by a newer one from the same patient is stale.
      return await serial(statement.patient, async () => {
        const last = lastAt(statement.patient)
        if (last !== undefined && statement.at <= last) {
          emit({ type: 'refused', patient: statement.patient, kind, reason: 'stale', why: 'a newer statement from this patient came first' })
          return { t: 'refused', reason: 'stale' }
        }
        return await answer(statement, connection)
      })
    }
  })
  // A peer's hello opens the log it names, when it is an enrolled patient's; the log then checks who it is.
  const stopServing = await serveLogsOnDemand(
    node.libp2p,
    async (address) => {
      const patient = addresses.get(address)
      if (patient !== undefined && enrolments.has(patient)) await openLog(patient).catch(() => undefined)
    },
    node.conduct
  )

  return {
    address: me,
    peerId,
    orbit,
    patients: () => [...enrolments.keys()],
    held: async (patient) => {
      const address = patient.toLowerCase() as WalletAddress
      return enrolments.has(address) ? heldIn(await openLog(address)) : { entries: 0, bytes: 0 }
    },
    openLogs: () => [...logs.keys()],
    files: async (patient) => (await fileIndex.filesOf(historyLogAddress(patient))).map((file) => ({ cid: file.cid, bytes: file.bytes })),
    stop: async () => {
      clearInterval(sweep)
      await node.libp2p.unhandle(KEEPER_PROTOCOL).catch(() => undefined)
      await serial.idle()
      await Promise.allSettled([...opening.values()])
      for (const unsubscribe of unsubscribes.values()) unsubscribe()
      await orbit.stop()
      await stopServing()
    }
  }
}
