// The patient's live grants as the ledger holds them, with revocation.
import { createResource, createSignal, type Accessor } from 'solid-js'
import { readGrants, revoke, type GrantRecord } from '../../chain/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import type { HistorySession } from '../session/createHistorySession.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState, type LoadState } from '../ui/loadState.ts'
import { markRotated, rotateHistoryKey } from '../session/rotateHistoryKey.ts'

export interface GrantsList {
  list: Accessor<LoadState<GrantRecord[]>>
  revoking: Accessor<string | undefined>
  error: Accessor<string | undefined>
  /** What the last revocation did, in words for the patient. */
  notice: Accessor<string | undefined>
  refresh(): Promise<void>
  revoke(doctor: string): Promise<void>
}

export function createGrantsList(app: AppStore, session?: HistorySession): GrantsList {
  const [revoking, setRevoking] = createSignal<string>()
  const [error, setError] = createSignal<string>()
  const [notice, setNotice] = createSignal<string>()
  const source = () => ledgerContext(app)
  const [grants, { refetch }] = createResource(source, async (s) =>
    (await readGrants(s.client, { ledger: s.ledger, patient: s.wallet.address, fromBlock: s.fromBlock })).filter((g) => g.live)
  )

  return {
    list: () => loadState(grants, source() !== undefined),
    revoking,
    error,
    notice,
    refresh: async () => {
      await refetch()
    },
    revoke: async (doctor) => {
      const s = source()
      if (s === undefined) return
      setRevoking(doctor)
      setError(undefined)
      setNotice(undefined)
      try {
        await revoke(s.client, s.wallet.client, { ledger: s.ledger, doctor })
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e))
        setRevoking(undefined)
        return
      }
      try {
        // The key moves only where the history is open: open it (the wallet may be asked) to rotate.
        if (session !== undefined && session.own() === undefined) await session.unlock()
        const own = session?.own()
        if (own !== undefined) {
          // From now on the revoked doctor's entries are refused, and new records go under a key they never get;
          // the doctors who keep a live grant get the new key, in a key drop their next sync brings.
          const { epoch, handedTo } = await rotateHistoryKey(s, own, doctor)
          markRotated(s.wallet.address)
          setNotice(
            `Access revoked. Your history now uses a new key (epoch ${epoch}) that ${doctor} does not have, and their new entries are refused.` +
              (handedTo > 0 ? ` The ${handedTo === 1 ? 'doctor' : `${handedTo} doctors`} who keep access ${handedTo === 1 ? 'gets' : 'get'} the new key.` : '') +
              ' What they already saw cannot be unseen.'
          )
        } else {
          setNotice(`Access revoked: ${doctor} can no longer add to your history. Your history could not be opened here, so it still uses its current key. What they already saw cannot be unseen.`)
        }
      } catch (e) {
        setError(`Access was revoked on-chain, but your history could not move to a new key: ${e instanceof Error ? e.message : String(e)}`)
      } finally {
        await refetch()
        setRevoking(undefined)
      }
    }
  }
}
