// src/crypto: the only place that touches key material.
export { CryptoError, type CryptoErrorCode } from './CryptoError.ts'
export { deriveEncryptionKey, type EncryptionKeyPair } from './deriveEncryptionKey.ts'
export {
  identityBindingTypedData,
  keyDerivationTypedData,
  signingDomain,
  typedDataDigest,
  typedDataSigner,
  type SigningDomain,
  type TypedField,
  type WalletTypedData
} from './walletTypedData.ts'
export { deriveIdentityKey, deriveWalletKeys, type IdentityKeyPair, type WalletKeys } from './deriveIdentityKey.ts'
export {
  DATA_KEY_LENGTH,
  decodeEnvelope,
  encodeEnvelope,
  openRecord,
  openRecordWithAny,
  parseEnvelope,
  recordAssociatedData,
  sealRecord,
  type RecordBinding,
  type RecordEnvelope
} from './recordEnvelope.ts'
export { addEpochKey, currentKey, keyForEpoch, MAX_KEYS_PER_EPOCH, wholeKeys, type EpochKeyring } from './keyring.ts'
export {
  decodeWrappedKey,
  decodeWrappedKeys,
  encodeWrappedKey,
  encodeWrappedKeys,
  parseWrappedKey,
  unwrapDataKey,
  wrapDataKey,
  wrapKeyringFor,
  WRAPPED_KEY_LENGTH,
  type WrappedKey
} from './wrapKey.ts'
export { keeperListVersion, MAX_KEEPERS, MAX_SEALED_KEEPER_LIST, openKeeperList, sealKeeperList, type KeeperListEntry } from './keeperList.ts'
export { createKeyVault, memoryVaultStorage, type KeyVault, type VaultStorage } from './keyVault.ts'
export { indexedDbVaultStorage, type IndexedDbVaultOptions } from './indexedDbVaultStorage.ts'
export { forgetWalletKeys, loadWalletKeys, saveWalletKeys, type KeySlot, type StoredWalletKeys } from './walletKeyStore.ts'
export { firstEpochKey, firstEpochKeyring, newEpochKey } from './deriveDataKey.ts'
export {
  createKeyDrop,
  decodeKeyDrop,
  isKeyDrop,
  keyDropRecipients,
  openKeyDrop,
  readKeyDropHeader,
  KEY_DROP_MAGIC,
  type KeyDropHeader,
  type KeyDropInput,
  type KeyDropItem,
  type LedgerMark
} from './keyDrop.ts'
export { categoryKey, categoryKeysFor, sealingKey } from './categoryKeys.ts'
export { categorySlot, isEpoch, MAX_CATEGORIES, MAX_EPOCH, parseKeyField } from './categorySlot.ts'
export { isPostedSigningKey, prepareSecp256k1Checks, prepareSecp256k1Key, secp256k1PublicKey, secp256k1Signer, signerFromPosted, signSecp256k1, verifySecp256k1, type Secp256k1Signer } from './secp256k1Signature.ts'
export { prepareBulkSigning, type BulkSigning } from './bulkSigning.ts'
export {
  EMERGENCY_CARD_KEY_LENGTH,
  emergencySummaryAssociatedData,
  isCardId,
  MAX_CARD_ID_LENGTH,
  MAX_EMERGENCY_CIPHERTEXT,
  MIN_CARD_ID_LENGTH,
  newEmergencyCard,
  openEmergencySummary,
  sealEmergencySummary
} from './emergencyCard.ts'
export {
  ATTACHMENT_CHUNK,
  ATTACHMENT_FILE_ID_LENGTH,
  attachmentDigest,
  attachmentKey,
  newAttachmentFileId,
  openAttachment,
  sealAttachment,
  sealedAttachmentSize
} from './attachmentCipher.ts'
export {
  decodeHealthLink,
  encodeHealthLink,
  fromBase64Url,
  HEALTH_LINK_KEY_LENGTH,
  MAX_HEALTH_LINK_LABEL,
  newHealthLinkKey,
  openHealthLinkFile,
  sealHealthLinkFile,
  toBase64Url,
  type HealthLinkFlag,
  type HealthLinkPayload
} from './healthLink.ts'
