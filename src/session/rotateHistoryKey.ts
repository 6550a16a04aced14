// Moving a patient's history to a new key epoch when someone's access ends, and handing the
// new keys (of their categories only) to the doctors who keep a live grant, in a key drop; and
// the bookkeeping of when this device last did so, which decides when an expiry calls for it.
import { hexToBytes } from 'viem'
import { recordCategories, type GrantRecord } from '../chain/index.ts'
import type { OwnHistoryModel } from './ownHistory.ts'
import type { Clock, SessionLedger, SessionLog } from './sessionPorts.ts'
import { every } from './sessionPorts.ts'
import type { RotationBook } from './rotationBook.ts'

export interface Rotation {
  epoch: number
  /** How many doctors who keep access got the new keys. */
  handedTo: number
}

/** What a rotation needs of the patient's own history. */
export type RotatableHistory = Pick<OwnHistoryModel, 'rotateKey' | 'dropKeys'> & { log: { refreshAccess(): void } }

/** Rotates `own` to a new epoch and drops its keys for every live grant's doctor but `except`. */
export async function rotateHistoryKey(
  ledger: Pick<SessionLedger, 'readGrants' | 'readEncryptionKey'>,
  patient: string,
  own: RotatableHistory,
  except?: string
): Promise<Rotation> {
  own.log.refreshAccess()
  const epoch = await own.rotateKey()
  const grants = await ledger.readGrants(patient)
  const remaining = grants.filter((g) => g.live && g.doctor.toLowerCase() !== except?.toLowerCase())
  const keys = await Promise.all(remaining.map((g) => ledger.readEncryptionKey(g.doctor)))
  const readers = remaining.flatMap((g, i) => {
    const key = keys[i]
    return key == null ? [] : [{ publicKey: hexToBytes(key), categories: g.scope.categories.map((category) => recordCategories.indexOf(category)) }]
  })
  await own.dropKeys(readers)
  return { epoch, handedTo: readers.filter((r) => r.categories.length > 0).length }
}

/**
 * Whether a grant expired since the history last moved to a new epoch (`rotatedAt`, ms): an
 * expiry announces itself with no event, so the patient's app looks for one on open and now and then.
 */
export function grantExpiredSince(grants: readonly Pick<GrantRecord, 'expiry' | 'live'>[], rotatedAt: number, now: number): boolean {
  return grants.some((g) => !g.live && g.expiry.getTime() > rotatedAt && g.expiry.getTime() <= now)
}

/** How often the patient's app looks for a grant that expired (which no event announces). */
export const EXPIRY_CHECK_MS = 60_000

/** The words for the patient after an expiry moved the history to `epoch`. */
export function expiryNotice(epoch: number): string {
  return `A grant expired, so your history now uses a new key (epoch ${epoch}). Only doctors whose access is still live received it; what the others already saw cannot be unseen.`
}

/**
 * Rotates `own` when a grant expired since the last rotation, by the ledger's clock (which
 * decides for the grants themselves, not this device's). The rotation, or undefined when none was due.
 */
export async function rotateIfExpired(input: {
  ledger: Pick<SessionLedger, 'readGrants' | 'readEncryptionKey' | 'now'>
  patient: string
  own: RotatableHistory
  rotations: RotationBook
}): Promise<Rotation | undefined> {
  const { ledger, patient, rotations } = input
  const [grants, ledgerNow] = await Promise.all([ledger.readGrants(patient), ledger.now()])
  if (!grantExpiredSince(grants, rotations.lastRotation(patient), ledgerNow)) return undefined
  const rotation = await rotateHistoryKey(ledger, patient, input.own)
  rotations.markRotated(patient, ledgerNow)
  return rotation
}

/** Looks for expired grants now and every EXPIRY_CHECK_MS; `onRotated` hears of each rotation. Returns the stop function. */
export function watchExpiries(input: Parameters<typeof rotateIfExpired>[0] & { clock: Clock; logger: SessionLog; onRotated(rotation: Rotation): void }): () => void {
  const check = (): void =>
    void rotateIfExpired(input).then(
      (rotation) => rotation !== undefined && input.onRotated(rotation),
      (error: unknown) => input.logger.error('Checking for expired grants failed:', error)
    )
  const stop = every(input.clock, EXPIRY_CHECK_MS, check)
  check()
  return stop
}
