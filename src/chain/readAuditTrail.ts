// A patient's audit trail from the ledger's logs alone: every grant, revocation, guardian
// change, emergency access, visit and anchor, newest first, a page at a time.
import type { Address } from 'viem'
import { parseAddress } from './address.ts'
import { toAuditEntries, type AuditEntry } from './auditEntry.ts'
import { ChainError, toChainError } from './ChainError.ts'
import { fetchPatientLogs, newestFirst, type PatientLog } from './patientLogs.ts'
import type { ChainClient } from './client.ts'

/** What {@link readAuditTrail} needs: the consent ledger's address, the patient's address as typed, and which page. */
export interface ReadAuditTrailParameters {
  ledger: Address
  patient: string
  /** Entries per page. Default 20. */
  pageSize?: number
  /** Where the previous page ended (its `nextCursor`); the newest entries when left out. */
  cursor?: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
  /** Blocks per log query, for nodes that limit the range of one query. Default 10,000. */
  blockRange?: bigint
}

/** One page of the audit trail, newest entry first. */
export interface AuditTrailPage {
  entries: AuditEntry[]
  /** Pass as `cursor` for the next, older page; null when this page reaches the oldest entry. */
  nextCursor: string | null
}

interface Position {
  blockNumber: bigint
  logIndex: number
}

function encodeCursor({ blockNumber, logIndex }: Position): string {
  return `${blockNumber}:${logIndex}`
}

function decodeCursor(cursor: string): Position {
  const match = /^(\d+):(\d+)$/.exec(cursor)
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new ChainError('INVALID_INPUT', 'This link to an older page of the audit trail is not valid; start again from the newest entries.')
  }
  return { blockNumber: BigInt(match[1]), logIndex: Number(match[2]) }
}

/**
 * One page of a patient's audit trail, newest first, read from the ledger's logs alone: every
 * grant, revocation, guardian change, emergency access, visit and anchor. It walks back from the
 * latest block (or from the cursor) `blockRange` blocks at a time.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address, `INVALID_INPUT` for a
 *   page size below one, a block range below one or a cursor this function did not make, and
 *   `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when the logs cannot be read.
 */
export async function readAuditTrail(
  client: ChainClient,
  { ledger, patient, pageSize = 20, cursor, fromBlock = 0n, blockRange = 10_000n }: ReadAuditTrailParameters
): Promise<AuditTrailPage> {
  const patientAddress = parseAddress(patient, 'patient')
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new ChainError('INVALID_INPUT', 'A page of the audit trail holds at least one entry.')
  if (blockRange < 1n) throw new ChainError('INVALID_INPUT', 'The block range of a log query must be at least one block.')
  const after = cursor === undefined ? undefined : decodeCursor(cursor)

  // Walk back from the newest block one window at a time, until the page is full and one more
  // entry proves there is an older page, or the ledger's first block is reached.
  const found: PatientLog[] = []
  try {
    // Uncached: the client keeps a block number for its polling interval, and an entry the
    // person has just made must show.
    let toBlock = after?.blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }))
    while (toBlock >= fromBlock && found.length <= pageSize) {
      const windowStart = toBlock - blockRange + 1n > fromBlock ? toBlock - blockRange + 1n : fromBlock
      const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock: windowStart, toBlock })
      found.push(...logs.filter((log) => after === undefined || newestFirst(log, after) > 0).sort(newestFirst))
      toBlock = windowStart - 1n
    }
  } catch (error) {
    throw toChainError(error, 'read the audit trail')
  }

  const page = found.slice(0, pageSize)
  const last = page.at(-1)
  const entries = await toAuditEntries(client, page)
  return { entries, nextCursor: found.length > pageSize && last !== undefined ? encodeCursor(last) : null }
}
