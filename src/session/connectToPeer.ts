// Connecting this device to another peer by its address: another device of the patient's
// that holds a copy of the history, or a doctor's. The dial itself is the p2p node's.

/** The part of the p2p node a connection needs. */
export interface PeerDialer {
  dial(address: string): Promise<{ direct: boolean }>
}

/** The outcome of a connection, in words for the person who asked for it. */
export interface PeerConnection {
  /** True when the connection is direct (WebRTC), false when it goes through the relay only. */
  direct: boolean
  /** What to tell the person. */
  text: string
}

/**
 * Dials a peer by the address it shows (Settings → "This device's address").
 *
 * @param node - This device's p2p node, or undefined before it has started.
 * @param address - The peer's multiaddr; surrounding white space is ignored.
 * @throws {Error} When the node has not started, the address is empty, or the dial fails (the dial's own error).
 */
export async function connectToPeer(node: PeerDialer | undefined, address: string): Promise<PeerConnection> {
  if (node === undefined) throw new Error('The peer-to-peer node has not started yet.')
  const trimmed = address.trim()
  if (trimmed === '') throw new Error('Enter the address the other device shows.')
  const { direct } = await node.dial(trimmed)
  return { direct, text: direct ? 'Connected directly (WebRTC), not through the relay.' : 'Connected through the relay only.' }
}
