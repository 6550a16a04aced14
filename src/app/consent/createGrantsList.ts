// The patient's live grants as the ledger holds them, with revocation (src/session revokeGrant,
// which moves the history to a new key): signals for the page.
import { createResource, createSignal, type Accessor } from 'solid-js'
import type { GrantRecord } from '../../chain/index.ts'
import { chainLedger, loadRevocation } from '../../session/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import type { HistorySession } from '../session/createHistorySession.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState, type LoadState } from '../ui/loadState.ts'

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
  const [grants, { refetch }] = createResource(source, async (s) => (await loadRevocation()).liveGrants(chainLedger(s), s.wallet.address))

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
      const { revokeGrant } = await loadRevocation()
      // The revocation and the rotation after it are one write: a new version does not reload between them.
      const outcome = await app.writes.track(() => revokeGrant({
        ledger: chainLedger(s),
        patient: s.wallet.address,
        doctor,
        // The key moves only where the history is open: open it (the wallet may be asked) to rotate.
        openOwn: async () => {
          if (session !== undefined && session.own() === undefined) await session.unlock()
          return session?.own()
        }
      }))
      if (!outcome.revoked) {
        setError(outcome.error)
        setRevoking(undefined)
        return
      }
      setNotice(outcome.notice)
      setError(outcome.error)
      try {
        await refetch()
      } finally {
        setRevoking(undefined)
      }
    }
  }
}
