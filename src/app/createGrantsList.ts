// The patient's live grants as the ledger holds them, with revocation.
import { createResource, createSignal, type Accessor } from 'solid-js'
import { readGrants, revoke, type GrantRecord } from '../chain/index.ts'
import type { AppStore } from './createAppStore.ts'
import { ledgerContext, loadState, type LoadState } from './ledgerContext.ts'

export interface GrantsList {
  list: Accessor<LoadState<GrantRecord[]>>
  revoking: Accessor<string | undefined>
  error: Accessor<string | undefined>
  refresh(): Promise<void>
  revoke(doctor: string): Promise<void>
}

export function createGrantsList(app: AppStore): GrantsList {
  const [revoking, setRevoking] = createSignal<string>()
  const [error, setError] = createSignal<string>()
  const source = () => ledgerContext(app)
  const [grants, { refetch }] = createResource(source, async (s) =>
    (await readGrants(s.client, { ledger: s.ledger, patient: s.wallet.address, fromBlock: s.fromBlock })).filter((g) => g.live)
  )

  return {
    list: () => loadState(grants, source() !== undefined),
    revoking,
    error,
    refresh: async () => {
      await refetch()
    },
    revoke: async (doctor) => {
      const s = source()
      if (s === undefined) return
      setRevoking(doctor)
      setError(undefined)
      try {
        await revoke(s.client, s.wallet.client, { ledger: s.ledger, doctor })
        await refetch()
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e))
      } finally {
        setRevoking(undefined)
      }
    }
  }
}
