// src/keeper: the keeper, an always-on blind copy of patients' histories, and the patient's side
// of its protocol. Shared by the app (the client functions) and the keeper process (scripts/keeper).
export { enrolKeeper, keepFiles, keeperStatus, removeKeeper, KeeperError, type EnrolRequest, type KeeperFiles, type KeeperCaller, type KeeperEnrolment, type KeeperErrorCode, type KeeperHeld, type KeeperStatus } from './keeperClient.ts'
export { KEEPER_PROTOCOL, REFUSAL_REASONS, isRefusalReason, type KeeperStatement, type KeptFile, type RefusalReason, type StatementKind } from './keeperStatement.ts'
export { FILE_FAILURES, readKeptFilesReport, type FileFailure, type KeptFilesReport } from './keptFilesReport.ts'
export { isDiskFull } from './diskFull.ts'
export { startKeeper, type AcceptPolicy, type Keeper, type KeeperEvent, type KeeperLedger, type StartKeeperOptions } from './keeper.ts'
export { greetKeeper, handEmergencyKeys, openEmergencyCard, storeEmergencyCard, takeEmergencyKeys, type ClinicianSigner, type HandedKeys, type HandEmergencyKeysRequest, type OpenedEmergencyCard, type OpenEmergencyCardRequest, type StoreEmergencyCardRequest, type StoredCard } from './emergencyClient.ts'
export { BREAK_GLASS_WINDOW_SECONDS, EMERGENCY_PROTOCOL, EMERGENCY_REFUSALS, isEmergencyRefusal, type EmergencyRefusal } from './emergencyProtocol.ts'
export { MAX_HANDED_KEY_SETS, serveEmergencyCards, type EmergencyCardRecord, type HandedKeysRecord, type HandedKeysStore, type EmergencyCards, type EmergencyCardStore, type EmergencyEvent, type EmergencyLedger, type ServeEmergencyCardsOptions } from './emergencyStore.ts'
export { deactivateLink, listLinks, storeLink, type KeptLink, type LinkCaller } from './linkClient.ts'
export { LINK_ID_LENGTH, LINK_PROTOCOL, MAX_LINK_FILE, MAX_LINKS_PER_PATIENT, MAX_PASSCODE_FAILURES, MAX_PASSCODE_LENGTH, MIN_PASSCODE_LENGTH, type LinkRefusal } from './linkProtocol.ts'
export { linkState, serveShareLinks, type LinkAnswer, type LinkEvent, type LinkOpening, type LinkRecord, type LinkState, type LinkStore, type ServeLinksOptions, type ShareLinks } from './linkStore.ts'
