// Who has access to a patient's history and whose access ended, at one block of the ledger: the
// grants as they stand (as readGrants.ts reads them) and every end of access the events record,
// revocations included, which the ledger's state forgets. The patient's app moves the history to
// a new key epoch for any end that came after the epoch it is in (src/session). The patient's guardians
// are read with them, at the same block: they hold the emergency categories' keys, so a guardian's
// removal is an end of access too.
import type { Address } from 'viem'
import { accessEndings, type AccessEnding, type GrantEvent } from './accessEndings.ts'
import { parseAddress } from './address.ts'
import { secondsToDate } from './auditEntry.ts'
import { toChainError } from './ChainError.ts'
import { decodeTerms } from './grantTerms.ts'
import { fetchPatientLogs, type PatientLog } from './patientLogs.ts'
import { grantsAt, type GrantLog, type GrantRecord } from './readGrants.ts'
import type { ChainClient } from './client.ts'

/** What {@link readAccess} needs: the consent ledger's address, the patient's address as typed, and the blocks to search. */
export interface ReadAccessParameters {
  ledger: Address
  patient: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
  /** Blocks per log query, for nodes that limit the range of one query. Default 10,000. */
  blockRange?: bigint
}

/** A patient's access at one block: the grants standing then, and every access that had ended by then. */
export interface AccessState {
  /** The block everything was read at, and its time. */
  at: { block: bigint; time: Date }
  /** The standing grants (live or expired, not revoked), as readGrants gives them. */
  grants: GrantRecord[]
  /** Every revocation, expiry and narrowing up to that block, revoked grants included, and every guardian's removal. */
  endings: AccessEnding[]
  /** The patient's guardians at that block, in the order they were (last) named. */
  guardians: Address[]
}

// A block's time never changes for its hash: each one is asked of the node once per client.
const blockTimes = new WeakMap<ChainClient, Map<string, Promise<Date>>>()
function blockTime(client: ChainClient, blockHash: `0x${string}`): Promise<Date> {
  let times = blockTimes.get(client)
  if (times === undefined) blockTimes.set(client, (times = new Map<string, Promise<Date>>()))
  let time = times.get(blockHash)
  if (time === undefined) {
    time = client.getBlock({ blockHash }).then((block) => secondsToDate(block.timestamp))
    times.set(blockHash, time)
    time.catch(() => times.delete(blockHash))
  }
  return time
}

type AccessLog = Extract<PatientLog, { eventName: 'Granted' | 'EmergencyGranted' | 'Revoked' | 'GuardianAdded' | 'GuardianRemoved' }>
const accessEvents = ['Granted', 'EmergencyGranted', 'Revoked', 'GuardianAdded', 'GuardianRemoved'] as const
const isAccessLog = (log: PatientLog): log is AccessLog => (accessEvents as readonly string[]).includes(log.eventName)

/**
 * The patient's grants and ends of access, all at the latest block.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address, `INVALID_INPUT` for a
 *   scope this app does not know, and `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function readAccess(client: ChainClient, { ledger, patient, fromBlock = 0n, blockRange = 10_000n }: ReadAccessParameters): Promise<AccessState> {
  const patientAddress = parseAddress(patient, 'patient')
  try {
    const latest = await client.getBlock({ blockTag: 'latest' })
    const logs: AccessLog[] = []
    for (let start = fromBlock; start <= latest.number; start += blockRange) {
      const end = start + blockRange - 1n < latest.number ? start + blockRange - 1n : latest.number
      const found = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock: start, toBlock: end, eventNames: accessEvents })
      for (const log of found) if (isAccessLog(log)) logs.push(log)
    }
    const lastGrant = new Map<Address, GrantLog>()
    for (const log of logs) if (log.eventName === 'Granted' || log.eventName === 'EmergencyGranted') lastGrant.set(log.args.doctor, log)
    const [grants, times] = await Promise.all([grantsAt(client, ledger, patientAddress, lastGrant, latest), Promise.all(logs.map((log) => blockTime(client, log.blockHash)))])
    const events: GrantEvent[] = []
    // The contract adds only one who is not a guardian and removes only one who is, so replaying its events gives the set it holds.
    const guardians = new Map<Address, true>()
    const guardianEndings: AccessEnding[] = []
    logs.forEach((log, i) => {
      const time = times[i] ?? secondsToDate(latest.timestamp)
      switch (log.eventName) {
        case 'Revoked':
          events.push({ kind: 'revoked', doctor: log.args.doctor, block: log.blockNumber, time })
          return
        case 'GuardianAdded':
          guardians.delete(log.args.guardian)
          guardians.set(log.args.guardian, true)
          return
        case 'GuardianRemoved':
          guardians.delete(log.args.guardian)
          guardianEndings.push({ doctor: log.args.guardian, reason: 'guardian-removed', at: time, block: log.blockNumber })
          return
        default: {
          const { expiry, scope } = decodeTerms(log.args.terms)
          events.push({ kind: 'granted', doctor: log.args.doctor, expiry: secondsToDate(expiry), categories: scope.categories, block: log.blockNumber, time })
        }
      }
    })
    const at = { block: latest.number, time: secondsToDate(latest.timestamp) }
    return { at, grants, endings: [...accessEndings(events, at.time), ...guardianEndings], guardians: [...guardians.keys()] }
  } catch (error) {
    throw toChainError(error, 'read who has access')
  }
}
