// A patient's history over their encrypted log: records go in sealed (sealEntry) and come
// out opened and validated (openEntry), on the patient's device or a doctor's, whichever
// wrote them. The log (a HistoryLog, which src/p2p implements) is opened by the session and
// handed in, so the history's pure parts load without the p2p code.
import {
  addEpochKey,
  CryptoError,
  decodeEnvelope,
  encodeEnvelope,
  isEpoch,
  isKeyDrop,
  keyDropRecipients,
  openKeyDrop,
  parseKeyField,
  readKeyDropHeader,
  unwrapDataKey,
  type EpochKeyring,
  type RecordEnvelope,
  type WrappedKey
} from '../crypto/index.ts'
import { entryKey } from './amendments.ts'
import { openEntry, sealEntry } from './entryEnvelope.ts'
import { HistoryError } from './HistoryError.ts'
import { toAddress, type HistoryEntry } from './historyEntry.ts'
import { prepareAddMany, prepareAmend, type AnchorData, type EpochRotation, type HistoryChange, type LogBlock, type PatientHistory, type VerifyReport } from './historyLog.ts'
import type { HistoryLog, HistoryLogEvent, LoggedBlock, StoredBlockCheck } from './historyLogPort.ts'
import { historyVerdicts, type CheckedBlock } from './historyVerdicts.ts'
import { queryHistory } from './queryHistory.ts'
import type { HistoryRecord } from './recordTypes.ts'

/** What {@link openPatientHistory} needs: the open log, the keys this device holds and, for a doctor, their key pair. */
export interface OpenPatientHistoryOptions {
  /** The patient's log, opened by the session (src/p2p's HistoryOrbit.openLog implements it). */
  log: HistoryLog
  /** The data keys this device holds: the patient's own keyring, or a doctor's (readerKeyring). */
  keyring: EpochKeyring
  /** The present, for date checks. Default Date.now. */
  now?: () => number
  /**
   * This device's user's X25519 key pair: the key drops the patient writes (a new epoch's keys, for the
   * patient's own devices and for the readers who keep access) are opened with it.
   */
  reader?: { publicKey: Uint8Array; secretKey: Uint8Array }
}

/**
 * A doctor's keyring from the data keys the patient wrapped for them.
 *
 * @param encryptionSecretKey - The doctor's X25519 secret key, whose public key the patient wrapped the keys for.
 * @throws {HistoryError} `UNREADABLE_ENTRY` when no key was shared.
 * @throws {CryptoError} When a wrapped key does not open with `encryptionSecretKey`.
 */
export function readerKeyring(wrapped: readonly WrappedKey[], encryptionSecretKey: Uint8Array): EpochKeyring {
  if (wrapped.length === 0) throw new HistoryError('UNREADABLE_ENTRY', 'No data key was shared with you for this history: ask the patient to grant access again.')
  let keyring: EpochKeyring | undefined
  for (const key of wrapped) keyring = addEpochKey(keyring, key.epoch, unwrapDataKey(key, encryptionSecretKey))
  if (keyring === undefined) throw new HistoryError('UNREADABLE_ENTRY', 'No data key could be opened.')
  return keyring
}

const byLogOrder = (a: { time: number; hash: string }, b: { time: number; hash: string }): number => a.time - b.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)

/**
 * A patient's history over their open log. Entries already stored are read at once, later ones
 * as they arrive; what this device cannot read is kept as unreadable, not thrown.
 *
 * @throws {HistoryError} `INVALID_ENTRY` when the log's patient or writer is not a wallet address.
 */
