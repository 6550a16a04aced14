// The patient revokes a doctor's access: the ledger's transaction first, then the history moves
// to a new key the revoked doctor never gets (the doctors who keep access get it in a key drop).
import type { GrantRecord } from '../chain/index.ts'
import { errorMessage } from '../errors/index.ts'
import { rotateHistoryKey, type RotatableHistory } from './rotateHistoryKey.ts'
import type { SessionLedger } from './sessionPorts.ts'

/** The grants of `patient` still live, as the ledger holds them. */
export async function liveGrants(ledger: Pick<SessionLedger, 'readGrants'>, patient: string): Promise<GrantRecord[]> {
  return (await ledger.readGrants(patient)).filter((g) => g.live)
}

/** What a revocation did: refused on-chain (nothing changed), or revoked, with words for the patient. */
export type Revocation =
  | { revoked: false; error: string; notice?: undefined }
  | { revoked: true; notice: string; error?: undefined }
  | { revoked: true; notice?: undefined; error: string }

export interface RevokeGrantInput {
  ledger: Pick<SessionLedger, 'revoke' | 'readAccess' | 'readEncryptionKey'>
  patient: string
  doctor: string
  /** The patient's own history, opened for the rotation (the wallet may be asked); undefined when it cannot be opened here. */
  openOwn(): Promise<RotatableHistory | undefined>
}

/** Revokes `doctor`'s access and rotates the history's key; never throws. */
export async function revokeGrant(input: RevokeGrantInput): Promise<Revocation> {
  const { doctor } = input
  try {
    await input.ledger.revoke(doctor)
  } catch (error) {
    return { revoked: false, error: errorMessage(error) }
  }
  try {
    // The key moves only where the history is open.
    const own = await input.openOwn()
    if (own === undefined) {
      return {
        revoked: true,
        notice: `Access revoked: ${doctor} can no longer add to your history. Your history could not be opened here, so it still uses its current key; it moves to a new one the next time it is opened. What they already saw cannot be unseen.`
      }
    }
    // From now on the revoked doctor's entries are refused, and new records go under a key they never get;
    // the doctors who keep a live grant get the new key, in a key drop their next sync brings.
    // Should this fail or the page close first, the next open of the history finds the revocation on the ledger and moves on then.
    const { epoch, handedTo } = await rotateHistoryKey(input.ledger, input.patient, own, doctor)
    return {
      revoked: true,
      notice:
        `Access revoked. Your history now uses a new key (epoch ${epoch}) that ${doctor} does not have, and their new entries are refused.` +
        (handedTo > 0 ? (handedTo === 1 ? ' The doctor who keeps access gets the new key.' : ` The ${handedTo} doctors who keep access get the new key.`) : '') +
        ' What they already saw cannot be unseen.'
    }
  } catch (error) {
    return { revoked: true, error: `Access was revoked on-chain, but your history could not move to a new key yet (it will when it is next opened): ${errorMessage(error)}` }
  }
}
