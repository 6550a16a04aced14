// Polls the node so the status strip reflects reality: connected with the latest
// block, or unreachable (and retrying) within a few seconds of the node going away.
import { errorMessage } from '../errors/index.ts'
import type { ChainClient } from './client.ts'

/**
 * What the status strip shows of the node: still connecting, connected (with the latest
 * block), on the wrong chain, or unreachable (and retrying).
 */
export type ChainStatus =
  | { state: 'connecting'; rpcUrl: string }
  | { state: 'connected'; rpcUrl: string; chainId: number; blockNumber: bigint }
  | { state: 'wrong-chain'; rpcUrl: string; chainId: number; expected: number }
  | { state: 'unreachable'; rpcUrl: string; error: string }

/** What {@link watchChainStatus} needs: the client to poll, the chain it should be on, and where to report. */
export interface WatchChainStatusOptions {
  client: ChainClient
  rpcUrl: string
  expectedChainId: number
  onStatus: (status: ChainStatus) => void
  intervalMs?: number
}

/**
 * Polls the node every `intervalMs` (default 1.5 s) and reports its status: `connecting` at
 * once, then `connected`, `wrong-chain` or `unreachable` after every poll: a failed poll is
 * reported, not thrown.
 *
 * @returns The function that stops polling.
 */
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
