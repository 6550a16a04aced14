// The read side of the chain: one viem client per deployment, built from config.json, with the
// actions src/chain uses and no others: viem's whole public client would put some 30 KB (gzip) of
// actions the app never calls (ENS, multicall, call simulation, SIWE) on the first screen.
import { createClient, defineChain, http, type Chain, type Client, type PublicActions } from 'viem'
import { getBlock, getBlockNumber, getChainId, readContract, simulateContract, waitForTransactionReceipt, watchBlockNumber } from 'viem/actions'

/**
 * A deployment's chain as config.json names it: its chain id, a name to show, the RPC URL
 * and, optionally, a block explorer's URL.
 */
export interface ChainSettings {
  id: number
  name: string
  rpcUrl: string
  explorer?: string
}

/** The viem chain for a deployment's settings, with ether as its currency. */
export function chainFromSettings(settings: ChainSettings): Chain {
  return defineChain({
    id: settings.id,
    name: settings.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [settings.rpcUrl] } },
    ...(settings.explorer === undefined ? {} : { blockExplorers: { default: { name: 'Explorer', url: settings.explorer } } })
  })
}

/** The public actions src/chain calls. */
type ChainActions = Pick<
  PublicActions,
  'getBlock' | 'getBlockNumber' | 'getChainId' | 'readContract' | 'simulateContract' | 'waitForTransactionReceipt' | 'watchBlockNumber'
>

/** A client that reads a deployment's chain: viem's client with the public actions src/chain calls. */
export type ChainClient = Client & ChainActions

/**
 * The client that reads a deployment's chain. It fails fast (no retries, a 4 s timeout)
 * so the status strip can say "unreachable" within seconds, and polls every second.
 */
export function createChainClient(settings: ChainSettings): ChainClient {
  const client = createClient({
    chain: chainFromSettings(settings),
    // Fail fast: the status strip must say "unreachable" within seconds, and it retries on its own.
    transport: http(settings.rpcUrl, { retryCount: 0, timeout: 4_000 }),
    pollingInterval: 1_000
  })
  // viem's own actions, bound to this client as its public client binds them; their generic
  // signatures are PublicActions' own, which the bound forms cannot restate.
  const actions = {
    getBlock: (args?: Parameters<typeof getBlock>[1]) => getBlock(client, args),
    getBlockNumber: (args?: Parameters<typeof getBlockNumber>[1]) => getBlockNumber(client, args),
    getChainId: () => getChainId(client),
    readContract: (args: Parameters<typeof readContract>[1]) => readContract(client, args),
    simulateContract: (args: Parameters<typeof simulateContract>[1]) => simulateContract(client, args),
    waitForTransactionReceipt: (args: Parameters<typeof waitForTransactionReceipt>[1]) => waitForTransactionReceipt(client, args),
    watchBlockNumber: (args: Parameters<typeof watchBlockNumber>[1]) => watchBlockNumber(client, args)
  } satisfies Record<keyof ChainActions, unknown>
  return Object.assign(client, actions as unknown as ChainActions)
}
