// The patient's guardians: caregivers who may, when the patient cannot, give a doctor
// emergency access for at most 72 hours. Listed from the ledger; added and removed by the patient.
import { createResource, createSignal, type Accessor } from 'solid-js'
import { addGuardian, readGuardians, removeGuardian, type GuardianRecord } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState, type LoadState } from '../ui/loadState.ts'

export interface Guardians {
  list: Accessor<LoadState<GuardianRecord[]>>
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
  const source = () => ledgerContext(app)
  const [guardians, { refetch }] = createResource(source, (s) => readGuardians(s.client, { ledger: s.ledger, patient: s.wallet.address, fromBlock: s.fromBlock }))

  const act = async (guardian: string, action: 'add' | 'remove'): Promise<boolean> => {
    const s = source()
    if (s === undefined) return false
    setPending(guardian)
    setError(undefined)
    setDone(undefined)
    try {
      const write = action === 'add' ? addGuardian : removeGuardian
      await app.writes.track(() => write(s.client, s.wallet.client, { ledger: s.ledger, guardian }))
      setDone(action === 'add' ? `${guardian} is now your guardian.` : `${guardian} is no longer your guardian.`)
      await refetch()
      return true
    } catch (e) {
      setError(errorMessage(e))
      return false
    } finally {
      setPending(undefined)
    }
  }

  return {
    list: () => loadState(guardians, source() !== undefined),
    pending,
    error,
    done,
    add: (guardian) => act(guardian.trim(), 'add'),
    remove: async (guardian) => {
      await act(guardian, 'remove')
    }
  }
}
