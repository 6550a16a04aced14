// src/emergency: the patient's emergency summary and card. The summary is an International Patient
// Summary (a FHIR R4 document) composed from the history and the patient's emergency profile; the
// card carries an offline tier anyone may read and a link to the full tier that a keeper holds
// encrypted. Pure functions over the history's entries: no storage, no network, no keys of the history.
export { EmergencyError, type EmergencyErrorCode } from './EmergencyError.ts'
export {
  BLOOD_GROUPS,
  EMPTY_PROFILE,
  MAX_CONTACTS,
  MAX_FIELD_LENGTH,
  MAX_IMPLANTS,
  MAX_NOTE_LENGTH,
  parseProfile,
  type BloodGroup,
  type EmergencyContact,
  type EmergencyProfile
} from './emergencyProfile.ts'
export { contactItems, emergencySummary, IPS_DOCUMENT_CODE, SECTIONS, summaryItems, type EmergencySummary, type SectionId, type SummaryInput, type SummaryItem } from './emergencySummary.ts'
export { CARD_BUDGET_BYTES, CARD_HEADER, CARD_VERSION, fitCard, formatCard, offlineTier, parseCard, readCard, type CardAllergy, type FittedCard, type OfflineTier, type ReadCard } from './emergencyCard.ts'
export { CARD_ID_LENGTH, CARD_KEY_LENGTH, CARD_LINK_VERSION, cardIdOf, cardLinkExpired, formatCardLink, parseCardLink, type CardLink, type CardLinkFlag } from './cardLink.ts'
export { CARD_QR_OPTIONS, cardQrModules, cardQrVersion } from './cardQrCode.ts'
export { PROFILE_RECORD_ID, profileRecord, readCardInUse, readProfileRecord, storedProfile, type CardInUse, type StoredProfile } from './profileRecord.ts'
export { readSummary, type ReadSection, type ReadSummary } from './readSummary.ts'
