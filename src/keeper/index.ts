// src/keeper: the keeper, an always-on blind copy of patients' histories, and the patient's side
// of its protocol. Shared by the app (the client functions) and the keeper process (scripts/keeper).
export { enrolKeeper, keeperStatus, removeKeeper, KeeperError, type EnrolRequest, type KeeperCaller, type KeeperEnrolment, type KeeperErrorCode, type KeeperHeld, type KeeperStatus } from './keeperClient.ts'
export { KEEPER_PROTOCOL, REFUSAL_REASONS, isRefusalReason, type KeeperStatement, type RefusalReason, type StatementKind } from './keeperStatement.ts'
export { isDiskFull, startKeeper, type AcceptPolicy, type Keeper, type KeeperEvent, type KeeperLedger, type StartKeeperOptions } from './keeper.ts'
