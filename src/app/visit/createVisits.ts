// Visits, both sides, for the pages: Solid signals over the visit domain's two halves
// (src/visit), which share one notion of when the app is ready (a connected wallet, the
// deployment's contracts, a running node). The history session is adapted to what a visit needs.
import { batch, createSignal, onCleanup, type Accessor } from 'solid-js'
import type { RecordCategory } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import {
  loadDoctorJoin,
  type DoctorJoin,
  createPatientVisits,
  type JoinStep as DoctorJoinStep,
  type OpenInvite,
  type PatientHistoryPort,
  type PendingRequest,
  type VisitContext
} from '../../visit/index.ts'
import type { HistorySession, PatientReading } from '../session/createHistorySession.ts'
import { doctorHistory } from './doctorHistoryPort.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { rememberPatientDevice } from './patientDevices.ts'
import { visitContext } from './visitContext.ts'
import { visitLink } from './visitLink.ts'

export type { OpenInvite, PendingRequest }

/** Where the doctor's join stands, with the patient's history as the session reads it. */
export type JoinStep = DoctorJoinStep<PatientReading>

export interface Visits {
  // The patient's side.
  openInvite: Accessor<OpenInvite | undefined>
  inviteError: Accessor<string | undefined>
  requests: Accessor<PendingRequest[]>
  startVisit(): Promise<void>
  cancelInvite(): void
  approve(id: number, choice: { categories: RecordCategory[]; mayWrite: boolean; days: number }): Promise<void>
  decline(id: number): Promise<void>
  // The doctor's side: where joining the invite `encoded` stands (idle for any other invite).
  join(encoded: string): JoinStep
  joinVisit(encoded: string, name: string): Promise<void>
  /**
   * Dials the patient's device of invite `encoded` before the doctor asks (while they type their
   * name): nothing is sent but the connection itself. joinVisit uses it. Needs no wallet prompt.
   */
  prepareJoin(encoded: string): void
  /** The doctor left the join page of `encoded` without asking: the early connection is closed. */
  abandonJoin(encoded: string): void
}

/** The history session as the patient's half of a visit uses it. */
function patientHistory(session: HistorySession): PatientHistoryPort {
  return {
    unlock: () => session.unlock(),
    own: () => {
      const own = session.own()
      if (own === undefined) return undefined
      return {
        address: own.log.address,
        wrapFor: (key, categories) => own.wrapFor(key, categories),
        keepers: () => (session.keepers()?.list() ?? []).map(({ address, keeper }) => ({ address, keeper }))
      }
    }
  }
}

export function createVisits(app: AppStore, session: HistorySession): Visits {
  const ready = (): VisitContext | undefined => {
    const context = ledgerContext(app)
    const node = app.p2pNode()
    return context === undefined || node === undefined ? undefined : visitContext(context, node, app.writes)
  }
  const patient = createPatientVisits({
    ready,
    history: patientHistory(session),
    linkTo: (encoded) => visitLink(`${location.origin}${location.pathname}`, encoded),
    origin: location.origin
  })
  // The doctor's half loads with the first join page, not with a patient's first screen; its
  // calls run in order on the loaded half.
  let doctor: Promise<DoctorJoin<PatientReading>> | undefined
  const doctorHalf = (): Promise<DoctorJoin<PatientReading>> =>
    (doctor ??= loadDoctorJoin().then(({ createDoctorJoin }) => {
      const loaded = createDoctorJoin({ ready, history: doctorHistory(session), origin: location.origin, rememberPatientDevice })
      setJoining(() => loaded.state.get())
      stopDoctor = loaded.state.subscribe((state) => setJoining(() => state))
      return loaded
    }))
  /** Runs `use` on the doctor's half; when it cannot load (offline, a new version deployed) the join says so, and the next try loads again. */
  const withDoctorHalf = async (encoded: string, use: (half: DoctorJoin<PatientReading>) => unknown): Promise<void> => {
    let half: DoctorJoin<PatientReading>
    try {
      half = await doctorHalf()
    } catch (error) {
      doctor = undefined
      setJoining({ invite: encoded, step: { step: 'failed', message: `This app could not load its part for joining a visit (${errorMessage(error)}). Check the connection and reload the page.` } })
      return
    }
    await use(half)
  }

  const [openInvite, setOpenInvite] = createSignal<OpenInvite | undefined>(patient.state.get().openInvite)
  const [inviteError, setInviteError] = createSignal<string | undefined>(patient.state.get().inviteError)
  const [requests, setRequests] = createSignal<PendingRequest[]>(patient.state.get().requests)
  const stopPatient = patient.state.subscribe((state) => {
    batch(() => {
      setOpenInvite(() => state.openInvite)
      setInviteError(() => state.inviteError)
      setRequests(() => state.requests)
    })
  })
  const [joining, setJoining] = createSignal<{ invite?: string; step: JoinStep }>({ step: { step: 'idle' } })
  let stopDoctor = (): void => undefined
  const join = (encoded: string): JoinStep => (joining().invite === encoded ? joining().step : { step: 'idle' })
  onCleanup(() => {
    stopPatient()
    stopDoctor()
    patient.stop()
  })

  return {
    openInvite,
    inviteError,
    requests,
    startVisit: () => patient.startVisit(),
    cancelInvite: () => patient.cancelInvite(),
    approve: (id, choice) => patient.approve(id, choice),
    decline: (id) => patient.decline(id),
    join,
    joinVisit: (encoded, name) => withDoctorHalf(encoded, (half) => half.joinVisit(encoded, name)),
    prepareJoin: (encoded) => void withDoctorHalf(encoded, (half) => half.prepareJoin(encoded)),
    abandonJoin: (encoded) => void doctor?.then((half) => half.abandonJoin(encoded), () => undefined)
  }
}
