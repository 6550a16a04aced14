// New audit trail entries as they land: on every new block, the patient's events since the last
// block seen, newest first. Polls (or subscribes, on a WebSocket transport) through viem.
import type { Address } from 'viem'
import { parseAddress } from './address.ts'
import { toAuditEntries, type AuditEntry } from './auditEntry.ts'
import { toChainError, type ChainError } from './ChainError.ts'
import { fetchPatientLogs, newestFirst } from './patientLogs.ts'
import type { ChainClient } from './client.ts'

/** What {@link watchAuditTrail} needs: the consent ledger's address, the patient's address as typed, and the callbacks. */
export interface WatchAuditTrailParameters {
  ledger: Address
  patient: string
  /** Called with the entries of each batch of new blocks, newest first; never with an empty list. */
  onEntries: (entries: AuditEntry[]) => void
  /** Called when a read fails; the watch keeps going and reads the same blocks again next time. */
  onError?: (error: ChainError) => void
  /** Start from this block instead of the next new one (to catch up from where a page was read). */
  fromBlock?: bigint
  /** Milliseconds between polls; the client's polling interval when left out. */
  pollingInterval?: number
}

/**
 * Follows a patient's audit trail as new blocks land: on every new block, the patient's events
 * since the last block read, newest first. Reads run one at a time, in block order.
 *
 * @returns The function that stops watching.
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address; later failures go to `onError`.
 */
export function watchAuditTrail(
  client: ChainClient,
  { ledger, patient, onEntries, onError, fromBlock, pollingInterval }: WatchAuditTrailParameters
): () => void {
  const patientAddress = parseAddress(patient, 'patient')
  let next = fromBlock
  let stopped = false
  // Read through a function: the reads come after awaits, when stop() may have run meanwhile.
  const isStopped = (): boolean => stopped
  // One read at a time, in block order: a slow read must not let a later batch overtake it.
  let queue = Promise.resolve()

  const readUpTo = async (latest: bigint): Promise<void> => {
    if (isStopped()) return
    if (next === undefined) {
      next = latest + 1n
      return
    }
    if (latest < next) return
    try {
      const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock: next, toBlock: latest })
      const entries = await toAuditEntries(client, logs.sort(newestFirst))
      next = latest + 1n
      if (entries.length > 0 && !isStopped()) onEntries(entries)
    } catch (error) {
      if (!isStopped()) onError?.(toChainError(error, 'follow the audit trail'))
    }
  }

  const unwatch = client.watchBlockNumber({
    emitOnBegin: true,
    emitMissed: true,
    ...(pollingInterval === undefined ? {} : { pollingInterval }),
    onBlockNumber: (blockNumber) => {
      queue = queue.then(() => readUpTo(blockNumber))
    },
    onError: (error) => {
      if (!isStopped()) onError?.(toChainError(error, 'follow the audit trail'))
    }
  })
  return () => {
    stopped = true
    unwatch()
  }
}
