// A contract wallet's signature (ERC-1271), which only the chain can check: loaded on demand, as
// most doctors sign with a plain account, checked without the chain.
import { verifyMessage } from 'viem/actions'
import type { Address, Hex } from 'viem'
import type { ChainClient } from './client.ts'

/** Whether the contract wallet at `address` accepts `signature` over `message`, as the chain's RPC says. */
export async function verifyContractWalletMessage(client: ChainClient, address: Address, message: string, signature: Hex): Promise<boolean> {
  return await verifyMessage(client, { address, message, signature })
}
