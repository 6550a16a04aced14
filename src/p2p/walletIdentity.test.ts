import { hexToBytes } from '@noble/hashes/utils.js'
import { Identities, KeyStore, MemoryStorage, useIdentityProvider } from '@orbitdb/core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { secp256k1Signer, deriveWalletKeys, keyDerivationMessage, type WalletKeys } from '../crypto/index.ts'
import { encodeBlock } from './blocks.ts'
import { P2PError } from './p2pError.ts'
import { createWalletIdentity, identityBindingMessage, parseIdentityBlock, WalletIdentityProvider } from './walletIdentity.ts'

// anvil's development accounts 0 and 1: public test keys.
const patient = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

let keys: WalletKeys
let binding: `0x${string}`

beforeAll(async () => {
  keys = deriveWalletKeys(hexToBytes((await patient.signMessage({ message: keyDerivationMessage(patient.address) })).slice(2)))
  binding = await patient.signMessage({ message: identityBindingMessage(patient.address, keys.identity.publicKey) })
})

describe('createWalletIdentity', () => {
  it('is the same identity, hash and all, every time the same wallet signs (pinned: a change strands users\' entries)', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding })
    expect(identity.id).toBe(patient.address.toLowerCase())
    expect(createWalletIdentity({ address: patient.address.toLowerCase(), signer: secp256k1Signer(keys.identity.secretKey), binding: hexToBytes(binding.slice(2)) }).hash).toBe(identity.hash)
    expect(identity.hash).toBe('zdpuB1iPuRdJUAWgHRNq3PZrjpiRZKoZ3EJTLLiENGGobYViS')
  })

  it('refuses a binding signed by another wallet, or one that vouches for another signing key', async () => {
    const forged = await other.signMessage({ message: identityBindingMessage(patient.address, keys.identity.publicKey) })
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: forged })).toThrow(P2PError)
    const otherKey = new Uint8Array(32).fill(7)
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(otherKey), binding })).toThrow(/did not sign this signing key/)
    expect(() => createWalletIdentity({ address: 'alice', signer: secp256k1Signer(keys.identity.secretKey), binding })).toThrow(/not a wallet address/)
  })

  it('is verified by stock OrbitDB once the provider is registered', async () => {
    useIdentityProvider(WalletIdentityProvider)
    const identities = await Identities({ keystore: await KeyStore({ storage: await MemoryStorage() }) })
    expect(await identities.verifyIdentity(createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding }))).toBe(true)
  })
})

describe('parseIdentityBlock', () => {
  it('accepts the block of a wallet identity', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding })
    expect(parseIdentityBlock(identity.bytes)).toMatchObject({ hash: identity.hash, address: patient.address.toLowerCase() })
  })

  it('refuses a block that claims another address, or another key, or is not a wallet identity', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding })
    const base = { id: identity.id, publicKey: identity.publicKey, signatures: identity.signatures, type: identity.type }
    expect(parseIdentityBlock(encodeBlock({ ...base, id: other.address.toLowerCase() }).bytes)).toBe('the identity key did not sign the identity id')
    expect(parseIdentityBlock(encodeBlock({ ...base, publicKey: `03${'11'.repeat(32)}` }).bytes)).toMatch(/did not sign/)
    expect(parseIdentityBlock(encodeBlock({ ...base, type: 'publickey' }).bytes)).toMatch(/not a wallet identity/)
    // A type that JavaScript cannot turn into text (a map whose "toString" is not a function) is refused, not thrown.
    expect(parseIdentityBlock(encodeBlock({ ...base, type: { toString: null } }).bytes)).toBe('the identity has no type: it is not a wallet identity')
    expect(parseIdentityBlock(Uint8Array.of(0xa1, 0x61, 0x61, 0x01, 0x00))).toMatch(/not canonical/)
  })

  it('accepts one block per wallet key: no extra field, and the binding only as 27 or 28', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding })
    const base = { id: identity.id, publicKey: identity.publicKey, signatures: identity.signatures, type: identity.type }
    expect(parseIdentityBlock(encodeBlock({ ...base, note: 'a variant' }).bytes)).toBe('the identity block has other fields than a wallet identity')
    expect(parseIdentityBlock(encodeBlock({ ...base, signatures: { ...base.signatures, extra: '00' } }).bytes)).toBe('the identity block has other fields than a wallet identity')
    // The same wallet signature with its recovery byte written as 0 or 1 instead of 27 or 28.
    const v = Number.parseInt(base.signatures.publicKey.slice(128), 16)
    const lowV = `${base.signatures.publicKey.slice(0, 128)}${(v - 27).toString(16).padStart(2, '0')}`
    expect(parseIdentityBlock(encodeBlock({ ...base, signatures: { ...base.signatures, publicKey: lowV } }).bytes)).toMatch(/ending in 27 or 28/)
    // A wallet that writes 0 or 1 gets the one canonical block all the same.
    expect(createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: `0x${lowV}` }).hash).toBe(identity.hash)
  })
})
