// The wallet's keys on this device: derived from two wallet signatures over EIP-712 typed data
// the first time (one derives the encryption and signing keys, one vouches for the signing key),
// both naming this app's origin and deployment, then kept in the key vault, so that a reload
// opens the history without asking the wallet again.
import type { RegisteredKey } from '../chain/index.ts'
import {
  createKeyVault,
  forgetWalletKeys,
  identityBindingTypedData,
  indexedDbVaultStorage,
  loadWalletKeys,
  saveWalletKeys,
  type KeyVault,
  type SigningDomain,
  type StoredWalletKeys,
  type WalletKeys
} from '../crypto/index.ts'
import type { SessionWallet } from './sessionPorts.ts'
import { bindingVouches, matchesRegistered, requireRegisteredKeys, signForKeys } from './walletKeys.ts'

export type { KeyVault, SigningDomain, WalletKeys }

/** Where the wallet asks: the key derivation message, then the binding of the signing key. */
export type UnlockStep = 'signing-keys' | 'signing-binding'

/** The vault of this browser: secrets wrapped by a non-extractable key, in IndexedDB. */
export function browserKeyVault(): KeyVault {
  return createKeyVault(indexedDbVaultStorage())
}

export interface UnlockedKeys {
  keys: WalletKeys
  /** Their version, as the key registry numbers it. */
  version: number
  /** The wallet's signature over the history signing key. */
  binding: Uint8Array
  /** Resolves once new keys are stored (at once when they came from the vault). */
  saved: Promise<unknown>
  /**
   * A replacement's keys, registered on-chain, that the history has not moved to yet (the page
   * closed after the transaction): the keys above still open the history, to move it.
   */
  next?: StoredWalletKeys
}

/** The keys, or why there are none yet: the wallet must sign (a first visit, or keys replaced on another device). */
export type UnlockOutcome = ({ state: 'unlocked' } & UnlockedKeys) | { state: 'locked'; reason?: string }

/** The words for keys on this device that are not the registered ones any more. */
export function staleKeysReason(stored: number, registered: number): string {
  return stored < registered
    ? `Your keys were replaced on another device (now version ${registered}). Open your history again to derive the new ones here.`
    : `The keys on this device (version ${stored}) are not the ones registered for your account (version ${registered}). Open your history again to derive them.`
}

/**
 * The wallet's keys and binding for this origin and deployment, checked against the key registry:
 * from the vault when it holds the registered version, else (when `interactive`) from two
 * signatures, stored as they are made. Locked when the vault lacks them (or holds keys the registry
 * no longer names) and the wallet may not be asked.
 *
 * @throws {SessionError} `KEY_MISMATCH` when the signature derives other keys than the registered
 *   ones (nothing is stored, the wallet is not asked for the binding), `WRONG_SIGNER`; and the
 *   wallet's refusal, or the registry's read failing, when the wallet had to be asked.
 */
export async function unlockKeys(input: {
  vault: KeyVault
  wallet: SessionWallet
  domain: SigningDomain
  /** The account's key as the key registry holds it now: its version is the one derived, and the derived key must be it. */
  registered: () => Promise<RegisteredKey | null>
  interactive: boolean
  onStep?: (step: UnlockStep) => void
}): Promise<UnlockOutcome> {
  const { vault, wallet, domain } = input
  const address = wallet.address
  const reading = input.registered()
  const [kept, next, onChain] = await Promise.all([
    loadWalletKeys(vault, address, domain),
    loadWalletKeys(vault, address, domain, 'next'),
    reading.then((key) => ({ key }), () => undefined)
  ])
  // Keys whose binding names no key version (kept by an earlier version of the app) are signed for again.
  const stored = kept !== undefined && bindingVouches(kept, address, domain) ? kept : undefined
  const onChainKey = onChain?.key ?? null
  const nextRegistered = next !== undefined && onChainKey !== null && onChainKey.version === next.version && matchesRegistered(next.keys, onChainKey)
  // A replacement whose transaction landed but whose move did not: the keys in use open the history to move it.
  if (stored !== undefined && next !== undefined && nextRegistered) return { state: 'unlocked', ...stored, saved: Promise.resolve(), next }
  // A replacement whose transaction never landed: its keys go.
  if (next !== undefined && onChain !== undefined && !nextRegistered) await forgetWalletKeys(vault, address, domain, 'next')
  // Keys on this device open at once, unless the registry names others: a registry out of reach
  // leaves them as they were checked when they were made.
  const current = onChain === undefined || onChain.key === null || (onChain.key.version === stored?.version && matchesRegistered(stored.keys, onChain.key))
  if (stored !== undefined && current) return { state: 'unlocked', ...stored, saved: Promise.resolve() }
  const reason = stored !== undefined && onChainKey !== null ? staleKeysReason(stored.version, onChainKey.version) : undefined
  if (!input.interactive) return reason === undefined ? { state: 'locked' } : { state: 'locked', reason }
  const registered = await reading
  const version = registered?.version ?? 1
  input.onStep?.('signing-keys')
  const keys = await signForKeys(wallet, domain, version)
  requireRegisteredKeys(keys, registered, address)
  input.onStep?.('signing-binding')
  const binding = await wallet.signTypedData(identityBindingTypedData({ domain, account: address, signingKey: keys.identity.publicKey, keyVersion: version }), 'sign the history signing key')
  const saved = saveWalletKeys(vault, address, domain, { keys, version, binding })
  return { state: 'unlocked', keys, version, binding, saved }
}

/** Runs `task` while nothing else on this device changes one wallet's keyring. */
export type KeyringLock = <T>(address: string, task: () => Promise<T>) => Promise<T>

/** The browser's Web Locks, shared by every tab of this origin; without them, no lock (one tab). */
export const webLocks: KeyringLock = (address, task) => {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  return locks === undefined ? task() : locks.request(`anamnesis-keyring-${address.toLowerCase()}`, task)
}
