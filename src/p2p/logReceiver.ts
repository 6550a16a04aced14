// The receiving end of a pull: entries a peer offers are
// checked (entryAdmission.ts), wait until their parents and write access allow, then are stored.
import { checkOffered, clockRefusal, endorseAncestors, endorses, parentsOf, writeAccessRefusal, type AdmissionRules, type Refusal } from './entryAdmission.ts'
import { byTime, type IdentityBlock, type LogStore } from './logStore.ts'
import { base58btc } from 'multiformats/bases/base58'
import { hashOfBytes } from './blocks.ts'
import { P2PError } from './p2pError.ts'
import { prepareSignatureKey } from './verifySignatures.ts'
import type { LogEvent, StoredEntry } from './patientLogApi.ts'
import type { Frame, SyncSink } from './syncProtocol.ts'
import type { VerifiedIdentity } from './walletIdentity.ts'
import type { ProvenSigner } from './logEntry.ts'

/** What a receiver needs of its log. */
export interface ReceivingLog {
  store: LogStore
  /** What an entry must pass to join this log. */
  rules: AdmissionRules
  /** Stores entries a peer sent, with the identity blocks they need, and tells listeners and other tabs. */
  commit(added: StoredEntry[], identities: IdentityBlock[]): Promise<void>
  /** Reports progress and refused entries to the log's subscribers. */
  emit(event: LogEvent): void
  /**
   * Whether the entries of the patient's key go unchecked when the holder proved that key in its
   * hello (ProvenSigner): on a doctor's or keeper's device. Not on the patient's own devices (nor by
   * default): each of them then holds only entries it wrote or whose signatures it checked, so what
   * a patient's device serves was checked once at least, and a bad block does not pass from one of
   * the patient's devices to the next unchecked.
   */
  takesPatientsWord?: boolean
}

/** How many new writers' identities one pull may bring: a history has a handful of writers. */
export const MAX_NEW_IDENTITIES = 64

/**
 * How many unsound identity blocks one pull may bring. An honest holder sends none (it checked them
 * under the same deployment); checking one that fails tries every key version (walletIdentity.ts),
 * so a few are forgiven and then the holder is cut off.
 */
export const MAX_UNSOUND_IDENTITIES = 4

/** How many writers' keys one pull has the signature workers prepare ahead of their entries (prepareSignatureKey). */
const MAX_PREPARED_KEYS = 4

/**
 * How many entries of one pull may wait at once (for parents, or for their writer's grant). An honest
 * holder sends parents before children, so what waits is what was refused and what builds on it.
 */
export const MAX_PENDING = 4096

/**
 * A pull in progress from one peer (`peer` names it in events). Each frame's identity blocks are
 * kept when they are sound wallet identities (hash, form, wallet binding); its entries are checked
 * at once (checkOffered: form, log, writer identity, key, signature; not the signature of an entry of
 * the patient's key when the holder proved that key and the log takes its word: takesPatientsWord), then wait until every parent
 * is in the log, and are stored in Lamport order when their clock is after their parents' and their
 * writer is the patient, holds a live write grant, or is endorsed by an entry of the patient's current
 * identity of the same pull; an entry signed with keys its writer replaced needs that endorsement.
 * receive() resolves with the number of entries in the frame once those that could be were stored,
 * and rejects with P2PError `LOG_CLOSED` once the log is closed, or as storage does; finish() reports every entry still waiting,
 * and every refused one, in one `rejected` event.
 */
