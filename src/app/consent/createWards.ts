// The patients the connected wallet is a guardian of, each with the emergency grants standing on
// their history, and a guardian's emergency grant to a treating doctor (src/chain emergencyGrant),
// after which the guardian's device hands the doctor the emergency records' keys through the
// patient's keepers (src/session emergencyKeys.ts).
import { createResource, createSignal, type Accessor } from 'solid-js'
import { EMERGENCY_SCOPE, emergencyGrant, readGrants, readWards, type GrantRecord } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import type { HistorySession } from '../session/createHistorySession.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState, type LoadState } from '../ui/loadState.ts'
import { checkEmergencyGrant, type EmergencyGrantFields } from './emergencyGrantForm.ts'

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
  /** Where handing a doctor the keys stands, for each patient: under way, done, or why it failed. */
  handing: Accessor<HandingState | undefined>
  /**
   * Hands `doctor` the emergency records' keys of `patient`'s history through the keeper at `keeper`
   * (when given) and the app's default keepers; opens this wallet's keys first if need be (a wallet prompt).
   */
  handOn(patient: string, doctor: string, keeper?: string): Promise<void>
}

/** Handing one doctor the keys of one patient's history. */
export interface HandingState {
  patient: string
  doctor: string
  state: 'handing' | 'done' | 'failed'
  message: string
}

export function createWards(app: AppStore, session: HistorySession): Wards {
  const [pending, setPending] = createSignal<string>()
  const [handing, setHanding] = createSignal<HandingState>()
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

  const handOn = async (patient: string, doctor: string, keeper?: string): Promise<void> => {
    const named = keeper?.trim() ?? ''
    const keepers = [...new Set([...(named === '' ? [] : [named]), ...app.defaultKeepers()])]
    setHanding({ patient, doctor, state: 'handing', message: `Handing the emergency records' keys to ${doctor}…` })
    try {
      if (session.state().state !== 'open') await session.unlock()
      const state = session.state()
      if (state.state !== 'open') throw new Error(state.state === 'failed' ? state.error : 'Your keys are not open on this device: open them (your wallet asks you to sign), then hand the keys on again.')
      const handed = await session.handEmergencyKeys(patient, doctor, keepers)
      setHanding({
        patient,
        doctor,
        state: 'done',
        message: `${doctor} can now read the emergency records: ${handed.keys} keys wait for them with ${handed.keepers.length === 1 ? 'the patient\'s keeper' : `${handed.keepers.length} of the patient's keepers`}, sealed so that only they can open them. Tell them where, if it is not a keeper their app knows: ${handed.keepers.join(', ')}.`
      })
    } catch (error) {
      setHanding({ patient, doctor, state: 'failed', message: `The keys did not reach ${doctor}: ${errorMessage(error)}` })
    }
  }

  return {
    list: () => loadState(wards, source() !== undefined),
    handing,
    handOn,
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
        void handOn(patient, checked.doctor, fields.keeper)
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
