// "Now" for checking an expiry before sending: the later of the chain's latest block time and
// this device's clock, since the transaction lands in a block at least that late.
import { toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/**
 * "Now" in unix seconds for checking an expiry before sending: the later of the latest block's
 * time and this device's clock.
 *
 * @throws {ChainError} When the latest block cannot be read (`CHAIN_UNREACHABLE`, `TRANSACTION_FAILED`).
 */
export async function chainNow(client: ChainClient): Promise<bigint> {
  let latest: bigint
  try {
    latest = (await client.getBlock({ blockTag: 'latest' })).timestamp
  } catch (error) {
    throw toChainError(error, "read the chain's time")
  }
  const clock = BigInt(Math.floor(Date.now() / 1000))
  return latest > clock ? latest : clock
}
