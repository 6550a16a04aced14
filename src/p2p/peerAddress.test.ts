import { describe, expect, it } from 'vitest'
import { peerIdOfAddress } from './peerAddress.ts'

const RELAY = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const PEER = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

describe('the peer an address names', () => {
  it('is the last /p2p/ of a circuit address, not its relay', () => {
    expect(peerIdOfAddress(`/ip4/127.0.0.1/tcp/4001/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`)).toBe(PEER)
  })

  it('is the only /p2p/ of a direct address', () => {
    expect(peerIdOfAddress(`/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`)).toBe(PEER)
  })

  it('is undefined for an address that names no peer, and for text that is no address', () => {
    expect(peerIdOfAddress('/ip4/127.0.0.1/tcp/4002/ws')).toBeUndefined()
    expect(peerIdOfAddress('not an address')).toBeUndefined()
    expect(peerIdOfAddress('/p2p/')).toBeUndefined()
  })
})
