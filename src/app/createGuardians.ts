// The patient's guardians: caregivers who may, when the patient cannot, give a doctor
// emergency access for at most 72 hours. Listed from the ledger; added and removed by the patient.
import { createResource, createSignal, type Accessor } from 'solid-js'
import { addGuardian, readGuardians, removeGuardian, type GuardianRecord } from '../chain/index.ts'
import type { AppStore } from './createAppStore.ts'

export type GuardiansState = { state: 'no-wallet' } | { state: 'loading' } | { state: 'ready'; guardians: GuardianRecord[] } | { state: 'failed'; error: string }

export interface Guardians {
  list: Accessor<GuardiansState>
  /** The address being added or removed, while its transaction is under way. */
  pending: Accessor<string | undefined>
  error: Accessor<string | undefined>
  done: Accessor<string | undefined>
  add(guardian: string): Promise<boolean>
  remove(guardian: string): Promise<void>
}

export function createGuardians(app: AppStore): Guardians {
  const [pending, setPending] = createSignal<string>()
  const [error, setError] = createSignal<string>()
  const [done, setDone] = createSignal<string>()

  const source = () => {
    const config = app.config()
    const wallet = app.wallet()
    const client = app.publicClient()
    if (config.state !== 'ready' || wallet.state !== 'connected' || client === undefined) return undefined
    return { client, wallet: wallet.wallet, ledger: config.config.contracts.consentLedger, fromBlock: BigInt(config.config.contracts.deploymentBlock ?? 0) }
  }
  const [guardians, { refetch }] = createResource(source, (s) => readGuardians(s.client, { ledger: s.ledger, patient: s.wallet.address, fromBlock: s.fromBlock }))

  const list = (): GuardiansState => {
    if (source() === undefined) return { state: 'no-wallet' }
    switch (guardians.state) {
      case 'errored': {
        const e: unknown = guardians.error
        return { state: 'failed', error: e instanceof Error ? e.message : String(e) }
      }
      case 'ready':
      case 'refreshing':
        return { state: 'ready', guardians: guardians.latest }
      default:
        return { state: 'loading' }
    }
  }

  const act = async (guardian: string, action: 'add' | 'remove'): Promise<boolean> => {
    const s = source()
    if (s === undefined) return false
    setPending(guardian)
    setError(undefined)
    setDone(undefined)
    try {
      const write = action === 'add' ? addGuardian : removeGuardian
      await write(s.client, s.wallet.client, { ledger: s.ledger, guardian })
      setDone(action === 'add' ? `${guardian} is now your guardian.` : `${guardian} is no longer your guardian.`)
      await refetch()
      return true
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
      return false
    } finally {
      setPending(undefined)
    }
  }

  return { list, pending, error, done, add: (guardian) => act(guardian.trim(), 'add'), remove: async (guardian) => {
      await act(guardian, 'remove')
    }
  }
}
