// The patients the connected wallet is a guardian of, each with the emergency grants standing on
// their history, and a guardian's emergency grant to a treating doctor (src/chain emergencyGrant).
import { createResource, createSignal, type Accessor } from 'solid-js'
import { emergencyGrant, readGrants, readWards, type GrantRecord } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState, type LoadState } from '../ui/loadState.ts'
import { checkEmergencyGrant, EMERGENCY_SCOPE, type EmergencyGrantFields } from './emergencyGrantForm.ts'

/** A patient who named the connected wallet as a guardian, with their emergency grants that are live now. */
export interface WardView {
  patient: `0x${string}`
  emergencyGrants: GrantRecord[]
}

export interface Wards {
  list: Accessor<LoadState<WardView[]>>
  /** The patient whose grant is being sent, while its transaction is under way. */
  pending: Accessor<string | undefined>
  /** The last grant's outcome for each patient: an error to fix or what was done. */
  outcome: Accessor<{ patient: string; error?: string; done?: string } | undefined>
  /** The connected wallet's address, once connected. */
  me: Accessor<string | undefined>
  grant(patient: string, fields: EmergencyGrantFields): Promise<boolean>
}

export function createWards(app: AppStore): Wards {
  const [pending, setPending] = createSignal<string>()
  const [outcome, setOutcome] = createSignal<{ patient: string; error?: string; done?: string }>()
  const source = () => ledgerContext(app)
  const [wards, { refetch }] = createResource(source, async (s) => {
    const named = await readWards(s.client, { ledger: s.ledger, guardian: s.wallet.address, fromBlock: s.fromBlock })
    return await Promise.all(
      named.map(async ({ patient }): Promise<WardView> => ({
        patient,
        emergencyGrants: (await readGrants(s.client, { ledger: s.ledger, patient, fromBlock: s.fromBlock })).filter((g) => g.emergency && g.live)
      }))
    )
  })

  return {
    list: () => loadState(wards, source() !== undefined),
    me: () => source()?.wallet.address,
    pending,
    outcome,
    grant: async (patient, fields) => {
      const s = source()
      if (s === undefined) return false
      const checked = checkEmergencyGrant(fields, { guardian: s.wallet.address, patient })
      if (!checked.ok) {
        setOutcome({ patient, error: checked.error })
        return false
      }
      setPending(patient)
      setOutcome(undefined)
      try {
        // The expiry counts from the ledger's clock, which the contract checks the 72 hours against.
        const expiry = (await s.client.getBlock({ blockTag: 'latest' })).timestamp + BigInt(checked.seconds)
        await app.writes.track(() => emergencyGrant(s.client, s.wallet.client, { ledger: s.ledger, registry: s.registry, patient, doctor: checked.doctor, expiry, scope: EMERGENCY_SCOPE }))
        setOutcome({ patient, done: `Emergency access granted to ${checked.doctor} for ${checked.seconds / 3600} hours. It is recorded on the ledger under your name, and the patient will see it.` })
        await refetch()
        return true
      } catch (error) {
        setOutcome({ patient, error: errorMessage(error) })
        return false
      } finally {
        setPending(undefined)
      }
    }
  }
}
