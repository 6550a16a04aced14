// When each doctor's access to a patient's history ended, worked out from the ledger's grant and
// revocation events alone: the ledger's state forgets a revoked grant, its events do not. The
// patient's app compares these with the epochs its history moved to (src/session).
import type { Address } from 'viem'
import type { RecordCategory } from './scope.ts'

/** A grant or a revocation as the ledger logged it, with its block and that block's time. */
export type GrantEvent =
  | { kind: 'granted'; doctor: Address; expiry: Date; categories: readonly RecordCategory[]; block: bigint; time: Date }
  | { kind: 'revoked'; doctor: Address; block: bigint; time: Date }

/** One end of a doctor's access, or of part of it. */
export interface AccessEnding {
  /** The reader whose access ended: a doctor, or for `guardian-removed` the guardian. */
  doctor: Address
  /** Revoked by the patient, expired, re-granted with fewer categories than before, or a guardian the patient removed (readAccess.ts). */
  reason: 'revoked' | 'expired' | 'narrowed' | 'guardian-removed'
  /** When it ended: the transaction's block time, or the grant's expiry. */
  at: Date
  /** The block of the transaction that ended it; none for an expiry, which the ledger's clock alone decides. */
  block?: bigint
}

/**
 * Every access that ended by `latest`, from a patient's grant and revocation events in ledger order:
 * a revocation of a live grant, a re-grant that drops categories, and an expiry (of a grant later
 * renewed, revoked, or still standing). Oldest first, by doctor.
 *
 * @param latest - The time of the block the events were read up to.
 */
export function accessEndings(events: readonly GrantEvent[], latest: Date): AccessEnding[] {
  const byDoctor = new Map<string, GrantEvent[]>()
  for (const event of events) {
    const key = event.doctor.toLowerCase()
    byDoctor.set(key, [...(byDoctor.get(key) ?? []), event])
  }
  const endings: AccessEnding[] = []
  for (const doctorEvents of byDoctor.values()) {
    let standing: Extract<GrantEvent, { kind: 'granted' }> | undefined
    for (const event of doctorEvents) {
      if (standing !== undefined) {
        const previous = standing
        if (previous.expiry.getTime() <= event.time.getTime()) endings.push({ doctor: previous.doctor, reason: 'expired', at: previous.expiry })
        else if (event.kind === 'revoked') endings.push({ doctor: event.doctor, reason: 'revoked', at: event.time, block: event.block })
        else if (previous.categories.some((category) => !event.categories.includes(category))) endings.push({ doctor: event.doctor, reason: 'narrowed', at: event.time, block: event.block })
      }
      standing = event.kind === 'granted' ? event : undefined
    }
    if (standing !== undefined && standing.expiry.getTime() <= latest.getTime()) endings.push({ doctor: standing.doctor, reason: 'expired', at: standing.expiry })
  }
  return endings
}
