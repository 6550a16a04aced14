// The peer a multiaddr names: its last /p2p/ component. A circuit address names the relay first
// and the peer behind it last, so the last one is the peer a connection reaches.
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/**
 * The peer id a multiaddr ends with (its last /p2p/ component), or undefined when it names none or
 * is not a multiaddr at all.
 */
export function peerIdOfAddress(address: string | Multiaddr): string | undefined {
  try {
    const ma = typeof address === 'string' ? multiaddr(address) : address
    return ma.getComponents().findLast((c) => c.code === CODE_P2P)?.value
  } catch {
    return undefined
  }
}
