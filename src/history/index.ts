// src/history: the record model. FHIR R4 records, their validation, the entries of
// the patient's log (canonical bytes, sealed envelopes), corrections, queries and
// the diagnostic chain, and the PatientHistory over the encrypted log that src/p2p opens.
export { HistoryError, type HistoryErrorCode } from './HistoryError.ts'
export { RECORD_TYPES, isRecordType, recordKey, type HistoryRecord, type RecordOf, type RecordType } from './recordTypes.ts'
export { validateRecord, type ValidateRecordOptions } from './validateRecord.ts'
export { CATEGORIES, CATEGORY_OF_TYPE, categoryOf, type Category } from './categories.ts'
export { EMERGENCY_CATEGORIES, EMERGENCY_CATEGORY_INDEXES, isEmergencyCategory } from './emergencyCategories.ts'
export {
  bodySiteConcept,
  bodySitesOf,
  LATERALITY_CODES,
  LATERALITY_EXTENSION,
  readBodySite,
  type BodySite,
  type Laterality
} from './bodySite.ts'
export * as codeSystems from './codeSystems.ts'
export {
  createEntry,
  ENTRY_VERSION,
  MAX_ENTRY_BYTES,
  parseEntry,
  patientId,
  patientReference,
  serializeEntry,
  toAddress,
  validateEntry,
  type Address,
  type CreateEntryInput,
  type EntryOptions,
  type HistoryEntry
} from './historyEntry.ts'
export { openEntry, sealEntry } from './entryEnvelope.ts'
export {
  amendmentProblem,
  amendmentTrail,
  checkAppend,
  entryKey,
  latestVersions,
  recordVersions,
  type AmendmentOptions,
  type RecordVersions,
  type RefusedCorrection
} from './amendments.ts'
export { entryPeriod, recordPeriod, type TimeSpan } from './recordPeriod.ts'
export { isEnteredInError, queryHistory, type HistoryQuery } from './queryHistory.ts'
export { buildDiagnosticChains, CHAIN_STAGES, recordLinks, type ChainLink, type ChainStage, type DiagnosticChain } from './diagnosticChains.ts'
export {
  prepareAdd,
  prepareAddMany,
  prepareAmend,
  type AnchorData,
  type EntryVerdict,
  type EpochRotation,
  type HistoryChange,
  type LogBlock,
  type PatientHistory,
  type PrepareInput,
  type Verdict,
  type VerifyReport
} from './historyLog.ts'
export { historyVerdicts, type CheckedBlock } from './historyVerdicts.ts'
export { openPatientHistory, readerKeyring, type OpenPatientHistoryOptions } from './patientHistory.ts'
export type { HistoryLog, HistoryLogEvent, LoggedBlock, StoredBlockCheck } from './historyLogPort.ts'
export { foldSearchText, icd10Codes, icd10Title, normalizeIcd10Code, searchIcd10, type Icd10Code, type Icd10SearchOptions } from './icd10.ts'
export {
  ALLERGY_CATEGORIES,
  buildRecord,
  CONDITION_CATEGORY,
  DOCTOR_KINDS,
  draftAllergy,
  draftDiagnosis,
  draftFollowUp,
  draftMedication,
  draftOutcome,
  draftPrescription,
  draftProcedure,
  draftRequest,
  draftSymptom,
  KIND_RECORD_TYPE,
  LINK_FIELDS,
  linkTargets,
  OUTCOME_CODES,
  OUTCOME_RESULTS,
  PATIENT_KINDS,
  RECORD_KINDS,
  type AllergyCategory,
  type AllergyDraft,
  type DiagnosisDraft,
  type DraftContext,
  type FollowUpDraft,
  type MedicationDraft,
  type OutcomeDraft,
  type OutcomeResult,
  type PrescriptionDraft,
  type ProcedureDraft,
  type RecordDraft,
  type RecordKind,
  type RequestDraft,
  type SymptomDraft
} from './recordDrafts.ts'
export {
  draftFamilyHistory,
  draftImmunization,
  draftReport,
  draftResult,
  OBSERVATION_CATEGORY,
  RELATIVES,
  REPORT_LINK_FIELDS,
  RESULT_CATEGORIES,
  RESULT_LINK_FIELDS,
  SEVERITIES,
  SEVERITY_CODES,
  type ConceptCode,
  type FamilyHistoryDraft,
  type ImmunizationDraft,
  type Relative,
  type ReportDraft,
  type ResultCategory,
  type ResultDraft,
  type Severity
} from './recordDrafts.ts'
export {
  DEMO_BORN,
  DEMO_NOW,
  DEMO_PATIENT,
  DEMO_WRITERS,
  demoPatient,
  MAX_DEMO_RECORDS,
  MIN_DEMO_RECORDS,
  type DemoPatient,
  type DemoPatientOptions
} from './demoPatient.ts'
export { demoRecordsFor, moveToPatient } from './demoRecords.ts'
export { DEMO_TAG, isDemoRecord } from './demoTag.ts'
export { MAX_IMPORT_BYTES, MAX_IMPORT_RESOURCES, readImportFile, type FileResource, type ImportFile, type UnreadablePart } from './importFile.ts'
export { IMPORT_EXTENSION, IMPORTED_TAG, readImportOrigin, type ImportOrigin } from './importOrigin.ts'
export {
  planImport,
  previewImport,
  type DuplicateResource,
  type ImportPerson,
  type ImportPlan,
  type ImportPlanOptions,
  type ImportPreview,
  type PlannedRecord,
  type RefusedResource,
  type SkippedResources
} from './importPlan.ts'
export { exportBundle, WALLET_ADDRESS_SYSTEM, type ExportOptions } from './exportBundle.ts'
export {
  ATTACHMENT_TYPES,
  attachmentOf,
  checkAttachmentFile,
  MAX_ATTACHMENT_BYTES,
  MAX_HISTORY_ATTACHMENT_BYTES,
  readSealedFile,
  SEALED_FILE_EXTENSION,
  sealedFilesOf,
  sniffContentType,
  type AttachmentContentType,
  type SealedFileRef
} from './attachment.ts'
