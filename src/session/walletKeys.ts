// Deriving a user's keys from their wallet, and checking what was derived: the signature must be
// the connected account's, and the keys must be the ones the key registry holds for it. A wallet
// that does not sign the same way twice, another account, or a page on another origin or
// deployment derives other keys; the app stops there and never publishes them over the registered ones.
import type { RegisteredKey } from '../chain/index.ts'
import { deriveWalletKeys, identityBindingTypedData, keyDerivationTypedData, typedDataSigner, type SigningDomain, type StoredWalletKeys, type WalletKeys } from '../crypto/index.ts'
import { SessionError } from './SessionError.ts'
import type { SessionWallet } from './sessionPorts.ts'

const short = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`

const hex = (bytes: Uint8Array): string => `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`

/**
 * Asks the wallet for the signature of key version `version` on `domain` and derives the keys.
 *
 * @throws {SessionError} `WRONG_SIGNER` when the signature is not the connected account's (the wallet
 *   signed with another account, or it is a smart-contract wallet, whose signatures derive no keys);
 *   and whatever the wallet's refusal becomes.
 */
export async function signForKeys(wallet: SessionWallet, domain: SigningDomain, version: number): Promise<WalletKeys> {
  const data = keyDerivationTypedData({ domain, account: wallet.address, version })
  const signature = await wallet.signTypedData(data, 'sign the key derivation message')
  const signer = typedDataSigner(data, signature)
  if (signer !== wallet.address.toLowerCase()) {
    throw new SessionError(
      'WRONG_SIGNER',
      `The signature is not from the connected account ${short(wallet.address)}: the wallet signed with ${signer === undefined ? 'no account this app can recognise' : `another account, ${short(signer)}`}, or it is a smart-contract wallet, whose signatures cannot derive keys. Nothing was opened. Switch the wallet to ${short(wallet.address)} and try again.`,
      { details: signer ?? 'unrecoverable signature' }
    )
  }
  return deriveWalletKeys(signature)
}

/**
 * Whether `stored`'s binding is `address`'s signature over its signing key as its key version, for
 * `domain`: a binding kept before bindings named the key version vouches for nothing peers accept.
 */
export function bindingVouches(stored: StoredWalletKeys, address: string, domain: SigningDomain): boolean {
  const data = identityBindingTypedData({ domain, account: address, signingKey: stored.keys.identity.publicKey, keyVersion: stored.version })
  return typedDataSigner(data, stored.binding) === address.toLowerCase()
}

/** Whether `keys` are the keys `registered` holds: the same X25519 public key. */
export function matchesRegistered(keys: WalletKeys, registered: RegisteredKey): boolean {
  return hex(keys.encryption.publicKey) === registered.key.toLowerCase()
}

/**
 * Checks that the keys just derived are the ones registered for `address`; a first unlock, with
 * nothing registered, passes.
 *
 * @throws {SessionError} `KEY_MISMATCH`, saying what can cause it and that nothing was opened or published.
 */
export function requireRegisteredKeys(keys: WalletKeys, registered: RegisteredKey | null, address: string): void {
  if (registered === null || matchesRegistered(keys, registered)) return
  throw new SessionError(
    'KEY_MISMATCH',
    `The keys your wallet's signature gives here are not the encryption key registered for ${short(address)} (key version ${registered.version}), so nothing was opened and nothing was published. ` +
      'This happens when the wallet does not sign the same way each time (some hardware and smart-contract wallets do not), when another account signed than the one that registered, ' +
      'or when this page is on another address (origin) or deployment than the one where you registered. Open Anamnesis where you registered, with the same wallet and account.',
    { details: `derived ${hex(keys.encryption.publicKey)}, registered ${registered.key} (version ${registered.version})` }
  )
}
