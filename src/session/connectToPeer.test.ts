import { describe, expect, it } from 'vitest'
import { connectToPeer } from './connectToPeer.ts'

describe('connecting to another peer by its address', () => {
  const address = '/ip4/10.0.0.2/tcp/9090/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc/p2p/12D3KooWPeer'

  it('dials the trimmed address and says whether the connection is direct', async () => {
    const dialled: string[] = []
    const node = { dial: (to: string) => (dialled.push(to), Promise.resolve({ direct: true })) }
    await expect(connectToPeer(node, `  ${address}\n`)).resolves.toEqual({ direct: true, text: 'Connected directly (WebRTC), not through the relay.' })
    expect(dialled).toEqual([address])
  })

  it('says when only the relay connects the two', async () => {
    const result = await connectToPeer({ dial: () => Promise.resolve({ direct: false }) }, address)
    expect(result.text).toBe('Connected through the relay only.')
  })

  it('refuses before the node has started, or without an address, and dials nothing', async () => {
    let dials = 0
    const node = { dial: () => (dials++, Promise.resolve({ direct: true })) }
    await expect(connectToPeer(undefined, address)).rejects.toThrow('has not started')
    await expect(connectToPeer(node, '   ')).rejects.toThrow('Enter the address')
    expect(dials).toBe(0)
  })

  it('passes the dial\'s own failure on', async () => {
    await expect(connectToPeer({ dial: () => Promise.reject(new Error('no route to the relay')) }, address)).rejects.toThrow('no route to the relay')
  })
})
