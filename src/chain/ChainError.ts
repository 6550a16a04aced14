// The chain domain's one error type: a short message a patient or doctor can act on,
// a stable code for the UI and tests, and the underlying details for the curious.
import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from 'viem'
import { AnamnesisError, errorMessage } from '../errors/index.ts'
import { formatDayAndTime } from '../format/index.ts'

/** Why a chain action failed: the network, the wallet, the input, or the contract's refusal. */
export type ChainErrorCode =
  | 'CHAIN_UNREACHABLE'
  | 'WRONG_CHAIN'
  | 'WALLET_REJECTED'
  | 'WALLET_UNAVAILABLE'
  | 'INVALID_ADDRESS'
  | 'INVALID_INPUT'
  | 'NO_ENCRYPTION_KEY'
  | 'CONTRACT_REVERTED'
  | 'TRANSACTION_FAILED'
  /** The chain provider answered with something the contract cannot have returned. */
  | 'INVALID_RESPONSE'

/** Every failure of src/chain: a message a person can act on, a {@link ChainErrorCode}, and viem's error as the cause. */
export class ChainError extends AnamnesisError<ChainErrorCode> {
  override name = 'ChainError'
}

/** What each contract custom error means to a user. Extended as the contract suite grows. */
const revertMessages: Record<string, string> = {
  ZeroKey: 'The encryption key is empty; nothing was published.',
  KeyUnchanged: 'This encryption key is already registered for your address.',
  WrongVersion: 'Your keys were replaced meanwhile, perhaps on another device: nothing was published. Reload the page and open your keys again.',
  SealedKeepersTooLong: 'Your list of keepers is too long to keep on the ledger: remove a keeper first.',
  // ConsentLedger: grants (Consent.sol)
  InvalidDoctor: 'Choose another doctor: access cannot be granted to the one granting it or to the zero address.',
  ExpiryNotInFuture: 'The end date has already passed. Choose a date in the future.',
  ExpiryTooFar: 'The end date is too far ahead: a grant lasts at most one year, an emergency grant at most 72 hours. Choose an earlier date.',
  EmptyScope: 'Choose at least one kind of record to share.',
  UnknownScope: 'The access asked for includes a record category the ledger does not know. Update the app and try again.',
  GrantUnchanged: 'This doctor already has exactly this access; nothing was changed.',
  NoGrant: 'This doctor holds no access from you, so there is nothing to revoke.',
  // ConsentLedger: guardians (Guardians.sol)
  InvalidGuardian: 'Choose someone else as a guardian: you cannot be your own guardian, nor can the zero address.',
  GuardianAlreadyAdded: 'This person is already one of your guardians.',
  GuardianNotFound: 'This person is not one of your guardians, so there is nobody to remove.',
  NotGuardian: 'Only a guardian the patient has named can grant emergency access. Ask the patient to add you as a guardian.',
  GrantAlreadyLive: 'This doctor already has live access from the patient; only the patient can change it.',
  EmergencyGrantCoolingDown: "This doctor's last access to the patient ended less than 7 days ago: a guardian cannot renew it at once. Only the patient can grant it now.",
  DoctorRevokedRecently: 'The patient revoked this doctor less than 30 days ago, so a guardian cannot give them emergency access. Choose another treating doctor.',
  EmergencyGrantMayNotWrite: 'An emergency grant lets the doctor read the emergency records, never add to them: only the patient can give write access.',
  EmergencyGrantCapReached: 'You have made 3 emergency grants for this patient in the last 30 days, the most a guardian may. Ask another of their guardians.',
  // ConsentLedger: break-glass, visits, anchors
  InvalidPatient: "Enter the patient's address to record the emergency access.",
  NoReason: 'Choose why you are opening the emergency summary.',
  NoLiveGrant: 'You hold no live access from this patient, so the visit cannot be recorded. Ask the patient to grant access.',
  EmptyRoot: 'The history root is empty; there is nothing to anchor.',
  NoEntries: 'The history has no entries yet; there is nothing to anchor.',
  NoWriteGrant: 'Only the patient, or a doctor with live write access, can anchor this history. Ask the patient for write access.'
}

/** The errors whose last argument is the first second (unix time) at which the call would pass, and how to say it. */
const untilMessages: Record<string, string> = {
  EmergencyGrantCoolingDown: 'A guardian may grant them emergency access again from',
  DoctorRevokedRecently: 'A guardian may grant them emergency access again from',
  EmergencyGrantCapReached: 'You may make another from'
}

/** The message for a contract error, with the day and time it names, if it names one. */
function revertMessage(errorName: string, args: readonly unknown[] | undefined): string | undefined {
  const message = revertMessages[errorName]
  const until = args?.at(-1)
  const words = untilMessages[errorName]
  if (message === undefined || words === undefined || typeof until !== 'bigint') return message
  return `${message} ${words} ${formatDayAndTime(Number(until) * 1000)}.`
}

/** Turns whatever viem or a wallet threw into a ChainError with a message a person can act on. */
export function toChainError(error: unknown, action: string): ChainError {
  if (error instanceof ChainError) return error
  if (error instanceof BaseError) {
    const rejected = error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: unknown }).code === 4001)
    if (rejected) return new ChainError('WALLET_REJECTED', `The wallet declined to ${action}. Nothing was sent.`, { details: error.shortMessage, cause: error })
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError) {
      const errorName = reverted.data?.errorName
      const message = (errorName !== undefined ? revertMessage(errorName, reverted.data?.args) : undefined) ?? `The contract refused to ${action}${errorName !== undefined ? ` (${errorName})` : ''}.`
      return new ChainError('CONTRACT_REVERTED', message, { details: errorName ?? reverted.shortMessage, cause: error })
    }
    const text = `${error.shortMessage} ${error.details}`
    if (/fetch failed|Failed to fetch|ECONNREFUSED|HTTP request failed|NetworkError/i.test(text)) {
      return new ChainError('CHAIN_UNREACHABLE', `The chain could not be reached to ${action}. Check your connection and try again.`, { details: error.shortMessage, cause: error })
    }
    return new ChainError('TRANSACTION_FAILED', `Could not ${action}: ${error.shortMessage}`, { details: error.details, cause: error })
  }
  const code = (error as { code?: unknown } | null)?.code
  if (code === 4001) return new ChainError('WALLET_REJECTED', `The wallet declined to ${action}. Nothing was sent.`, { cause: error })
  return new ChainError('TRANSACTION_FAILED', `Could not ${action}: ${errorMessage(error)}`, { cause: error })
}
