// Whatever was thrown, as the sentence a patient or doctor reads: never a stack trace,
// never viem's multi-line report, never "[object Object]".
import { BaseError } from 'viem'
import { AnamnesisError } from './AnamnesisError.ts'
import { isStorageFull, STORAGE_FULL_MESSAGE } from './storageFull.ts'

export function errorMessage(error: unknown): string {
  // Our own errors already say what happened and what to do.
  if (error instanceof AnamnesisError) return error.message
  // The browser's own words for a full disk ("The quota has been exceeded.") tell nobody what to do.
  if (isStorageFull(error)) return STORAGE_FULL_MESSAGE
  // viem's `message` appends docs links, details and its version; its short message is the sentence.
  if (error instanceof BaseError) return error.shortMessage === '' ? error.name : error.shortMessage
  if (error instanceof Error) return error.message === '' ? error.name : error.message
  if (typeof error === 'string') return error
  // Wallets (EIP-1193 providers) reject with plain objects such as { code: 4001, message }.
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message !== '') return error.message
  return String(error)
}
