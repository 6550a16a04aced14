// What a node remembers of peers that broke the sync protocol's rules: each is disconnected and
// held off for a while (no connection in, none out, no request answered), so a peer that floods,
// lies or sends garbage costs this device one exchange, not one per retry. Listeners hear of each
// misbehaviour, so the patient can be told.
import type { PeerId } from '@libp2p/interface'

/** How long a peer that broke a rule is held off, by default. */
export const HOLD_OFF_MS = 5 * 60_000

/** One rule a peer broke, as the patient is told of it. */
export interface Misconduct {
  peer: string
  /** What the peer did, in words. */
  reason: string
  /** When it is let back in (ms since the epoch). */
  until: number
}

/** A node's record of misbehaving peers. */
export interface PeerConduct {
  /**
   * Records that `peer` broke a rule: it is held off for the hold-off time from now, its
   * connections are closed (by the node, which listens), and listeners are told.
   */
  misbehaved(peer: PeerId | string, reason: string): void
  /** Whether `peer` is held off now. */
  heldOff(peer: PeerId | string): boolean
  /** Hears of each misbehaviour; returns the unsubscribe. */
  subscribe(listener: (misconduct: Misconduct) => void): () => void
}

/** A peer conduct record; `now` and the hold-off time are injectable for tests. */
export function createPeerConduct(options: { holdOffMs?: number; now?: () => number } = {}): PeerConduct {
  const holdOffMs = options.holdOffMs ?? HOLD_OFF_MS
  const now = options.now ?? Date.now
  const until = new Map<string, number>()
  const listeners = new Set<(misconduct: Misconduct) => void>()

  const heldOff = (peer: PeerId | string): boolean => {
    const key = peer.toString()
    const end = until.get(key)
    if (end === undefined) return false
    if (end > now()) return true
    until.delete(key)
    return false
  }

  return {
    misbehaved: (peer, reason) => {
      const key = peer.toString()
      const end = now() + holdOffMs
      until.set(key, end)
      for (const listener of listeners) {
        try {
          listener({ peer: key, reason, until: end })
        } catch (error) {
          console.error('A peer conduct listener failed:', error)
        }
      }
    },
    heldOff,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
