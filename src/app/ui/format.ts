// Short, readable forms of long identifiers for the UI; the full value stays available in titles.
export { shortAddress } from '../../chain/index.ts'

export function shortPeerId(peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}
