// Moving a patient's history to a new key epoch when someone's access ends, and handing the
// new keys (of their categories only) to the doctors who keep a live grant, in a key drop.
import { hexToBytes } from 'viem'
import { readEncryptionKey, readGrants, recordCategories, type GrantRecord } from '../../chain/index.ts'
import type { OwnHistory } from './createHistorySession.ts'
import type { LedgerContext } from '../shell/ledgerContext.ts'

export interface Rotation {
  epoch: number
  /** How many doctors who keep access got the new keys. */
  handedTo: number
}

/** Rotates `own` to a new epoch and drops its keys for every live grant's doctor but `except`. */
export async function rotateHistoryKey(context: Pick<LedgerContext, 'client' | 'ledger' | 'registry' | 'fromBlock' | 'wallet'>, own: OwnHistory, except?: string): Promise<Rotation> {
  own.log.refreshAccess()
  const epoch = await own.rotateKey()
  const grants = await readGrants(context.client, { ledger: context.ledger, patient: context.wallet.address, fromBlock: context.fromBlock })
  const remaining = grants.filter((g) => g.live && g.doctor.toLowerCase() !== except?.toLowerCase())
  const keys = await Promise.all(remaining.map((g) => readEncryptionKey(context.client, { registry: context.registry, user: g.doctor })))
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

const ROTATED_KEY = (patient: string): string => `anamnesis.rotatedAt.${patient.toLowerCase()}`

/** When this device last moved the patient's history to a new epoch (ms; 0 when never). */
export function lastRotation(patient: string): number {
  const value = Number(localStorage.getItem(ROTATED_KEY(patient)) ?? 0)
  return Number.isFinite(value) ? value : 0
}

export function markRotated(patient: string, at = Date.now()): void {
  localStorage.setItem(ROTATED_KEY(patient), String(at))
}
