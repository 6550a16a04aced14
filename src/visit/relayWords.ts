// The relay's state in the words the visit's messages use.
import type { RelayState } from './visitPorts.ts'

/** How a message completes "not connected to the relay (…)". */
export const relayWords = (state: RelayState): string =>
  state === 'none' ? 'none is configured' : state === 'connecting' ? 'still connecting' : state === 'unreachable' ? 'it is unreachable' : 'reserved'
