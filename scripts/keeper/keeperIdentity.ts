// The keeper's wallet-like identity: a secp256k1 account made on first start and kept in the data
// folder (mode 0600), which signs what a wallet signs for a device: the key derivation's typed data
// (whose signature derives the history signing key) and the binding of that key, for the app's
// origin, chain and key registry. The same account gives the same identity on every start.
import { chmod, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { deriveWalletKeys, identityBindingTypedData, keyDerivationTypedData, secp256k1Signer, type SigningDomain } from '../../src/crypto/index.ts'
import { createWalletIdentity, type WalletIdentity } from '../../src/p2p/index.ts'
import type { Hex } from 'viem'

/** The account's key file in the data folder. */
export const ACCOUNT_FILE = 'keeper-account.key'

/** Loads the keeper's account from `dataDir`, or makes one; throws when the file is not a private key. */
export async function loadOrCreateAccount(dataDir: string): Promise<{ privateKey: Hex; created: boolean }> {
  const file = path.join(dataDir, ACCOUNT_FILE)
  try {
    const text = (await readFile(file, 'utf8')).trim()
    if (!/^0x[0-9a-f]{64}$/i.test(text)) throw new Error(`${file} does not hold a private key (0x and 64 hex digits): restore it from a backup, or move it away to make a new keeper identity`)
    await chmod(file, 0o600)
    return { privateKey: text as Hex, created: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const privateKey = generatePrivateKey()
  await writeFile(file, `${privateKey}\n`, { mode: 0o600, flag: 'wx' })
  return { privateKey, created: true }
}

/** The keeper's wallet identity for `domain`, signed by its account as a wallet signs a device's. */
export async function keeperIdentity(privateKey: Hex, domain: SigningDomain): Promise<WalletIdentity> {
  const account = privateKeyToAccount(privateKey)
  const address = account.address.toLowerCase()
  const keySignature = await account.signTypedData(keyDerivationTypedData({ domain, account: address, version: 1 }))
  const keys = deriveWalletKeys(hexToBytes(keySignature.slice(2)))
  const binding = await account.signTypedData(identityBindingTypedData({ domain, account: address, signingKey: keys.identity.publicKey, keyVersion: 1 }))
  // The keeper's account registers no key: its keys stay at version 1.
  return createWalletIdentity({ address, signer: secp256k1Signer(keys.identity.secretKey), binding, domain, keyVersion: 1 })
}
