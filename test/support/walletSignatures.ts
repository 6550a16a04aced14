// The wallet signatures the app asks for, made in Node by a viem account exactly as a browser
// wallet signs EIP-712 typed data (eth_signTypedData_v4): the key derivation's and the binding
// of the history signing key. Shared by the unit, integration and benchmark code that needs a
// person with keys and a wallet-bound identity.
import { hexToBytes } from '@noble/hashes/utils.js'
import type { Hex, LocalAccount } from 'viem'
import {
  deriveWalletKeys,
  identityBindingTypedData,
  keyDerivationTypedData,
  secp256k1Signer,
  type SigningDomain,
  type WalletKeys,
  type WalletTypedData
} from '../../src/crypto/index.ts'
import { createWalletIdentity, type WalletIdentity } from '../../src/p2p/index.ts'

/**
 * The origin and deployment tests sign for: the local stack's key registry (the deployer's
 * first contract) on anvil's chain, served at a loopback origin.
 */
export const TEST_DOMAIN: SigningDomain = {
  origin: 'http://127.0.0.1:4173',
  chainId: 31337,
  verifyingContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3'
}

/** What a wallet returns for eth_signTypedData_v4 over `data`. */
export async function signTyped(account: LocalAccount, data: WalletTypedData): Promise<Hex> {
  return await account.signTypedData(data)
}

/** Both signatures a wallet gives the app the first time, and the keys the first one derives. */
export interface WalletSignatures {
  address: `0x${string}`
  /** The signature over keyDerivationTypedData: the root of every key. */
  keySignature: Hex
  keys: WalletKeys
  /** The signature over identityBindingTypedData for the derived signing key. */
  binding: Hex
  /** The key version the signatures are for. */
  version: number
}

/** `account`'s two signatures for `domain` and key `version` (1 unless replaced). */
export async function walletSignatures(account: LocalAccount, { domain = TEST_DOMAIN, version = 1 }: { domain?: SigningDomain; version?: number } = {}): Promise<WalletSignatures> {
  const address = account.address.toLowerCase() as `0x${string}`
  const keySignature = await signTyped(account, keyDerivationTypedData({ domain, account: address, version }))
  const keys = deriveWalletKeys(hexToBytes(keySignature.slice(2)))
  const binding = await signTyped(account, identityBindingTypedData({ domain, account: address, signingKey: keys.identity.publicKey, keyVersion: version }))
  return { address, keySignature, keys, binding, version }
}

/** `account`'s signatures and the wallet-bound identity they make, for `domain` and key `version` (1 unless replaced). */
export async function walletIdentityOf(account: LocalAccount, domain: SigningDomain = TEST_DOMAIN, version = 1): Promise<WalletSignatures & { identity: WalletIdentity }> {
  const signed = await walletSignatures(account, { domain, version })
  const identity = createWalletIdentity({ address: signed.address, signer: secp256k1Signer(signed.keys.identity.secretKey), binding: signed.binding, keyVersion: version, domain })
  return { ...signed, identity }
}
