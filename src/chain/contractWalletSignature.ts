// A contract wallet's signature (ERC-1271), which only the chain can check: loaded on demand, as
// most doctors sign with a plain account, checked without the chain.
import { verifyTypedData } from 'viem/actions'
import type { Address, Hex, TypedDataDefinition } from 'viem'
import type { ChainClient } from './client.ts'

/** Whether the contract wallet at `address` accepts `signature` over `typedData` (EIP-712), as the chain's RPC says. */
export async function verifyContractWalletTypedData(client: ChainClient, address: Address, typedData: TypedDataDefinition, signature: Hex): Promise<boolean> {
  return await verifyTypedData(client, { address, signature, ...typedData })
}
