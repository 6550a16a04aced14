// The wallet's keys on this device: derived from two wallet signatures over EIP-712 typed data
// the first time (one derives the encryption and signing keys, one vouches for the signing key),
// both naming this app's origin and deployment, then kept in the key vault, so that a reload
// opens the history without asking the wallet again.
import type { RegisteredKey } from '../chain/index.ts'
import {
  createKeyVault,
  identityBindingTypedData,
  indexedDbVaultStorage,
  loadWalletKeys,
  saveWalletKeys,
  type KeyVault,
  type SigningDomain,
  type WalletKeys
} from '../crypto/index.ts'
import type { SessionWallet } from './sessionPorts.ts'
import { signForKeys } from './walletKeys.ts'

export type { KeyVault, SigningDomain, WalletKeys }

/** Where the wallet asks: the key derivation message, then the binding of the signing key. */
export type UnlockStep = 'signing-keys' | 'signing-binding'

/** The vault of this browser: secrets wrapped by a non-extractable key, in IndexedDB. */
export function browserKeyVault(): KeyVault {
  return createKeyVault(indexedDbVaultStorage())
}

export interface UnlockedKeys {
  keys: WalletKeys
  /** The wallet's signature over the history signing key. */
  binding: Uint8Array
  /** Resolves once new keys are stored (at once when they came from the vault). */
  saved: Promise<unknown>
}

/**
 * The wallet's keys and binding for this origin and deployment: from the vault when it holds
 * them, else (when `interactive`) from two signatures, stored as they are made. Undefined when
 * the vault lacks them and the wallet may not be asked.
 */
export async function unlockKeys(input: {
  vault: KeyVault
  wallet: SessionWallet
  domain: SigningDomain
  /** The account's key as the key registry holds it now: its version is the one derived. */
  registered: () => Promise<RegisteredKey | null>
  interactive: boolean
  onStep?: (step: UnlockStep) => void
}): Promise<UnlockedKeys | undefined> {
  const { vault, wallet, domain } = input
  const address = wallet.address
  const stored = await loadWalletKeys(vault, address, domain)
  if (stored !== undefined) return { keys: stored.keys, binding: stored.binding, saved: Promise.resolve() }
  if (!input.interactive) return undefined
  const version = (await input.registered())?.version ?? 1
  input.onStep?.('signing-keys')
  const keys = await signForKeys(wallet, domain, version)
  input.onStep?.('signing-binding')
  const binding = await wallet.signTypedData(identityBindingTypedData({ domain, account: address, signingKey: keys.identity.publicKey }), 'sign the history signing key')
  const saved = saveWalletKeys(vault, address, domain, { keys, version, binding })
  return { keys, binding, saved }
}

/** Runs `task` while nothing else on this device changes one wallet's keyring. */
export type KeyringLock = <T>(address: string, task: () => Promise<T>) => Promise<T>

/** The browser's Web Locks, shared by every tab of this origin; without them, no lock (one tab). */
export const webLocks: KeyringLock = (address, task) => {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  return locks === undefined ? task() : locks.request(`anamnesis-keyring-${address.toLowerCase()}`, task)
}
