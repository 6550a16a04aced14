// The lowest layer's errors: the base every domain's error class extends, and the one way
// to turn anything thrown into the message a user reads. Imports no other src folder.
export { AnamnesisError, type AnamnesisErrorOptions } from './AnamnesisError.ts'
export { errorMessage } from './errorMessage.ts'
export { isStorageFull, STORAGE_FULL_MESSAGE } from './storageFull.ts'
