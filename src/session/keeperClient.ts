// The session's port to keepers (keepers.ts KeeperClient) over this device's node: src/keeper's
// protocol client, speaking as the patient's wallet-bound identity.
import { multiaddr } from '@multiformats/multiaddr'
import { deactivateLink, enrolKeeper, greetKeeper, handEmergencyKeys, keeperStatus, KeeperError, keepFiles, listLinks, removeKeeper, storeLink, takeEmergencyKeys, type KeeperStatus } from '../keeper/index.ts'
import type { P2PNode, WalletIdentity } from '../p2p/index.ts'
import type { EmergencyKeysClient } from './emergencyKeys.ts'
import type { KeeperClient, KeeperReport } from './keepers.ts'

const report = (status: Pick<KeeperStatus, 'keeper' | 'quota' | 'held'> & Partial<Pick<KeeperStatus, 'lastSyncedAt' | 'refusing' | 'files'>>): KeeperReport => ({
  keeper: status.keeper,
  quota: status.quota,
  held: status.held,
  ...(status.lastSyncedAt === undefined || status.lastSyncedAt === null ? {} : { lastSyncedAt: status.lastSyncedAt }),
  ...(status.refusing === undefined ? {} : { stopped: status.refusing }),
  ...(status.files === undefined ? {} : { files: status.files })
})

/** The keeper client of `patient`'s own history on `node`, for the identity the history opened with. */
export function keeperClientOver(node: Pick<P2PNode, 'libp2p'>, patient: string): (identity: WalletIdentity) => KeeperClient {
  return (identity) => {
    const caller = { identity, patient }
    return {
      enrol: async (address, terms) => report(await enrolKeeper(node, address, { ...caller, ...terms })),
      status: async (address) => report(await keeperStatus(node, address, caller)),
      remove: (address) => removeKeeper(node, address, caller),
      keepFiles: async (address, files) => {
        await keepFiles(node, address, caller, files)
      },
      // The emergency card's code loads with the first card published, not with the first screen.
      publishCard: async (addresses, summary, card) => (await import('./emergencyCard.ts')).publishEmergencyCard({ node, keepers: addresses, identity, patient, summary, card }),
      links: {
        store: (address, request) => storeLink(node, address, caller, request),
        list: (address) => listLinks(node, address, caller),
        deactivate: (address, link) => deactivateLink(node, address, caller, link)
      },
      async connect(address) {
        try {
          await node.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(15_000) })
        } catch (cause) {
          throw new KeeperError('KEEPER_UNREACHABLE', 'The keeper could not be reached: it catches up when it is back online.', { cause })
        }
      }
    }
  }
}

/** How this device speaks to a patient's keepers about emergency keys, as `identity` (a guardian's or a treating doctor's). */
export function emergencyKeysClientOver(node: Pick<P2PNode, 'libp2p'>): (identity: WalletIdentity) => EmergencyKeysClient {
  return (identity) => ({
    connect: (address) => greetKeeper(node, address),
    hand: async (addresses, request) =>
      (await handEmergencyKeys(node, addresses, { identity, ...request })).map((answer) => (answer.ok ? { keeper: answer.keeper, ok: true } : { keeper: answer.keeper, ok: false, error: answer.error.message })),
    take: async (address, patient) => (await takeEmergencyKeys(node, address, { identity, patient })).keys
  })
}
