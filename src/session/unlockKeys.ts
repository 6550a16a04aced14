// The wallet's keys on this device: derived from two wallet signatures the first time (one
// derives the encryption and signing keys, one vouches for the signing key), then kept in the
// key vault, so that a reload opens the history without asking the wallet again.
import {
  createKeyVault,
  deriveWalletKeys,
  indexedDbVaultStorage,
  keyDerivationMessage,
  loadWalletKeys,
  saveWalletKeys,
  type KeyVault,
  type WalletKeys
} from '../crypto/index.ts'
import { identityBindingMessage } from '../p2p/index.ts'
import type { SessionWallet } from './sessionPorts.ts'

export type { KeyVault, WalletKeys }

/** Where the wallet asks: the key derivation message, then the binding of the signing key. */
export type UnlockStep = 'signing-keys' | 'signing-binding'

/** The vault of this browser: secrets wrapped by a non-extractable key, in IndexedDB. */
export function browserKeyVault(): KeyVault {
  return createKeyVault(indexedDbVaultStorage())
}

const vaultNames = (address: string): { binding: string; keyring: string } => {
  const owner = address.toLowerCase()
  return { binding: `${owner}/identity-binding`, keyring: `${owner}/history-keyring` }
}

export interface UnlockedKeys {
  keys: WalletKeys
  /** The wallet's signature over the history signing key. */
  binding: Uint8Array
  /** Resolves once new keys are stored (at once when they came from the vault). */
  saved: Promise<unknown>
}

/**
 * The wallet's keys and binding: from the vault when it holds both, else (when `interactive`)
 * from two signatures, stored as they are made. Undefined when the vault lacks them and the
 * wallet may not be asked.
 */
export async function unlockKeys(input: {
  vault: KeyVault
  wallet: SessionWallet
  interactive: boolean
  onStep?: (step: UnlockStep) => void
}): Promise<UnlockedKeys | undefined> {
  const { vault, wallet } = input
  const address = wallet.address
  const [stored, storedBinding] = await Promise.all([loadWalletKeys(vault, address), vault.get(vaultNames(address).binding)])
  if (stored !== undefined && storedBinding !== undefined) return { keys: stored, binding: storedBinding, saved: Promise.resolve() }
  if (!input.interactive) return undefined
  input.onStep?.('signing-keys')
  const keys = deriveWalletKeys(await wallet.signMessage(keyDerivationMessage(address), 'sign the key derivation message'))
  input.onStep?.('signing-binding')
  const binding = await wallet.signMessage(identityBindingMessage(address, keys.identity.publicKey), 'sign the history signing key')
  const saved = Promise.all([saveWalletKeys(vault, address, keys), vault.put(vaultNames(address).binding, binding)])
  return { keys, binding, saved }
}

/** Runs `task` while nothing else on this device changes one wallet's keyring. */
export type KeyringLock = <T>(address: string, task: () => Promise<T>) => Promise<T>

/** The browser's Web Locks, shared by every tab of this origin; without them, no lock (one tab). */
export const webLocks: KeyringLock = (address, task) => {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  return locks === undefined ? task() : locks.request(`anamnesis-keyring-${address.toLowerCase()}`, task)
}
