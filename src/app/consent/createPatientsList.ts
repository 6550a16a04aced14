// A doctor's patients: whoever granted the connected wallet access, as the ledger holds it now.
import { createResource, type Accessor } from 'solid-js'
import { readPatients, type PatientGrant } from '../../chain/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState, type LoadState } from '../ui/loadState.ts'

export interface PatientsList {
  list: Accessor<LoadState<PatientGrant[]>>
  refresh(): Promise<void>
}

export function createPatientsList(app: AppStore): PatientsList {
  const source = () => ledgerContext(app)
  const [patients, { refetch }] = createResource(source, (s) => readPatients(s.client, { ledger: s.ledger, doctor: s.wallet.address, fromBlock: s.fromBlock }))
  return {
    list: () => loadState(patients, source() !== undefined),
    refresh: async () => {
      await refetch()
    }
  }
}
