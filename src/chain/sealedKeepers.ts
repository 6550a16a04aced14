// The patient's keeper list on the key registry, sealed to their own key (src/crypto keeperList.ts):
// written when the patient enrols or removes a keeper, read by a new device that has only the wallet.
import { bytesToHex, getAddress, hexToBytes, isAddress, type Address, type Hash, type WalletClient } from 'viem'
import { getContractEvents } from 'viem/actions'
import { keyRegistryAbi } from './abi.generated.ts'
import { ChainError, toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/** The longest sealed list the registry keeps (KeyRegistry.MAX_SEALED_KEEPERS). */
const MAX_SEALED_BYTES = 1024

/**
 * Leaves `sealed` on the key registry as the connected account's keeper list (empty bytes clear it)
 * and waits for the transaction to be mined.
 *
 * @throws {ChainError} `INVALID_INPUT` for more than 1,024 bytes, `WALLET_UNAVAILABLE` without a connected
 *   account, and `WALLET_REJECTED`, `CONTRACT_REVERTED`, `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` from the transaction.
 */
export async function writeSealedKeepers(publicClient: ChainClient, walletClient: WalletClient, { registry, sealed }: { registry: Address; sealed: Uint8Array }): Promise<{ transactionHash: Hash; blockNumber: bigint }> {
  if (sealed.length > MAX_SEALED_BYTES) throw new ChainError('INVALID_INPUT', `A sealed keeper list has at most ${MAX_SEALED_BYTES} bytes; this one has ${sealed.length}.`)
  const account = walletClient.account
  if (account === undefined) throw new ChainError('WALLET_UNAVAILABLE', 'Connect a wallet before saving your keepers.')
  try {
    const { request } = await publicClient.simulateContract({ account, address: registry, abi: keyRegistryAbi, functionName: 'sealKeepers', args: [bytesToHex(sealed)] })
    const transactionHash = await walletClient.writeContract(request)
    const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash, pollingInterval: 250 })
    if (receipt.status !== 'success') throw new ChainError('TRANSACTION_FAILED', 'Saving your keepers was mined but failed.', { details: transactionHash })
    return { transactionHash, blockNumber: receipt.blockNumber }
  } catch (error) {
    throw toChainError(error, 'save your keepers')
  }
}

/**
 * The keeper list `user` left sealed on the key registry, or undefined when they left none (or cleared it):
 * the last KeepersSealed event of theirs in the block the registry names.
 *
 * @throws {ChainError} `INVALID_ADDRESS` when `user` is not an address, `INVALID_RESPONSE` when the provider
 *   answers with no such event, or one of another account or with more bytes than the registry keeps (a
 *   provider that lies), and `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when it cannot be read.
 */
export async function readSealedKeepers(client: ChainClient, { registry, user }: { registry: Address; user: string }): Promise<Uint8Array | undefined> {
  if (!isAddress(user)) throw new ChainError('INVALID_ADDRESS', `"${user}" is not an Ethereum address (0x followed by 40 hex digits).`)
  const account = getAddress(user)
  let logs
  try {
    const at = await client.readContract({ address: registry, abi: keyRegistryAbi, functionName: 'keepersSealedAt', args: [account] })
    if (at === 0n) return undefined
    logs = await getContractEvents(client, { address: registry, abi: keyRegistryAbi, eventName: 'KeepersSealed', args: { user: account }, fromBlock: at, toBlock: at, strict: true })
  } catch (error) {
    throw toChainError(error, 'read your keepers')
  }
  const latest = logs.filter((log) => log.args.user === account).sort((a, b) => a.logIndex - b.logIndex).at(-1)
  if (latest === undefined) throw new ChainError('INVALID_RESPONSE', 'The chain provider did not return the keeper list the registry says is there. Try another provider.')
  const bytes = hexToBytes(latest.args.list)
  if (bytes.length > MAX_SEALED_BYTES) throw new ChainError('INVALID_RESPONSE', `The chain provider answered with a keeper list of ${bytes.length} bytes, more than the registry keeps.`)
  return bytes.length === 0 ? undefined : bytes
}
