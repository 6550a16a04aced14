// Moving a patient's history to a new key epoch when someone's access ends, handing the new key
// (of their categories only) to the doctors who keep a live grant; and reconciling, on every
// open and whenever the ledger or another device speaks, the ends of access the ledger records
// with the epochs the history records, so a revocation whose rotation never happened (a page
// closed, another device, an expiry) is caught up.
//
// The rule: a key drop says which ledger block chose its readers. An end of access after that
// block (a revocation or narrowing in a later block, an expiry after its time) means a reader may
// hold a key they should no longer have: the history moves on. Two devices that move at once
// each make an epoch; every device settles on the same one (src/history), and if that one was
// chosen by an older block than an end of access, the next check moves on again.
import { hexToBytes } from 'viem'
import { recordCategories, type AccessEnding, type AccessState } from '../chain/index.ts'
import type { EpochRotation } from '../history/index.ts'
import type { WalletIdentity } from '../p2p/index.ts'
import { chooseReaders } from './keyReaders.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import type { Clock, SessionLedger, SessionLog } from './sessionPorts.ts'
import { every } from './sessionPorts.ts'

/**
 * Why the history moved: an end of access (a guardian's removal among them), a reader's keys replaced (their new
 * key lacked the epoch's), or a guardian named, or a doctor granted emergency access, who does not yet hold the
 * emergency categories' keys.
 */
export type RotationReason = AccessEnding['reason'] | 'key-replaced' | 'guardian-added' | 'emergency-granted'

export interface Rotation {
  epoch: number
  /** How many doctors who keep access got the new keys. */
  handedTo: number
  /** Why the history moved (empty for a move asked for by the patient). */
  reasons: readonly RotationReason[]
}

/** What a rotation needs of the patient's own history. */
export type RotatableHistory = Pick<OwnHistoryModel, 'rotate' | 'latestRotation' | 'moveKeys' | 'history'> & { log: { refreshAccess(): void } }

type RotationLedger = Pick<SessionLedger, 'readAccess' | 'readEncryptionKey'>

/** The ends of access the history has not moved past: those after the ledger block its newest epoch's drop names. */
export function missedEndings(endings: readonly AccessEnding[], latest: Pick<EpochRotation, 'asOf'> | undefined): AccessEnding[] {
  if (latest === undefined) return [...endings]
  return endings.filter((ending) => (ending.block === undefined ? ending.at.getTime() > latest.asOf.time : ending.block > latest.asOf.block))
}

/** Moves `own` on, its readers chosen by `access`: every live grant's doctor but `except`. Inside own.moveKeys. */
async function rotateNow(ledger: RotationLedger, own: RotatableHistory, access: AccessState, options: { except?: string; newOwner?: NewOwner }, reasons: Rotation['reasons']): Promise<Rotation> {
  own.log.refreshAccess()
  const chosen = chooseReaders(access, options.except)
  const keys = await Promise.all(chosen.map((reader) => ledger.readEncryptionKey(reader.address)))
  const readers = chosen.flatMap((reader, i) => {
    const key = keys[i]
    return key == null ? [] : [{ publicKey: hexToBytes(key), categories: reader.categories.map((category) => recordCategories.indexOf(category)), earlier: reader.earlier, role: reader.role }]
  })
  const epoch = await own.rotate({
    asOf: { block: access.at.block, time: access.at.time.getTime() },
    readers,
    ...(options.newOwner === undefined ? {} : { newOwnerKey: options.newOwner.encryptionKey, newIdentity: options.newOwner.identity })
  })
  return { epoch, handedTo: readers.filter((r) => r.role === 'doctor').length, reasons }
}

/**
 * Rotates `own` to a new epoch now, its key dropped for every live grant's doctor but `except` (the doctor just revoked).
 * When an epoch made after the revocation is already there (the check that hears the ledger's revocation event can
 * move first), that epoch is the answer: its readers were chosen after the revocation, so a second move would only
 * cost every reader another key.
 */
