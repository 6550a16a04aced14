// Polls the node so the status strip reflects reality: connected with the latest
// block, or unreachable (and retrying) within a few seconds of the node going away.
import type { PublicClient } from 'viem'
import { errorMessage } from '../errors/index.ts'

export type ChainStatus =
  | { state: 'connecting'; rpcUrl: string }
  | { state: 'connected'; rpcUrl: string; chainId: number; blockNumber: bigint }
  | { state: 'wrong-chain'; rpcUrl: string; chainId: number; expected: number }
  | { state: 'unreachable'; rpcUrl: string; error: string }

export interface WatchChainStatusOptions {
  client: PublicClient
  rpcUrl: string
  expectedChainId: number
  onStatus: (status: ChainStatus) => void
  intervalMs?: number
}

/** Starts polling; returns a function that stops it. */
export function watchChainStatus({ client, rpcUrl, expectedChainId, onStatus, intervalMs = 1_500 }: WatchChainStatusOptions): () => void {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let chainId: number | undefined

  const tick = async (): Promise<void> => {
    try {
      chainId ??= await client.getChainId()
      if (chainId !== expectedChainId) {
        onStatus({ state: 'wrong-chain', rpcUrl, chainId, expected: expectedChainId })
        chainId = undefined
      } else {
        const blockNumber = await client.getBlockNumber({ cacheTime: 0 })
        if (!stopped) onStatus({ state: 'connected', rpcUrl, chainId, blockNumber })
      }
    } catch (error) {
      // A restarted node may be a different chain: ask again once it answers.
      chainId = undefined
      if (!stopped) onStatus({ state: 'unreachable', rpcUrl, error: errorMessage(error) })
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs)
  }

  onStatus({ state: 'connecting', rpcUrl })
  void tick()
  return () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
  }
}
