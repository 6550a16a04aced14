import { describe, expect, it } from 'vitest'
import { claimWriter, type ChannelLike, type LockManagerLike } from './writerLock.ts'

/** Web Locks for one origin, and a BroadcastChannel between its tabs. */
function browser(): { locks: LockManagerLike; channel: (name: string) => ChannelLike } {
  const held = new Set<string>()
  const queues = new Map<string, (() => void)[]>()
  const channels = new Set<{ name: string; deliver(message: unknown): void }>()
  return {
    locks: {
      async request(name, options, callback) {
        if (held.has(name)) {
          if (options.ifAvailable === true) return await callback(null)
          await new Promise<void>((resolve) => {
            queues.set(name, [...(queues.get(name) ?? []), resolve])
          })
        }
        held.add(name)
        try {
          return await callback({ name })
        } finally {
          held.delete(name)
          queues.get(name)?.shift()?.()
        }
      }
    },
    channel: (name) => {
      const listeners: ((event: { data: unknown }) => void)[] = []
      const self = { name, deliver: (message: unknown) => listeners.forEach((l) => l({ data: message })) }
      channels.add(self)
      return {
        postMessage: (message) => {
          for (const other of channels) if (other !== self && other.name === name) other.deliver(message)
        },
        addEventListener: (_type, listener) => listeners.push(listener),
        close: () => channels.delete(self)
      }
    }
  }
}

describe('claimWriter', () => {
  it('makes the first tab the writer and the next one a reader that takes over when the writer releases', async () => {
    const options = browser()
    const first = await claimWriter('log', options)
    const second = await claimWriter('log', options)
    expect([first.writer, second.writer]).toEqual([true, false])
    const promoted = new Promise<void>((resolve) => second.onPromoted(resolve))
    first.release()
    await promoted
    expect(second.writer).toBe(true)
    second.release()
  })

  it('carries messages between the tabs of one log', async () => {
    const options = browser()
    const first = await claimWriter('log', options)
    const second = await claimWriter('log', options)
    const heard: unknown[] = []
    first.onMessage((message) => heard.push(message))
    second.post({ type: 'append', id: 'x' })
    expect(heard).toEqual([{ type: 'append', id: 'x' }])
    first.release()
    second.release()
  })

  it('writes alone where there is no Web Locks API', async () => {
    const role = await claimWriter('log', { locks: null, channel: null })
    expect(role.writer).toBe(true)
    role.release()
  })
})