export function rotateHistoryKey(ledger: RotationLedger, patient: string, own: RotatableHistory, except?: string): Promise<Rotation> {
  return own.moveKeys(async () => {
    const access = await ledger.readAccess(patient)
    const latest = own.latestRotation()
    const revoked = except?.toLowerCase()
    const covered =
      latest !== undefined &&
      revoked !== undefined &&
      missedEndings(access.endings, latest).length === 0 &&
      access.endings.some((ending) => ending.doctor.toLowerCase() === revoked && ending.reason === 'revoked') &&
      !access.grants.some((g) => g.live && g.doctor.toLowerCase() === revoked)
    if (covered) {
      const handedTo = chooseReaders(access).filter((reader) => reader.role === 'doctor').length
      return { epoch: latest.epoch, handedTo, reasons: ['revoked'] }
    }
    return rotateNow(ledger, own, access, except === undefined ? {} : { except }, ['revoked'])
  })
}

/** The patient's replacement keys, as a move to them needs them. */
export interface NewOwner {
  /** The new X25519 public key: every epoch's key is wrapped for it. */
  encryptionKey: Uint8Array
  /** The identity of the new keys (the next key version's signing key and binding): it signs the drop. */
  identity: WalletIdentity
}

/**
 * For replacing the patient's keys: moves `own` to a new epoch whose key, and every earlier epoch's key,
 * is wrapped for the new X25519 key and none for the old one, so a leaked old secret opens nothing
 * written from now on; the doctors with a live grant get the new epoch's keys of their categories.
 * The drop is signed by the new identity on top of the heads, so it vouches for every entry the old
 * identity wrote before: those stay admitted everywhere, and what the old keys sign later does not.
 * Once it resolves, open the history again with the new keys: the drop opens only with them.
 *
 * @throws When the ledger cannot be read or the drop cannot be written; the history is then as it was.
 */
export function rotateForNewOwnerKey(ledger: RotationLedger, patient: string, own: RotatableHistory, newOwner: NewOwner): Promise<Rotation> {
  return own.moveKeys(async () => rotateNow(ledger, own, await ledger.readAccess(patient), { newOwner }, []))
}

/**
 * The doctors whose live grant chose them as readers of the newest epoch (granted by the ledger block its
 * drop names) but whose registered key the drop does not name: they replaced their keys since (or
 * registered one only then), and the epoch's key never reached the key they hold now. A doctor granted
 * later got the keys with the visit, wrapped for the key they had then.
 */
async function readersWithNewKeys(ledger: RotationLedger, access: AccessState, latest: Pick<EpochRotation, 'asOf' | 'recipients'> | undefined): Promise<string[]> {
  if (latest === undefined) return []
  const named = new Set(latest.recipients)
  const chosen = access.grants.filter((g) => g.live && g.scope.categories.length > 0 && g.blockNumber <= latest.asOf.block)
  const keys = await Promise.all(chosen.map((g) => ledger.readEncryptionKey(g.doctor)))
  return chosen.filter((_, i) => {
    const key = keys[i]
    return key != null && !named.has(key.slice(2).toLowerCase())
  }).map((g) => g.doctor)
}

/**
 * Of `readers` (guardians, or doctors with a live emergency grant), those with a registered key that the
 * newest epoch's drop does not name: named or granted since (or their keys replaced since), they do not
 * hold the emergency categories' keys. One who has registered no key gets nothing, and is not asked about
 * again until they do.
 */
async function withoutKeys(ledger: RotationLedger, readers: readonly string[], latest: Pick<EpochRotation, 'recipients'> | undefined): Promise<string[]> {
  const named = new Set(latest?.recipients ?? [])
  const keys = await Promise.all(readers.map((reader) => ledger.readEncryptionKey(reader)))
  return readers.filter((_, i) => {
    const key = keys[i]
    return key != null && !named.has(key.slice(2).toLowerCase())
  })
}

/**
 * Compares the ends of access on the ledger with the history's newest epoch and moves the history
 * on when one came after it, or when a doctor who keeps access replaced their keys (readersWithNewKeys). The rotation, or undefined when none was due (or this device's keys
 * no longer open the history, which then is not this device's to move).
 */
