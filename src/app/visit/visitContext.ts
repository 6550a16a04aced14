// The app's node, chain clients and wallet as the visit domain's ports (src/visit/visitPorts.ts):
// the visit logic asks through these, and never sees libp2p or viem clients itself.
import { grant, logVisit, publishEncryptionKey, readEncryptionKey, signVisitRequest, verifyVisitRequest } from '../../chain/index.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { requestVisit, serveVisits, type P2PNode } from '../../p2p/index.ts'
import type { WriteGate } from '../../session/index.ts'
import type { VisitChannel, VisitContext } from '../../visit/index.ts'
import type { LedgerContext } from '../shell/ledgerContext.ts'

/** How long a keeper's address is dialled before the next one is tried. */
const KEEPER_DIAL_TIMEOUT_MS = 15_000

/** This browser's libp2p node as a visit's channel. */
export function visitChannel(node: P2PNode): VisitChannel {
  return {
    peerId: () => node.libp2p.peerId.toString(),
    relay: () => node.status().relay,
    serveVisits: (onVisit) =>
      serveVisits(node.libp2p, (visit) =>
        onVisit({ request: visit.request, from: visit.from.toString(), signal: visit.signal, answer: (answer) => visit.answer(answer) })
      ),
    dial: (address) => node.dial(address),
    dialDirect: async (address) => {
      await node.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(KEEPER_DIAL_TIMEOUT_MS) })
    },
    hangUp: (address) => node.hangUp(address),
    hasDirectConnection: (peer) => node.libp2p.getConnections().some((c) => c.remotePeer.toString() === peer && c.status === 'open' && c.limits == null),
    requestVisit: (address, request, signal) => requestVisit(node.libp2p, address, request, signal)
  }
}

/** The connected wallet, the deployment's contracts and the node, as a visit uses them; its transactions count in `writes`. */
export function visitContext({ client, wallet, config, ledger, registry }: LedgerContext, node: P2PNode, writes: WriteGate): VisitContext {
  // A doctor's request is signed for this deployment: its chain and its consent contract.
  const domain = { chainId: config.chain.id, verifyingContract: ledger }
  return {
    wallet: { address: wallet.address, signVisitRequest: (terms) => signVisitRequest(wallet.client, domain, terms) },
    ledger: {
      chain: { id: config.chain.id, name: config.chain.name },
      readEncryptionKey: async (user) => (await readEncryptionKey(client, { registry, user }))?.key ?? null,
      // A doctor's join publishes only a first key, which the unlock derived as version 1; a
      // replacement is the Settings page's, and a publication under a stale version is refused.
      publishEncryptionKey: (publicKey) => writes.track(() => publishEncryptionKey(client, wallet.client, { registry, publicKey, version: 1 })),
      grant: ({ doctor, expiry, scope }) => writes.track(() => grant(client, wallet.client, { ledger, registry, doctor, expiry, scope })),
      logVisit: (patient) => writes.track(() => logVisit(client, wallet.client, { ledger, patient })),
      verifyVisitRequest: (terms) => verifyVisitRequest(client, domain, terms)
    },
    channel: visitChannel(node),
    relays: config.relays
  }
}
