// The keeper's side of /anamnesis/emergency/1.0.0 (emergencyProtocol.ts): it keeps one sealed
// emergency summary per enrolled patient, the current card's, and releases it to a clinician only
// when its own view of the ledger shows that clinician's break-glass for that patient within the
// last 15 minutes. Storing a new card drops the old one's ciphertext; a patient who removes the
// keeper is forgotten here too. It also passes on the emergency categories' keys a guardian of the
// patient leaves for a treating doctor (emergencyKeys.ts), while the ledger shows that doctor's
// emergency access live, and only to that doctor.
//
// Its state: the cards, in a store the keeper process gives (one file per patient, replaced whole,
// so an old ciphertext leaves the data folder: scripts/keeper/emergencyFiles.ts); and the nonces of
// the open requests it answered in the last 2 minutes, in the node's datastore, so a replay is
// refused across a restart:
//   /anamnesis/keeper/emergency-nonce/<nonce hex>   {"at":ms}
import { bytesToHex } from '@noble/hashes/utils.js'
import { Key } from 'interface-datastore'
import { errorMessage } from '../errors/index.ts'
import type { P2PNode, WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { BREAK_GLASS_WINDOW_SECONDS, checkOpenRequest, checkStoreRequest, EMERGENCY_PROTOCOL, EMERGENCY_REQUEST_MAX_AGE_MS, type EmergencyRefusal } from './emergencyProtocol.ts'
import { checkHandKeys, checkTakeKeys, MAX_HANDED_KEYS } from './emergencyKeys.ts'
import { isDiskFull } from './diskFull.ts'
import { answerKeeperRequests, isMap } from './keeperRequests.ts'
import { keyedQueue } from './keyedQueue.ts'
import { MAX_EMERGENCY_CIPHERTEXT } from '../crypto/index.ts'

/** One patient's current card as the keeper keeps it: ciphertext only. */
export interface EmergencyCardRecord {
  card: Uint8Array
  ciphertext: Uint8Array
  /** The time of the store statement that left it, ms since the epoch: an older statement is a replay. */
  at: number
}

/** Where a keeper keeps cards: one per patient; a put replaces the patient's earlier card whole. */
export interface EmergencyCardStore {
  get(patient: WalletAddress): Promise<EmergencyCardRecord | undefined>
  put(patient: WalletAddress, record: EmergencyCardRecord): Promise<void>
  /** Deletes the patient's card; whether there was one. */
  delete(patient: WalletAddress): Promise<boolean>
}

/** The keys a guardian left for one doctor: wrapped for the doctor, which the keeper cannot open. */
export interface HandedKeysRecord {
  keys: Uint8Array
  guardian: WalletAddress
  /** The time of the guardian's statement, ms since the epoch: an older statement is a replay. */
  at: number
}

/** Where a keeper keeps the keys guardians leave: one set per patient and doctor, replaced whole. */
export interface HandedKeysStore {
  get(patient: WalletAddress, doctor: WalletAddress): Promise<HandedKeysRecord | undefined>
  put(patient: WalletAddress, doctor: WalletAddress, record: HandedKeysRecord): Promise<void>
  /** The doctors a patient's keys are kept for. */
  doctors(patient: WalletAddress): Promise<WalletAddress[]>
  /** Deletes the keys left for one doctor, or with no doctor every set of the patient's; whether there were any. */
  delete(patient: WalletAddress, doctor?: WalletAddress): Promise<boolean>
}

/** What the keeper asks the ledger before it releases a card or passes keys on. */
export interface EmergencyLedger {
  /** The clinician's newest break-glass for the patient (its block time, unix seconds), and the chain's now. */
  latestBreakGlass(patient: WalletAddress, clinician: WalletAddress): Promise<{ record: { time: bigint; reasonCode: number } | null; now: bigint }>
  /** Whether the patient names `guardian` as a guardian now. */
  isGuardian(patient: WalletAddress, guardian: WalletAddress): Promise<boolean>
  /** Whether `doctor` holds live access to every emergency category of the patient's history now (an emergency grant gives exactly that). */
  hasEmergencyAccess(patient: WalletAddress, doctor: WalletAddress): Promise<boolean>
}

/** What the keeper's log is told of, one line each. */
export type EmergencyEvent =
  | { type: 'card-stored'; patient: WalletAddress; bytes: number; replaced: boolean }
  | { type: 'card-released'; patient: WalletAddress; clinician: WalletAddress; reasonCode: number }
  | { type: 'card-refused'; kind: 'store' | 'open'; patient?: WalletAddress; clinician?: WalletAddress; reason: EmergencyRefusal; why: string }
  | { type: 'card-forgotten'; patient: WalletAddress }
  | { type: 'keys-kept'; patient: WalletAddress; guardian: WalletAddress; doctor: WalletAddress; bytes: number }
  | { type: 'keys-taken'; patient: WalletAddress; doctor: WalletAddress }
  | { type: 'keys-refused'; kind: 'hand' | 'take'; patient?: WalletAddress; wallet?: WalletAddress; reason: EmergencyRefusal; why: string }

/** Omit over each member of a union on its own. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
/** A refusal's event without its reason: which request, and whose once known. */
type RefusalAbout = Without<Extract<EmergencyEvent, { type: 'card-refused' | 'keys-refused' }>, 'reason' | 'why'>

/** How to serve emergency cards on a keeper's node. */
export interface ServeEmergencyCardsOptions {
  node: P2PNode
  /** The keeper's wallet identity: it names the keeper, and its domain is the one open requests are signed in. */
  identity: WalletIdentity
  store: EmergencyCardStore
  /** Where the keys guardians leave for doctors are kept. */
  handedKeys: HandedKeysStore
  ledger: EmergencyLedger
  /** Whether the patient has enrolled this keeper now. */
  isEnrolled(patient: WalletAddress): boolean
  onEvent?: (event: EmergencyEvent) => void
  now?: () => number
}

/** Emergency cards served on a keeper's node. */
export interface EmergencyCards {
  /** Drops a patient's card and the keys guardians left for their doctors (the patient removed the keeper). */
  forget(patient: WalletAddress): Promise<void>
  stop(): Promise<void>
}

const NONCE_PREFIX = '/anamnesis/keeper/emergency-nonce/'
/** A request carries up to 64 KiB of ciphertext or keys and a statement, an identity and a signature of well under 8 KiB. */
const REQUEST_HELD_BYTES = Math.max(MAX_EMERGENCY_CIPHERTEXT, MAX_HANDED_KEYS) + 8 * 1024
/** The most doctors a keeper keeps a patient's handed keys for: a guardian makes at most 3 emergency grants in 30 days. */
export const MAX_HANDED_KEY_SETS = 16
const REQUEST_TIMEOUT_MS = 15_000
/** The most nonces remembered: requests beyond it within 2 minutes are refused rather than forgotten. */
const MAX_NONCES = 100_000

/** Starts answering /anamnesis/emergency/1.0.0 on the keeper's node. */
export async function serveEmergencyCards(options: ServeEmergencyCardsOptions): Promise<EmergencyCards> {
  const { node, identity, store, handedKeys, ledger } = options
  const now = options.now ?? Date.now
  const emit = (event: EmergencyEvent): void => options.onEvent?.(event)
  const me = identity.verified.address
  const peer = node.libp2p.peerId.toString()
  const { datastore } = node

  const nonces = new Map<string, number>()
  for await (const { key, value } of datastore.query({ prefix: NONCE_PREFIX })) {
    const at = Number((JSON.parse(new TextDecoder().decode(value)) as { at?: unknown }).at)
    if (at < now() - EMERGENCY_REQUEST_MAX_AGE_MS) await datastore.delete(key)
    else nonces.set(key.toString().slice(NONCE_PREFIX.length), at)
  }
  /** Forgets nonces of requests that would be refused as too old anyway. */
  const pruneNonces = async (): Promise<void> => {
    const oldest = now() - EMERGENCY_REQUEST_MAX_AGE_MS - 60_000
    const batch = datastore.batch()
    let any = false
    for (const [nonce, at] of nonces) {
      if (at >= oldest) continue
      nonces.delete(nonce)
      batch.delete(new Key(`${NONCE_PREFIX}${nonce}`))
      any = true
    }
    if (any) await batch.commit()
  }

  /** One store at a time per patient: a replaced card never outlives its replacement. */
  const serial = keyedQueue<WalletAddress>()

  /** Refuses a request as `about` says (which request, and whose once known): logged, and answered with the reason. */
  const refusal =
    (about: RefusalAbout) =>
    (reason: EmergencyRefusal, why: string): Record<string, unknown> => {
      emit({ ...about, reason, why })
      return { t: 'refused', reason }
    }

  const storeCard = async (request: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const checked = checkStoreRequest(request, { keeper: me, peer, now: now() })
    if ('refusal' in checked) return refusal({ type: 'card-refused', kind: 'store' })(checked.refusal, checked.why)
    const { statement, ciphertext } = checked.value
    const { patient } = statement
    const refuse = refusal({ type: 'card-refused', kind: 'store', patient })
    return await serial(patient, async () => {
      if (!options.isEnrolled(patient)) return refuse('not-enrolled', 'a card from a patient who has not enrolled this keeper')
      const before = await store.get(patient)
      if (before !== undefined && statement.at <= before.at) return refuse('stale', 'the statement is no newer than the card held (a replay)')
      try {
        await store.put(patient, { card: statement.card, ciphertext, at: statement.at })
      } catch (error) {
        if (isDiskFull(error)) return refuse('disk-full', errorMessage(error))
        throw error
      }
      const replaced = before !== undefined && bytesToHex(before.card) !== bytesToHex(statement.card)
      emit({ type: 'card-stored', patient, bytes: ciphertext.length, replaced })
      return { t: 'stored', replaced }
    })
  }

  const openCard = async (message: Record<string, unknown>): Promise<Record<string, unknown>> => {
    await pruneNonces()
    const checked = checkOpenRequest(message, { keeper: me, peer, now: now(), domain: identity.domain })
    if ('refusal' in checked) return refusal({ type: 'card-refused', kind: 'open' })(checked.refusal, checked.why)
    const request = checked.value
    const { patient, clinician } = request
    const refuse = refusal({ type: 'card-refused', kind: 'open', patient, clinician })
    // A patient who has not enrolled this keeper gets the same answer as a wrong card: who keeps whose
    // history is not told to whoever asks. Only a request naming a card held here goes further: anyone
    // without the card can neither fill the nonce memory nor make the keeper query the chain.
    const held = options.isEnrolled(patient) ? await store.get(patient) : undefined
    if (held === undefined || `0x${bytesToHex(held.card)}` !== request.card) return refuse('unknown-card', 'the card is not the current one of a patient this keeper keeps (replaced, or never stored here)')
    if (nonces.has(request.nonce)) return refuse('stale', 'the request was answered before (a replay)')
    if (nonces.size >= MAX_NONCES) return refuse('stale', 'too many requests in the last minutes to remember another')
    // Remembered before anything slow: the same request sent twice at once is answered once.
    nonces.set(request.nonce, request.at)
    await datastore.put(new Key(`${NONCE_PREFIX}${request.nonce}`), new TextEncoder().encode(JSON.stringify({ at: request.at })))
    let found
    try {
      found = await ledger.latestBreakGlass(patient, clinician)
    } catch (error) {
      return refuse('chain-unreachable', errorMessage(error))
    }
    if (found.record === null) return refuse('no-break-glass', 'the ledger shows no break-glass by this clinician for this patient')
    const age = found.now - found.record.time
    if (age > BigInt(BREAK_GLASS_WINDOW_SECONDS)) return refuse('break-glass-too-old', `the clinician's last break-glass for this patient is ${age} s old`)
    emit({ type: 'card-released', patient, clinician, reasonCode: found.record.reasonCode })
    return { t: 'card', ciphertext: held.ciphertext, brokenAt: Number(found.record.time), reasonCode: found.record.reasonCode }
  }

  const handKeys = async (request: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const checked = checkHandKeys(request, { keeper: me, peer, now: now() })
    if ('refusal' in checked) return refusal({ type: 'keys-refused', kind: 'hand' })(checked.refusal, checked.why)
    const { statement, keys } = checked.value
    const { patient, guardian, doctor } = statement
    const refuse = refusal({ type: 'keys-refused', kind: 'hand', patient, wallet: guardian })
    return await serial(patient, async () => {
      if (!options.isEnrolled(patient)) return refuse('not-enrolled', 'keys for a patient who has not enrolled this keeper')
      try {
        if (!(await ledger.isGuardian(patient, guardian))) return refuse('not-guardian', 'the ledger does not hold the sender as a guardian of the patient')
        if (!(await ledger.hasEmergencyAccess(patient, doctor))) return refuse('no-emergency-access', "the doctor's emergency access to the patient is not live")
      } catch (error) {
        return refuse('chain-unreachable', errorMessage(error))
      }
      const before = await handedKeys.get(patient, doctor)
      if (before !== undefined && statement.at <= before.at) return refuse('stale', 'the statement is no newer than the keys held (a replay)')
      if (before === undefined && (await handedKeys.doctors(patient)).length >= MAX_HANDED_KEY_SETS) return refuse('too-large', `keys are kept for ${MAX_HANDED_KEY_SETS} doctors of this patient already`)
      try {
        await handedKeys.put(patient, doctor, { keys, guardian, at: statement.at })
      } catch (error) {
        if (isDiskFull(error)) return refuse('disk-full', errorMessage(error))
        throw error
      }
      emit({ type: 'keys-kept', patient, guardian, doctor, bytes: keys.length })
      return { t: 'kept', replaced: before !== undefined }
    })
  }

  const takeKeys = async (request: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const checked = checkTakeKeys(request, { keeper: me, peer, now: now() })
    if ('refusal' in checked) return refusal({ type: 'keys-refused', kind: 'take' })(checked.refusal, checked.why)
    const { patient, doctor } = checked.value
    const refuse = refusal({ type: 'keys-refused', kind: 'take', patient, wallet: doctor })
    // As for cards, who keeps whose history is not told: a patient not enrolled here has no keys here.
    const held = options.isEnrolled(patient) ? await handedKeys.get(patient, doctor) : undefined
    if (held === undefined) return refuse('no-keys', 'no keys were left here for this doctor')
    let live: boolean
    try {
      live = await ledger.hasEmergencyAccess(patient, doctor)
    } catch (error) {
      return refuse('chain-unreachable', errorMessage(error))
    }
    if (!live) {
      // Access that ended does not come back: an emergency grant is never renewed, a new one is handed anew.
      await serial(patient, () => handedKeys.delete(patient, doctor))
      return refuse('no-emergency-access', "the doctor's emergency access to the patient is not live")
    }
    emit({ type: 'keys-taken', patient, doctor })
    return { t: 'keys', keys: held.keys }
  }

  await answerKeeperRequests(node, EMERGENCY_PROTOCOL, {
    identity,
    maxHeldBytes: REQUEST_HELD_BYTES,
    timeoutMs: REQUEST_TIMEOUT_MS,
    maxInboundStreams: 32,
    answer: async (request, connection) => {
      if (isMap(request) && request.t === 'store') return await storeCard(request)
      if (isMap(request) && request.t === 'open') return await openCard(request)
      if (isMap(request) && request.t === 'hand-keys') return await handKeys(request)
      if (isMap(request) && request.t === 'take-keys') return await takeKeys(request)
      emit({ type: 'card-refused', kind: 'open', reason: 'malformed', why: `a request from ${connection.remotePeer.toString()} that is not one of the protocol's` })
      return { t: 'refused', reason: 'malformed' }
    }
  })

  return {
    forget: async (patient) => {
      await serial(patient, async () => {
        if (await store.delete(patient)) emit({ type: 'card-forgotten', patient })
        await handedKeys.delete(patient)
      })
    },
    stop: async () => {
      await node.libp2p.unhandle(EMERGENCY_PROTOCOL).catch(() => undefined)
      await serial.idle()
    }
  }
}
