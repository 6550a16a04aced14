// The read side of the chain: one viem public client per deployment, built from config.json.
import { createPublicClient, defineChain, http, type Chain, type PublicClient } from 'viem'

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

/**
 * The public client that reads a deployment's chain. It fails fast (no retries, a 4 s timeout)
 * so the status strip can say "unreachable" within seconds, and polls every second.
 */
export function createChainClient(settings: ChainSettings): PublicClient {
  return createPublicClient({
    chain: chainFromSettings(settings),
    // Fail fast: the status strip must say "unreachable" within seconds, and it retries on its own.
    transport: http(settings.rpcUrl, { retryCount: 0, timeout: 4_000 }),
    pollingInterval: 1_000
  })
}
