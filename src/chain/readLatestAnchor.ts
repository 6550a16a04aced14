// The latest anchor of a patient's history: the newest anchor event, the patient's own or a
// doctor's. Anchors live in the ledger's logs only (see contracts/src/Anchors.sol).
import type { Address, Hash, Hex } from 'viem'
import { parseAddress } from './address.ts'
import { blockTimes } from './auditEntry.ts'
import { toChainError } from './ChainError.ts'
import { fetchPatientLogs } from './patientLogs.ts'
import type { ChainClient } from './client.ts'

/** What {@link readLatestAnchor} needs: the consent ledger's address, the patient's address as typed, and the blocks to search. */
export interface ReadLatestAnchorParameters {
  ledger: Address
  patient: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
  /** Blocks per log query, for nodes that limit the range of one query. Default 10,000. */
  blockRange?: bigint
}

/** The newest anchor of a patient's history: the root and entry count committed, by whom, and where. */
export interface LatestAnchor {
  root: Hex
  entryCount: bigint
  /** The patient, or the doctor who anchored after adding entries. */
  anchoredBy: Address
  blockNumber: bigint
  timestamp: Date
  transactionHash: Hash
}

/**
 * The newest anchor of the patient's history, the patient's own or a doctor's, or null if the
 * history was never anchored. Walks back from the latest block `blockRange` blocks at a time.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed patient address, and `CHAIN_UNREACHABLE`
 *   or `TRANSACTION_FAILED` when the logs cannot be read.
 */
export async function readLatestAnchor(client: ChainClient, { ledger, patient, fromBlock = 0n, blockRange = 10_000n }: ReadLatestAnchorParameters): Promise<LatestAnchor | null> {
  const patientAddress = parseAddress(patient, 'patient')
  try {
    // Walk back from the newest block (uncached, so an anchor just made counts): the latest
    // anchor is usually recent.
    for (let toBlock = await client.getBlockNumber({ cacheTime: 0 }); toBlock >= fromBlock; ) {
      const windowStart = toBlock - blockRange + 1n > fromBlock ? toBlock - blockRange + 1n : fromBlock
      const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock: windowStart, toBlock, eventNames: ['Anchored', 'DoctorAnchored'] })
      const newest = logs.at(-1)
      if (newest !== undefined && (newest.eventName === 'Anchored' || newest.eventName === 'DoctorAnchored')) {
        const times = await blockTimes(client, [newest])
        return {
          root: newest.args.root,
          entryCount: newest.args.entryCount,
          anchoredBy: newest.eventName === 'DoctorAnchored' ? newest.args.doctor : patientAddress,
          blockNumber: newest.blockNumber,
          timestamp: times.get(newest.blockNumber) ?? new Date(0),
          transactionHash: newest.transactionHash
        }
      }
      toBlock = windowStart - 1n
    }
    return null
  } catch (error) {
    throw toChainError(error, 'read the latest anchor')
  }
}
