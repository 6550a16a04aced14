// The read side of the chain: one viem public client per deployment, built from config.json.
import { createPublicClient, defineChain, http, type Chain, type PublicClient } from 'viem'

export interface ChainSettings {
  id: number
  name: string
  rpcUrl: string
  explorer?: string
}

export function chainFromSettings(settings: ChainSettings): Chain {
  return defineChain({
    id: settings.id,
    name: settings.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [settings.rpcUrl] } },
    ...(settings.explorer === undefined ? {} : { blockExplorers: { default: { name: 'Explorer', url: settings.explorer } } })
  })
}

export function createChainClient(settings: ChainSettings): PublicClient {
  return createPublicClient({
    chain: chainFromSettings(settings),
    // Fail fast: the status strip must say "unreachable" within seconds, and it retries on its own.
    transport: http(settings.rpcUrl, { retryCount: 0, timeout: 4_000 }),
    pollingInterval: 1_000
  })
}
