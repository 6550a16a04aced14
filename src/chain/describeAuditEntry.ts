// An audit trail entry as a sentence a patient reads: "Dr 0x12…ab was granted read access to
// conditions, medications until 3 Dec 2026".
import { formatDay, formatDayAndTime } from '../format/index.ts'
import { shortAddress } from './address.ts'
import type { AuditEntry } from './auditEntry.ts'
import { describeScope } from './scope.ts'

/** How {@link describeAuditEntry} writes dates. */
export interface DescribeOptions {
  /** IANA time zone for dates and times; the device's own when left out. */
  timeZone?: string
}

function shortHash(hex: string): string {
  return `${hex.slice(0, 6)}…${hex.slice(-4)}`
}

function entries(count: bigint): string {
  return count === 1n ? '1 entry' : `${count} entries`
}

/**
 * An audit trail entry as a sentence a patient reads, e.g. "Dr 0x12Aa…0Cab was granted read
 * access to conditions, medications until 3 Dec 2026". Addresses are shortened.
 */
export function describeAuditEntry(entry: AuditEntry, { timeZone }: DescribeOptions = {}): string {
  const actor = shortAddress(entry.actor)
  const subject = shortAddress(entry.subject)
  switch (entry.kind) {
    case 'granted':
      return `Dr ${subject} was granted ${describeScope(entry.details.scope)} until ${formatDay(entry.details.expiry, timeZone)}`
    case 'emergencyGranted':
      return `Guardian ${actor} granted Dr ${subject} emergency ${describeScope(entry.details.scope)} until ${formatDayAndTime(entry.details.expiry, timeZone)}`
    case 'revoked':
      return `Dr ${subject}'s access was revoked`
    case 'guardianAdded':
      return `${subject} was named a guardian`
    case 'guardianRemoved':
      return `${subject} is no longer a guardian`
    case 'glassBroken':
      return `${actor} opened the emergency summary on ${formatDayAndTime(entry.timestamp, timeZone)} (break-glass: ${entry.details.reason})`
    case 'visitLogged':
      return `Dr ${actor} opened the history`
    case 'anchored':
      return `${entry.details.byDoctor ? `Dr ${actor} anchored the history` : 'The history was anchored'}: ${entries(entry.details.entryCount)}, root ${shortHash(entry.details.root)}`
  }
}
