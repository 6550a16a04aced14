// What every wallet signature of the app names: this page's origin, and the deployment's chain
// and key registry from config.json. A copy of the app elsewhere names another, and its
// signatures derive other keys.
import type { SigningDomain } from '../../session/index.ts'
import type { LedgerContext } from '../shell/ledgerContext.ts'

/** The signing domain of this page on the deployment `context` names. */
export function appSigningDomain(context: Pick<LedgerContext, 'config' | 'registry'>): SigningDomain {
  return { origin: globalThis.location.origin, chainId: context.config.chain.id, verifyingContract: context.registry }
}
