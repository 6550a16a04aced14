// The patient's grants as the ledger holds them, with revocation.
import { createResource, createSignal, type Accessor } from 'solid-js'
import { readGrants, revoke, type GrantRecord } from '../chain/index.ts'
import type { AppStore } from './createAppStore.ts'

export type GrantsState = { state: 'no-wallet' } | { state: 'loading' } | { state: 'ready'; grants: GrantRecord[] } | { state: 'failed'; error: string }

export interface GrantsList {
  list: Accessor<GrantsState>
  revoking: Accessor<string | undefined>
  error: Accessor<string | undefined>
  refresh(): Promise<void>
  revoke(doctor: string): Promise<void>
}

export function createGrantsList(app: AppStore): GrantsList {
  const [revoking, setRevoking] = createSignal<string>()
  const [error, setError] = createSignal<string>()
  const source = () => {
    const config = app.config()
    const wallet = app.wallet()
    const client = app.publicClient()
    if (config.state !== 'ready' || wallet.state !== 'connected' || client === undefined) return undefined
    return { client, wallet: wallet.wallet, ledger: config.config.contracts.consentLedger, fromBlock: BigInt(config.config.contracts.deploymentBlock ?? 0) }
  }
  const [grants, { refetch }] = createResource(source, (s) => readGrants(s.client, { ledger: s.ledger, patient: s.wallet.address, fromBlock: s.fromBlock }))

  const list = (): GrantsState => {
    if (source() === undefined) return { state: 'no-wallet' }
    switch (grants.state) {
      case 'errored': {
        const e: unknown = grants.error
        return { state: 'failed', error: e instanceof Error ? e.message : String(e) }
      }
      case 'ready':
      case 'refreshing':
        return { state: 'ready', grants: grants.latest.filter((g) => g.live) }
      default:
        return { state: 'loading' }
    }
  }

  return {
    list,
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
