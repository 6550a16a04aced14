// Whatever was thrown, as the sentence a patient or doctor reads: never a stack trace,
// never viem's multi-line report, never "[object Object]".
import { BaseError } from 'viem'
import { AnamnesisError } from './AnamnesisError.ts'

export function errorMessage(error: unknown): string {
  // Our own errors already say what happened and what to do.
  if (error instanceof AnamnesisError) return error.message
  // viem's `message` appends docs links, details and its version; its short message is the sentence.
  if (error instanceof BaseError) return error.shortMessage === '' ? error.name : error.shortMessage
  if (error instanceof Error) return error.message === '' ? error.name : error.message
  if (typeof error === 'string') return error
  // Wallets (EIP-1193 providers) reject with plain objects such as { code: 4001, message }.
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message !== '') return error.message
  return String(error)
}
