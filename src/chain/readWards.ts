// The patients a guardian may act for: everyone whose GuardianAdded event names the guardian,
// confirmed by the ledger's own view at the latest block, so a removal (or a re-adding) is read
// as the contract holds it.
import { encodeEventTopics, numberToHex, pad, parseEventLogs, type Address, type RpcLog } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/** What {@link readWards} needs: the consent ledger's address, the guardian's address as typed, and the blocks to search. */
export interface ReadWardsParameters {
  ledger: Address
  guardian: string
  /** The block the ledger was deployed in; nothing older is searched. Default 0. */
  fromBlock?: bigint
  /** Blocks per log query, for nodes that limit the range of one query. Default 10,000. */
  blockRange?: bigint
}

/** A patient who has named the guardian, as the ledger holds it now. */
export interface Ward {
  patient: Address
  /** The block they last named the guardian in. */
  namedInBlock: bigint
}

const addedTopic = encodeEventTopics({ abi: consentLedgerAbi, eventName: 'GuardianAdded' })[0]

/**
 * The patients who have named `guardian` and not removed them, in the order they (last) named them.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed guardian address, and `CHAIN_UNREACHABLE`
 *   or `TRANSACTION_FAILED` when the ledger cannot be read.
 */
export async function readWards(client: ChainClient, { ledger, guardian, fromBlock = 0n, blockRange = 10_000n }: ReadWardsParameters): Promise<Ward[]> {
  const guardianAddress = parseAddress(guardian, 'guardian')
  try {
    const latest = await client.getBlockNumber({ cacheTime: 0 })
    const named = new Map<Address, bigint>()
    for (let start = fromBlock; start <= latest; start += blockRange) {
      const end = start + blockRange - 1n < latest ? start + blockRange - 1n : latest
      // The guardian is the second indexed argument of GuardianAdded.
      const raw: RpcLog[] = await client.request({
        method: 'eth_getLogs',
        params: [{ address: ledger, fromBlock: numberToHex(start), toBlock: numberToHex(end), topics: [addedTopic, null, pad(guardianAddress.toLowerCase() as Address)] }]
      })
      for (const log of parseEventLogs({ abi: consentLedgerAbi, logs: raw, eventName: 'GuardianAdded' })) {
        // The node filtered by address and topic; check both again rather than trust a remote answer.
        if (log.address.toLowerCase() !== ledger.toLowerCase() || log.args.guardian.toLowerCase() !== guardianAddress.toLowerCase()) continue
        named.delete(log.args.patient)
        named.set(log.args.patient, log.blockNumber)
      }
    }
    const candidates = [...named.entries()]
    const current = await Promise.all(
      candidates.map(([patient]) => client.readContract({ address: ledger, abi: consentLedgerAbi, functionName: 'isGuardian', args: [patient, guardianAddress], blockNumber: latest }))
    )
    return candidates.filter((_, i) => current[i] === true).map(([patient, namedInBlock]) => ({ patient, namedInBlock }))
  } catch (error) {
    throw toChainError(error, 'read the patients you are a guardian of')
  }
}
