// The visit domain: a patient lets a doctor into their history, in person, peer to peer.
// The patient's half (createPatientVisits) opens invites, checks and shows the doctors'
// requests, grants on the ledger and answers with the chosen categories' keys; the doctor's half
// (createDoctorJoin) dials, opens keys, registers the encryption key, signs, waits and reads.
// Both are plain TypeScript over small ports (visitPorts.ts) the app adapts its node, ledger,
// wallet and history session to, and report where they stand through a cell (src/session's Cell).
// createPatientDevices keeps, on the doctor's device, where each patient's device was reached,
// with the keepers and keys their approval gave; openFollowUp reads from there after the visit.
export { createPatientVisits } from './patientVisits.ts'
export type { OpenInvite, PatientVisits, PatientVisitsOptions, PatientVisitsState, PendingRequest, VisitChoice } from './patientVisits.ts'
/** The doctor's half of a visit (createDoctorJoin), loaded on demand: a patient's first screen does not need it. */
export const loadDoctorJoin = (): Promise<typeof import('./doctorJoin.ts')> => import('./doctorJoin.ts')
export type { DoctorJoin, DoctorJoinOptions, DoctorJoinState, JoinStep, ReachedDevice } from './doctorJoin.ts'
export { createPatientDevices } from './patientDevices.ts'
export { openFollowUp } from './followUp.ts'
export type { FollowUp, FollowUpOptions, FollowUpSource } from './followUp.ts'
export type { DeviceStorage, PatientDevice, PatientDevices } from './patientDevices.ts'
export { VisitError } from './visitError.ts'
export type { VisitErrorCode } from './visitError.ts'
export { visitCheckCode, type VisitCheckInput } from './visitCheckCode.ts'
export { systemClock } from './visitPorts.ts'
export type { Clock, DoctorHistoryPort, IncomingVisitRequest, PatientHistoryPort, RelayState, VisitChannel, VisitContext, VisitLedger, VisitWallet } from './visitPorts.ts'
