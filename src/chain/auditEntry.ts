// The audit trail's entries: each ledger event as a readable record of who did what to whom,
// when, and in which transaction.
import type { Address, Hash, Hex } from 'viem'
import { describeBreakGlassReason } from './breakGlassReasons.ts'
import { toChainError } from './ChainError.ts'
import { decodeTerms } from './grantTerms.ts'
import type { PatientLog } from './patientLogs.ts'
import type { Scope } from './scope.ts'
import type { ChainClient } from './client.ts'

interface AuditEntryBase {
  /** Who acted: the patient, a guardian, a doctor or an emergency clinician. */
  actor: Address
  /** Whom it concerns: the doctor or guardian named, or the patient for break-glass, visits and anchors. */
  subject: Address
  blockNumber: bigint
  /** The event's position in its block, to order entries of one block. */
  logIndex: number
  /** The time of the block the entry is in. */
  timestamp: Date
  transactionHash: Hash
}

/** The terms of a grant as the audit trail shows them: when it ends and what it opens. */
export interface GrantDetails {
  expiry: Date
  scope: Scope
}

/**
 * One entry of a patient's audit trail: a ledger event as who (`actor`) did what (`kind`) to
 * whom (`subject`), when, and in which transaction, with what the event says of its own in `details`.
 */
export type AuditEntry = AuditEntryBase &
  (
    | { kind: 'granted'; details: GrantDetails }
    | { kind: 'emergencyGranted'; details: GrantDetails }
    | { kind: 'revoked'; details: null }
    | { kind: 'guardianAdded'; details: null }
    | { kind: 'guardianRemoved'; details: null }
    | { kind: 'glassBroken'; details: { reasonCode: number; reason: string } }
    | { kind: 'visitLogged'; details: null }
    | { kind: 'anchored'; details: { root: Hex; entryCount: bigint; byDoctor: boolean } }
  )

/** What an audit trail entry records: `granted`, `revoked`, `glassBroken`, `anchored` and the rest. */
export type AuditEntryKind = AuditEntry['kind']

/** Unix seconds, as the chain gives times, as a Date. */
export function secondsToDate(seconds: bigint): Date {
  return new Date(Number(seconds) * 1000)
}

function grantDetails(terms: bigint): GrantDetails {
  const { expiry, scope } = decodeTerms(terms)
  return { expiry: secondsToDate(expiry), scope }
}

/**
 * The audit trail entry for one decoded ledger event.
 *
 * @param timestamp - The time of the event's block; a break-glass event's own time takes its place.
 * @throws {ChainError} `INVALID_INPUT` when a grant's terms hold a scope this app does not know.
 */
export function toAuditEntry(log: PatientLog, timestamp: Date): AuditEntry {
  const base = { blockNumber: log.blockNumber, logIndex: log.logIndex, timestamp, transactionHash: log.transactionHash }
  switch (log.eventName) {
    case 'Granted':
      return { ...base, kind: 'granted', actor: log.args.patient, subject: log.args.doctor, details: grantDetails(log.args.terms) }
    case 'EmergencyGranted':
      return { ...base, kind: 'emergencyGranted', actor: log.args.guardian, subject: log.args.doctor, details: grantDetails(log.args.terms) }
    case 'Revoked':
      return { ...base, kind: 'revoked', actor: log.args.patient, subject: log.args.doctor, details: null }
    case 'GuardianAdded':
      return { ...base, kind: 'guardianAdded', actor: log.args.patient, subject: log.args.guardian, details: null }
    case 'GuardianRemoved':
      return { ...base, kind: 'guardianRemoved', actor: log.args.patient, subject: log.args.guardian, details: null }
    case 'GlassBroken':
      // The event's own time is the block's time; prefer it, since it is part of the record.
      return {
        ...base,
        timestamp: secondsToDate(log.args.time),
        kind: 'glassBroken',
        actor: log.args.clinician,
        subject: log.args.patient,
        details: { reasonCode: log.args.reasonCode, reason: describeBreakGlassReason(log.args.reasonCode) }
      }
    case 'VisitLogged':
      return { ...base, kind: 'visitLogged', actor: log.args.doctor, subject: log.args.patient, details: null }
    case 'Anchored':
      return { ...base, kind: 'anchored', actor: log.args.patient, subject: log.args.patient, details: { root: log.args.root, entryCount: log.args.entryCount, byDoctor: false } }
    case 'DoctorAnchored':
      return { ...base, kind: 'anchored', actor: log.args.doctor, subject: log.args.patient, details: { root: log.args.root, entryCount: log.args.entryCount, byDoctor: true } }
  }
}

/**
 * The time of each block the logs are in, by block number: from the log when the node gives
 * it, else read from the block.
 *
 * @throws {ChainError} When a block cannot be read (`CHAIN_UNREACHABLE`, `TRANSACTION_FAILED`).
 */
export async function blockTimes(client: ChainClient, logs: readonly PatientLog[]): Promise<Map<bigint, Date>> {
  const times = new Map<bigint, Date>()
  const missing = new Set<bigint>()
  for (const log of logs) {
    if (log.blockTimestamp !== undefined) times.set(log.blockNumber, secondsToDate(log.blockTimestamp))
    else missing.add(log.blockNumber)
  }
  try {
    await Promise.all(
      [...missing].filter((n) => !times.has(n)).map(async (blockNumber) => {
        const block = await client.getBlock({ blockNumber })
        times.set(blockNumber, secondsToDate(block.timestamp))
      })
    )
  } catch (error) {
    throw toChainError(error, 'read the times of the audit trail')
  }
  return times
}

/**
 * The audit trail entries for decoded logs, in the logs' order, each with its block's time.
 *
 * @throws {ChainError} As {@link blockTimes} and {@link toAuditEntry}.
 */
export async function toAuditEntries(client: ChainClient, logs: readonly PatientLog[]): Promise<AuditEntry[]> {
  const times = await blockTimes(client, logs)
  return logs.map((log) => toAuditEntry(log, times.get(log.blockNumber) ?? new Date(0)))
}