export function openPatientHistory(options: OpenPatientHistoryOptions): PatientHistory {
  const { log } = options
  const now = options.now ?? Date.now
  const patient = toAddress(log.patient, 'patient')
  const writer = toAddress(log.identity.address, 'writer')
  let keyring = options.keyring

  // Each readable entry once, by its writer and id (entryKey): another writer's entry with the
  // same id is an entry of its own, which the views show as a conflicting copy (amendments.ts).
  // Of a writer's blocks carrying one id, their earliest by clock, then by hash, is the entry,
  // whichever arrived first; the others are duplicates.
  const readable = new Map<string, { entry: HistoryEntry; hash: string; time: number }>()
  // Each read block's entry key.
  const byHash = new Map<string, string>()
  const unreadable = new Map<string, { reason: string; block: LoggedBlock }>()
  let ordered: readonly HistoryEntry[] | undefined
  const listeners = new Set<(change: HistoryChange) => void>()
  // Entries written here, by payload object: their plaintext and the epoch they were sealed under are
  // known, so they are neither decrypted nor decoded again.
  const written = new WeakMap<Uint8Array, { entry: HistoryEntry; epoch: number }>()

  /** A block's envelope, or why it is not one. */
  const envelopeOf = (block: LoggedBlock): RecordEnvelope | CryptoError => {
    try {
      return decodeEnvelope(block.payload)
    } catch (error) {
      if (error instanceof CryptoError) return error
      throw error
    }
  }

  /** Opens a block's entry; `decoded` is its envelope when the caller decoded it already. */
  const open = (block: LoggedBlock, decoded?: RecordEnvelope | CryptoError): HistoryEntry | string => {
    const known = written.get(block.payload)
    if (known !== undefined) return known.entry
    const envelope = decoded ?? envelopeOf(block)
    if (envelope instanceof CryptoError) return envelope.message
    try {
      return openEntry(envelope, keyring, block.writer, { patient, now: now() })
    } catch (error) {
      if (error instanceof HistoryError || error instanceof CryptoError) return error.message
      throw error
    }
  }

  // Key drops: entries that start a new epoch and carry its key, not a record. Only the patient's count.
  const keyDrops = new Set<string>()
  // The drop that started each epoch. Two of the patient's devices may start the same epoch at once,
  // each with its own key: every device settles on the drop with the lowest hash, whose key then seals
  // that epoch's new records; the other keys stay, so what was sealed under them still opens.
  const rotations = new Map<number, EpochRotation>()
  // The newest epoch the patient has written under (a key drop, a record's envelope), whether or not
  // this device holds its key: sealing under an older one would hand new records to whoever the
  // patient meant to leave out.
  let newestEpoch = 0
  /** Notes the epoch of a patient's record; its envelope, when decoded here, is kept in `decoded` for opening. */
  const noteEpoch = (block: LoggedBlock, decoded: Map<string, RecordEnvelope | CryptoError>): void => {
    if (block.writer !== patient || isKeyDrop(block.payload)) return
    const known = written.get(block.payload)
    if (known !== undefined) {
      if (isEpoch(known.epoch)) newestEpoch = Math.max(newestEpoch, known.epoch)
      return
    }
    const envelope = envelopeOf(block)
    decoded.set(block.hash, envelope)
    // A damaged block says nothing about the epoch; the views report it. A number past the last
    // epoch names none a history reaches: it moves nothing.
    if (!(envelope instanceof CryptoError) && isEpoch(envelope.epoch)) newestEpoch = Math.max(newestEpoch, envelope.epoch)
  }
  /** A key drop of the patient's: its epoch, whether it is the epoch's now, and the keys it holds for this device. */
  const takeDrop = (block: LoggedBlock): { field: number; key: Uint8Array; sealing: boolean }[] => {
    let opened: ReturnType<typeof openKeyDrop>
    try {
      opened = options.reader === undefined ? { ...readKeyDropHeader(block.payload), keys: [], failed: 0 } : openKeyDrop(block.payload, options.reader)
    } catch (error) {
      // A damaged drop starts nothing; verify() shows it as broken.
      if (error instanceof CryptoError) return []
      throw error
    }
    newestEpoch = Math.max(newestEpoch, opened.epoch)
    const own = opened.keys.filter(({ field }) => parseKeyField(field).epoch === opened.epoch)
    const known = rotations.get(opened.epoch)
    const wins = known === undefined || block.hash < known.hash
    if (wins) rotations.set(opened.epoch, { epoch: opened.epoch, asOf: opened.asOf, hash: block.hash, opened: own.length > 0, recipients: keyDropRecipients(block.payload) })
    return opened.keys.map(({ field, key }) => ({ field, key, sealing: wins && parseKeyField(field).epoch === opened.epoch }))
  }

  const take = (blocks: readonly LoggedBlock[]): HistoryChange => {
    const change: HistoryChange = { added: [], unreadable: [], keyDrops: [] }
    const dropped: { field: number; key: Uint8Array; sealing: boolean }[] = []
    // Each patient's record is decoded once: for its epoch first, then to open it.
    const decoded = new Map<string, RecordEnvelope | CryptoError>()
    for (const block of blocks) {
      noteEpoch(block, decoded)
      if (isKeyDrop(block.payload) && !keyDrops.has(block.hash)) {
        keyDrops.add(block.hash)
        if (block.writer !== patient) continue
        change.keyDrops.push(block.hash)
        dropped.push(...takeDrop(block))
      }
    }
    let learned = 0
    for (const { field, key, sealing } of dropped) {
      try {
        const next = addEpochKey(keyring, field, key, { sealing })
        if (next !== keyring) learned++
        keyring = next
      } catch (error) {
        // A key this device cannot file (too many for one epoch): keep those it has.
        if (!(error instanceof CryptoError)) throw error
      }
    }
    // Blocks that were unreadable may open with a key that just arrived.
    const retry = learned > 0 ? [...unreadable.values()].map(({ block }) => block) : []
    for (const block of [...blocks, ...retry]) {
      if (byHash.has(block.hash) || keyDrops.has(block.hash)) continue
      const opened = open(block, decoded.get(block.hash))
      if (typeof opened === 'string') {
        unreadable.set(block.hash, { reason: opened, block })
        change.unreadable.push({ hash: block.hash, reason: opened })
        continue
      }
      unreadable.delete(block.hash)
      const key = entryKey(opened)
      byHash.set(block.hash, key)
      const held = readable.get(key)
      const candidate = { entry: opened, hash: block.hash, time: block.clock.time }
      if (held !== undefined && byLogOrder(held, candidate) <= 0) continue
      readable.set(key, candidate)
      change.added.push(opened)
    }
    if (change.added.length > 0) ordered = undefined
    return change
  }

  const notify = (change: HistoryChange): void => {
    if (change.added.length === 0 && change.unreadable.length === 0 && change.keyDrops.length === 0) return
    for (const listener of listeners) {
      try {
        listener(change)
      } catch (error) {
        console.error('A history listener failed:', error)
      }
    }
  }

  take(log.entries())
  const unsubscribe = log.subscribe((event: HistoryLogEvent) => {
    if (event.type === 'added') notify(take(event.entries))
  })

  // Frozen: the views share it until the history changes (recordVersions remembers its versions).
  const entries = (): readonly HistoryEntry[] => (ordered ??= Object.freeze([...readable.values()].sort(byLogOrder).map(({ entry }) => entry)))

  /**
   * Why this device must not seal under its current epoch, or undefined when it may. A reader may hold an
   * epoch's key from the visit rather than from its drop (granted after the epoch began); the patient's
   * own devices always find theirs in the drop, so one that did not open it holds another key version.
   */
  const staleness = (): string | undefined => {
    const sealing = keyring.current
    const winner = rotations.get(sealing)
    if (newestEpoch <= sealing && (writer !== patient || winner === undefined || winner.opened)) return undefined
    const epoch = Math.max(newestEpoch, sealing)
    return writer === patient
      ? `Your history has moved to a new key (epoch ${epoch}) that this device's keys do not open: your keys were replaced on another device. Unlock again with your wallet. Nothing was written.`
      : `The patient's history has moved to a new key (epoch ${epoch}) that was not shared with you: your access has ended or narrowed, or the new key has not reached you yet. Nothing was written.`
  }

  // Entries sealed and on their way into the log: a batch added meanwhile (an import seals the next
  // batch while the log stores this one) is checked against them as well as against the history.
  const appending = new Set<HistoryEntry>()
  const append = async (prepared: HistoryEntry[]): Promise<HistoryEntry[]> => {
    const stale = staleness()
    if (stale !== undefined) throw new HistoryError('STALE_KEY', stale)
    const payloads = prepared.map((entry) => {
      const envelope = sealEntry(entry, keyring)
      const payload = encodeEnvelope(envelope)
      written.set(payload, { entry, epoch: envelope.epoch })
      return payload
    })
    for (const entry of prepared) appending.add(entry)
    try {
      await log.append(payloads)
    } finally {
      for (const entry of prepared) appending.delete(entry)
    }
    return prepared
  }

  const addMany = (records: readonly HistoryRecord[]): Promise<HistoryEntry[]> =>
    append(prepareAddMany(appending.size === 0 ? entries() : [...entries(), ...appending], records, { writer, patient, now: now() }))

  const verify = async ({ anchor }: { anchor?: AnchorData | null } = {}): Promise<VerifyReport> => {
    const checks: StoredBlockCheck[] = await log.checkBlocks()
    const blocks: CheckedBlock[] = checks.map((check) => {
      if (check.problem !== undefined || check.payload === undefined || check.writer === undefined) return { hash: check.hash, problem: check.problem ?? 'it could not be read' }
      if (isKeyDrop(check.payload)) {
        // A key drop carries keys, not a record: only the patient writes one.
        if (check.writer !== patient) return { hash: check.hash, content: { problem: 'a key drop written by someone other than the patient' } }
        try {
          readKeyDropHeader(check.payload)
          return { hash: check.hash, content: { keyDrop: true } }
        } catch (error) {
          if (error instanceof CryptoError) return { hash: check.hash, content: { problem: `a damaged key drop: ${error.message}` } }
          throw error
        }
      }
      try {
        const entry = openEntry(decodeEnvelope(check.payload), keyring, check.writer, { patient, now: now() })
        return { hash: check.hash, content: { entryId: entry.id } }
      } catch (error) {
        const cause = error instanceof HistoryError ? error.cause : error
        if (cause instanceof CryptoError && cause.code === 'UNKNOWN_EPOCH') return { hash: check.hash, content: { noKey: 'unreadable here: no key for its epoch' } }
        if (error instanceof HistoryError || error instanceof CryptoError) return { hash: check.hash, content: { problem: `its content is not a valid entry: ${error.message}` } }
        throw error
      }
    })
    const current = log.anchor()
    const anchored = anchor == null ? undefined : log.anchored({ root: anchor.root, entryCount: anchor.entryCount })
    return {
      verdicts: historyVerdicts(blocks, anchored),
      computedRoot: current.root,
      entryCount: current.entryCount,
      ...(anchor == null
        ? {}
        : { anchoredRoot: anchor.root.toLowerCase(), anchoredEntryCount: Number(anchor.entryCount), anchorFound: anchored !== undefined })
    }
  }

  return {
    patient,
    writer,
    address: log.address,
    entries,
    unreadable: () => [...unreadable].map(([hash, { reason }]) => ({ hash, reason })),
    blocks: () =>
      log.entries().map((block): LogBlock => {
        const base = { hash: block.hash, previous: block.next, writer: block.writer }
        if (keyDrops.has(block.hash)) return { ...base, keyDrop: true }
        const key = byHash.get(block.hash)
        if (key === undefined) return { ...base, unreadable: unreadable.get(block.hash)?.reason ?? 'not read yet' }
        const shown = readable.get(key)
        if (shown === undefined) return { ...base, unreadable: 'not read yet' }
        return shown.hash === block.hash ? { ...base, entry: shown.entry } : { ...base, entry: shown.entry, duplicate: true }
      }),
    query: (query = {}) => queryHistory(entries(), query, { patient }),
    add: async (record) => {
      const [entry] = await addMany([record])
      if (entry === undefined) throw new HistoryError('INVALID_ENTRY', 'The record was not added.')
      return entry
    },
    addMany,
    amend: async (entryId, record) => {
      const [entry] = await append([prepareAmend(entries(), entryId, { record, writer, patient, now: now() })])
      if (entry === undefined) throw new HistoryError('INVALID_ENTRY', 'The correction was not added.')
      return entry
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    verify,
    anchor: () => log.anchor(),
    keyDropCount: () => keyDrops.size,
    keyring: () => keyring,
    newestEpoch: () => Math.max(newestEpoch, keyring.current),
    latestRotation: () => {
      const newest = Math.max(0, ...rotations.keys())
      return rotations.get(newest)
    },
    staleness,
    close: async () => {
      unsubscribe()
      listeners.clear()
      await log.close()
    }
  }
}