export function reconcileAccess(input: { ledger: RotationLedger; patient: string; own: RotatableHistory }): Promise<Rotation | undefined> {
  const { ledger, patient, own } = input
  return own.moveKeys(async () => {
    const access = await ledger.readAccess(patient)
    if (own.history.staleness() !== undefined) return undefined
    const latest = own.latestRotation()
    const missed = missedEndings(access.endings, latest)
    const replaced = await readersWithNewKeys(ledger, access, latest)
    const guardians = await withoutKeys(ledger, access.guardians, latest)
    // A doctor a guardian let in while the patient could not is handed the emergency records by whichever
    // device of the patient's is open (the guardian's own hand-over covers the time none is).
    const grantees = await withoutKeys(ledger, access.grants.filter((g) => g.live && g.emergency).map((g) => g.doctor), latest)
    const reasons: RotationReason[] = [
      ...missed.map((ending) => ending.reason),
      ...(replaced.length > 0 ? (['key-replaced'] as const) : []),
      ...(guardians.length > 0 ? (['guardian-added'] as const) : []),
      ...(grantees.length > 0 ? (['emergency-granted'] as const) : [])
    ]
    if (reasons.length === 0) return undefined
    return rotateNow(ledger, own, access, {}, [...new Set(reasons)])
  })
}

/** How often the patient's app compares the ledger with the history (an expiry announces itself with no event). */
export const ACCESS_CHECK_MS = 60_000

/** The words for the patient after a check moved the history to a new epoch. */
export function rotationNotice({ epoch, reasons }: Pick<Rotation, 'epoch' | 'reasons'>): string {
  const why = reasons.includes('revoked')
    ? 'A revocation had not yet moved your history to a new key'
    : reasons.includes('guardian-removed')
      ? 'A guardian was removed'
      : reasons.includes('narrowed')
        ? 'A grant was narrowed'
        : reasons.includes('expired')
          ? 'A grant expired'
          : reasons.includes('key-replaced')
            ? 'A doctor who keeps access replaced their keys'
            : undefined
  if (why === undefined) {
    const who = reasons.includes('emergency-granted') ? 'the doctor your guardian granted emergency access' : 'your guardians'
    return `Your history now uses a new key (epoch ${epoch}), and ${who} hold the keys of your emergency records (allergies, medicines, problems, procedures, immunizations, results) and nothing else.`
  }
  return `${why}, so your history now uses a new key (epoch ${epoch}). Only doctors whose access is still live received it (and your guardians, the keys of your emergency records); what the others already saw cannot be unseen.`
}

/**
 * Reconciles now, every ACCESS_CHECK_MS, at each consent event of the patient's on the ledger, and when
 * another device's rotation arrives; `onRotated` hears of each rotation. Returns the stop function.
 */
export function watchAccess(input: {
  ledger: RotationLedger & Pick<SessionLedger, 'watchAuditTrail'>
  patient: string
  own: RotatableHistory
  clock: Clock
  logger: SessionLog
  onRotated(rotation: Rotation): void
}): () => void {
  const { own } = input
  let stopped = false
  let running = false
  let again = false
  const check = (): void => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = true
    void reconcileAccess(input)
      .then(
        (rotation) => {
          if (rotation !== undefined && !stopped) input.onRotated(rotation)
        },
        (error: unknown) => input.logger.error('Comparing who has access with your history\'s key failed:', error)
      )
      .finally(() => {
        running = false
        if (again) {
          again = false
          check()
        }
      })
  }
  const stopTimer = every(input.clock, ACCESS_CHECK_MS, check)
  const stopWatch = input.ledger.watchAuditTrail(input.patient, (entries) => {
    if (entries.some((entry) => entry.kind === 'revoked' || entry.kind === 'granted' || entry.kind === 'emergencyGranted' || entry.kind === 'guardianAdded' || entry.kind === 'guardianRemoved')) check()
  })
  let latest = own.latestRotation()?.hash
  const stopHistory = own.history.subscribe((change) => {
    if (change.keyDrops.length === 0 || own.latestRotation()?.hash === latest) return
    latest = own.latestRotation()?.hash
    check()
  })
  check()
  return () => {
    stopped = true
    stopTimer()
    stopWatch()
    stopHistory()
  }
}
