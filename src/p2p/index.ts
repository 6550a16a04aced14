// The p2p domain: the browser's Helia/libp2p node, its relay reservation and
// direct WebRTC connections to other peers.
export { startP2PNode } from './node.ts'
export type { P2PNode, P2PServices, P2PHelia, P2PStatus, StartP2PNodeOptions } from './node.ts'
export { P2PError } from './p2pError.ts'
export type { P2PErrorCode } from './p2pError.ts'
