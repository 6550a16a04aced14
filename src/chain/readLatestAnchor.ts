// The latest anchor of a patient's history: the patient's own newest anchor event. A doctor's
// anchor (DoctorAnchored) covers what that doctor added and is in the audit trail, but it never
// becomes the anchor the history is verified against: a doctor with write access could otherwise
// turn every verdict of the patient's history into "unanchored". Anchors live in the ledger's logs
// only (see contracts/src/Anchors.sol).
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
  /** Who anchored: the patient (only the patient's own anchors count). */
  anchoredBy: Address
  blockNumber: bigint
  timestamp: Date
  transactionHash: Hash
}

/**
 * The patient's own newest anchor of their history, or null if the patient never anchored it
 * (a doctor's anchors do not count). Walks back from the latest block `blockRange` blocks at a time.
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
      const logs = await fetchPatientLogs(client, { ledger, patient: patientAddress, fromBlock: windowStart, toBlock, eventNames: ['Anchored'] })
      const newest = logs.at(-1)
      if (newest?.eventName === 'Anchored') {
        const times = await blockTimes(client, [newest])
        return {
          root: newest.args.root,
          entryCount: newest.args.entryCount,
          anchoredBy: patientAddress,
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