export function createReceiver(log: ReceivingLog, peer: string): SyncSink {
  const { store, rules } = log
  /** Checked entries waiting for their parents, or for write access; `refusal` says why they wait on the latter. */
  const pending = new Map<string, { entry: StoredEntry; refusal?: string }>()
  const endorsed = new Set<string>()
  const newIdentities: IdentityBlock[] = []
  const refused: Refusal[] = []
  let settled = 0
  /** How many entries the peer said this pull brings (its word: what the events report, nothing is checked against it here). */
  let expected: number | undefined
  let learntIdentities = 0
  let unsoundIdentities = 0
  let askedPatientVersion = false
  const preparedKeys = new Set<string>()
  /** The patient's identity, when the holder proved its key in its hello: its entries need no signature check (ProvenSigner). */
  let proven: ProvenSigner | undefined
  /** Each frame's identities are learnt after the previous frame's: its entries are checked against them. */
  let learning: Promise<void> = Promise.resolve()

  /** Keeps a frame's identity blocks that are sound; the patient's key version is asked first, once. */
  const learn = async (identities: readonly Uint8Array[]): Promise<void> => {
    // The patient's registered key version first: their identities then verify at the first try.
    if (!askedPatientVersion && identities.length > 0) {
      askedPatientVersion = true
      await rules.keyVersionOf(rules.patient)
    }
    for (const bytes of identities) {
      const hash = hashOfBytes(bytes)
      if (store.identityBlock(hash) === undefined) {
        const learnt = store.learnIdentity(bytes)
        if (learnt === undefined) {
          if (++unsoundIdentities > MAX_UNSOUND_IDENTITIES) {
            throw new P2PError('PEER_MISBEHAVED', `${peer} sent more than ${MAX_UNSOUND_IDENTITIES} identity blocks that are not sound wallet identities in one pull`)
          }
          continue
        }
        newIdentities.push(learnt)
        if (++learntIdentities > MAX_NEW_IDENTITIES) {
          throw new P2PError('PEER_MISBEHAVED', `${peer} sent more than ${MAX_NEW_IDENTITIES} new writers' identities in one pull`)
        }
      }
      // Entries signed by these writers follow: their keys' windows are made while the frame is read.
      if (preparedKeys.size < MAX_PREPARED_KEYS) prepare(await store.identityOf(hash))
    }
  }

  /**
   * Has the signature workers make a writer's key window before its entries are checked (a few per
   * pull: a history has a handful of writers, and each window costs as much as some 30 checks).
   */
  const prepare = (writer: VerifiedIdentity | undefined): void => {
    if (writer === undefined || writer.hash === proven?.identity || preparedKeys.has(writer.hash) || preparedKeys.size >= MAX_PREPARED_KEYS) return
    preparedKeys.add(writer.hash)
    prepareSignatureKey(writer.publicKey)
  }

  const pendingParents = (hash: string): string[] | undefined => {
    const waiting = pending.get(hash)
    return waiting === undefined ? undefined : parentsOf(waiting.entry)
  }

  /** Stores, in order, every waiting entry whose parents are in the log and whose writer may write. */
  const storeReady = async (): Promise<void> => {
    const ready: StoredEntry[] = []
    const readyHashes = new Set<string>()
    for (const waiting of [...pending.values()].sort((a, b) => byTime(a.entry, b.entry))) {
      const { entry } = waiting
      if (store.has(entry.hash)) {
        pending.delete(entry.hash)
        continue
      }
      if (!parentsOf(entry).every((hash) => store.has(hash) || readyHashes.has(hash))) continue
      const clock = clockRefusal(entry, (hash) => store.timeOf(hash) ?? pending.get(hash)?.entry.clock.time)
      if (clock !== undefined) {
        pending.delete(entry.hash)
        refused.push({ hash: entry.hash, reason: clock })
        continue
      }
      const access = await writeAccessRefusal(entry, endorsed.has(entry.hash), rules)
      if (access !== undefined) {
        waiting.refusal = access
        continue
      }
      ready.push(entry)
      readyHashes.add(entry.hash)
      pending.delete(entry.hash)
    }
    if (ready.length > 0) {
      // Only the identities the stored entries are signed under are stored with them; the others
      // wait for an entry of this pull that needs them, and go with the pull.
      const used = new Set(ready.map((entry) => entry.identity))
      const isUsed = (identity: IdentityBlock): boolean => used.has(identity.cid.toString(base58btc))
      const storing = newIdentities.filter(isUsed)
      newIdentities.splice(0, newIdentities.length, ...newIdentities.filter((identity) => !isUsed(identity)))
      await log.commit(ready, storing)
      settled += ready.length
    }
  }

  return {
    // A device of the patient's proved it holds the patient's key: the entries it sends under that
    // key are its word, as a signature would make them (where the log takes it: takesPatientsWord).
    // What it sends of anyone else's is checked.
    holderProven: (holder) => {
      if (log.takesPatientsWord === true && holder.address === rules.patient) proven = { identity: holder.hash, key: holder.publicKeyHex }
    },
    receive: async (frame: Frame) => {
      store.ensureOpen()
      expected ??= frame.total
      // What needs nothing of the log's state is checked at once, while the previous frame is still
      // being written to storage; but not before the identities the frames before it brought are
      // learnt: a frame that came while the first one asked the ledger for the patient's key version
      // had every entry refused for an unknown writer (a doctor's follow-up from a keeper, which
      // sends its frames at once, kept 128 records of 1,000).
      const learnt = learning.then(() => learn(frame.identities))
      learning = learnt.catch(() => undefined)
      await learnt
      const { checked, refused: refusedNow, known } = await checkOffered(frame.entries, rules, (hash) => store.has(hash), proven)
      refused.push(...refusedNow)
      return await store.serial(async () => {
        store.ensureOpen()
        settled += known
        for (const entry of checked) {
          if (store.has(entry.hash) || pending.has(entry.hash)) {
            settled += 1
            continue
          }
          pending.set(entry.hash, { entry })
          if (await endorses(entry, rules)) endorseAncestors([entry], pendingParents, endorsed)
        }
        await storeReady()
        if (pending.size > MAX_PENDING) {
          pending.clear()
          throw new P2PError('PEER_MISBEHAVED', `${peer} sent more than ${MAX_PENDING} entries that build on entries it never sent`)
        }
        log.emit({ type: 'progress', peer, settled, ...(expected === undefined ? {} : { expected }) })
        return frame.entries.length
      })
    },
    finish: () =>
      store.serial(async () => {
        await storeReady()
        // What still waits after the last store lacks a parent, or was refused write access there.
        for (const { entry, refusal } of pending.values()) refused.push({ hash: entry.hash, reason: refusal ?? 'it builds on an entry that was refused or never came' })
        pending.clear()
        if (refused.length > 0) log.emit({ type: 'rejected', entries: refused.splice(0), peer })
      })
  }
}
