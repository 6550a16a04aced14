import type { PublicClient } from 'viem'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { watchChainStatus, type ChainStatus } from './watchChainStatus.ts'

/** A node that can be switched off and on, and whose chain id can change, as anvil's can on restart. */
function fakeNode() {
  const node = { up: true, chainId: 31337, block: 5n }
  const client = {
    getChainId: () => (node.up ? Promise.resolve(node.chainId) : Promise.reject(new Error('fetch failed'))),
    getBlockNumber: () => (node.up ? Promise.resolve(node.block) : Promise.reject(new Error('fetch failed')))
  } as unknown as PublicClient
  return { node, client }
}

describe('watchChainStatus', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('reports connected with the latest block, unreachable when the node goes away, and recovers', async () => {
    const { node, client } = fakeNode()
    const seen: ChainStatus[] = []
    const stop = watchChainStatus({ client, rpcUrl: 'http://127.0.0.1:8545', expectedChainId: 31337, onStatus: (s) => seen.push(s), intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(0)
    expect(seen.at(-1)).toEqual({ state: 'connected', rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, blockNumber: 5n })

    node.block = 6n
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen.at(-1)).toMatchObject({ state: 'connected', blockNumber: 6n })

    node.up = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen.at(-1)).toMatchObject({ state: 'unreachable', rpcUrl: 'http://127.0.0.1:8545' })

    node.up = true
    node.block = 0n
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen.at(-1)).toMatchObject({ state: 'connected', blockNumber: 0n })
    stop()
  })

  it('says so when the node is on another chain than the deployment', async () => {
    const { node, client } = fakeNode()
    node.chainId = 1
    const seen: ChainStatus[] = []
    const stop = watchChainStatus({ client, rpcUrl: 'http://x', expectedChainId: 31337, onStatus: (s) => seen.push(s) })
    await vi.advanceTimersByTimeAsync(0)
    expect(seen.at(-1)).toEqual({ state: 'wrong-chain', rpcUrl: 'http://x', chainId: 1, expected: 31337 })
    stop()
  })

  it('stops polling when stopped', async () => {
    const { client } = fakeNode()
    const onStatus = vi.fn()
    const stop = watchChainStatus({ client, rpcUrl: 'http://x', expectedChainId: 31337, onStatus, intervalMs: 1000 })
    await vi.advanceTimersByTimeAsync(0)
    stop()
    const calls = onStatus.mock.calls.length
    await vi.advanceTimersByTimeAsync(5000)
    expect(onStatus.mock.calls.length).toBe(calls)
  })
})
