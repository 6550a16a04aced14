// src/session: the history session's logic, free of any UI framework. Unlocking the wallet's
// keys (two signatures the first time, the key vault afterwards), the patient's own history
// (write, anchor, verify, key epochs: a new random key after every end of access, reconciled
// with the ledger on every open, and adopted from the key drops on every device), a doctor's
// reading of a patient's history (pulls retried while the grant lasts, the grant watched on the
// ledger), and revocation. Everything it needs comes in as arguments (ledger, wallet, vault,
// OrbitDB starter, clock, the browser's StorageManager); state goes out as cells (cell.ts) that a
// UI binds to. The writes it makes count in a write gate, which a new version of the app waits on
// before it reloads the page.
export { createCell, type Cell, type WritableCell } from './cell.ts'
export { consoleLog, every, systemClock, type Clock, type SessionLedger, type SessionLog, type SessionWallet, type TimerHandle } from './sessionPorts.ts'
export { chainLedger, walletSigner, type ChainLedgerOptions } from './chainLedger.ts'
export { browserKeyVault, unlockKeys, webLocks, type KeyringLock, type KeyVault, type SigningDomain, type UnlockedKeys, type UnlockStep, type WalletKeys } from './unlockKeys.ts'
export { BULK_DRAW_MS, DRAW_MS, historyBlocks, SYNC_DRAW_MS, trackHistory, verdictCounts, VERIFY_DELAY_MS, type PeerMisconduct, type TrackedHistory, type TrackHistoryOptions } from './trackHistory.ts'
export type { AnchorStep, KeyReader, OpenOwnHistoryOptions, OwnHistoryModel, RotateInput } from './ownHistory.ts'
export type { AccessState, PatientReadingModel, ReadingState, ReadPatientOptions } from './patientReading.ts'
export type { RotatableHistory, Rotation } from './rotateHistoryKey.ts'
export type { Revocation, RevokeGrantInput } from './revokeGrant.ts'
/**
 * The grants list and revocation (liveGrants, revokeGrant), loaded on demand: the Visit page
 * needs them, the first screen does not. The own history, the checks of who has access and a
 * doctor's reading load the same way, inside the session, once a history is opened.
 */
export const loadRevocation = (): Promise<typeof import('./revokeGrant.ts')> => import('./revokeGrant.ts')
/**
 * Moving the history to new keys when the patient replaces their own (rotateForNewOwnerKey), loaded on
 * demand by the flow that replaces them.
 */
export const loadKeyReplacement = (): Promise<typeof import('./rotateHistoryKey.ts')> => import('./rotateHistoryKey.ts')
/** Download and restore of the encrypted backup (createBackupFlow), loaded on demand by the pages that offer them. */
export const loadBackup = (): Promise<typeof import('./backup.ts')> => import('./backup.ts')
export type { BackupFile, BackupFlow, BackupFlowOptions, BackupLog, ChosenFile, DownloadStep, RestoreStep } from './backup.ts'
/**
 * The full tier of an emergency card (publishEmergencyCard for the patient, readEmergencySummary for a
 * clinician after break-glass), loaded on demand by the Emergency pages.
 */
export const loadEmergencyCard = (): Promise<typeof import('./emergencyCard.ts')> => import('./emergencyCard.ts')
export type { EmergencySummaryRead, PublishedEmergencyCard } from './emergencyCard.ts'
export {
  createHistorySessionModel,
  type HistorySessionModel,
  type HistorySessionOptions,
  type HistorySessionState,
  type SessionConnection,
  type SessionOrbit
} from './historySession.ts'
export { registerEncryptionKey } from './registerEncryptionKey.ts'
export { browserStorage, readStorage, requestPersistence, type Persistence, type StoragePort, type StorageReport } from './persistentStorage.ts'
export { createWriteGate, type WriteGate } from './writeGate.ts'
export type { KeyReplacement, ReplaceStep } from './replaceKeys.ts'
export { SessionError, type SessionErrorCode } from './SessionError.ts'
export { emergencyKeysClientOver, keeperClientOver } from './keeperClient.ts'
export type { EmergencyKeysClient, HandedOn } from './emergencyKeys.ts'
export { createKeepersModel, DEFAULT_KEEPER_QUOTA, type KeeperClient, type KeeperReport, type KeepersModel, type KeepersState, type KeeperView } from './keepers.ts'
export { connectToPeer, type PeerConnection, type PeerDialer } from './connectToPeer.ts'
/** Importing FHIR files into the own history (createImportFlow), loaded on demand by the page that offers it. */
export const loadImport = (): Promise<typeof import('./importRecords.ts')> => import('./importRecords.ts')
export type { ImportChoice, ImportFlow, ImportSource, ImportStep, ImportTarget } from './importRecords.ts'
/** Files attached to records, sealed and stored as IPFS blocks (attachmentFiles), loaded on demand by the views that attach or open one. */
export const loadAttachments = (): Promise<typeof import('./attachments.ts')> => import('./attachments.ts')
export type { AttachmentFiles, AttachmentHistory, ChosenAttachment, OpenedAttachment } from './attachments.ts'
/** Sharing by SMART Health Link (JWE and its compression): loaded when a link is first made or opened, not with the first screen. */
export const loadHealthLinks = (): Promise<typeof import('./healthLinks.ts')> => import('./healthLinks.ts')
export type { LinkKeeperClient, LinkKeepers, OpenedHealthLink, OpenLinkRequest, PatientLink, SharedLink, ShareRequest } from './healthLinks.ts'
