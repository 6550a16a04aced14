import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { Identities, KeyStore, MemoryStorage, useIdentityProvider } from '@orbitdb/core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { identityBindingTypedData, secp256k1Signer, type SigningDomain, type WalletKeys } from '../crypto/index.ts'
import { signTyped, TEST_DOMAIN as domain, walletSignatures } from '../../test/support/walletSignatures.ts'
import { encodeBlock } from './blocks.ts'
import { P2PError } from './p2pError.ts'
import { createWalletIdentity, hintKeyVersion, MAX_KEY_VERSION_TRIED, parseIdentityBlock, useIdentityDomain, WalletIdentityProvider, type WalletAddress } from './walletIdentity.ts'

// anvil's development accounts 0 and 1: public test keys.
const patient = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

let keys: WalletKeys
let binding: `0x${string}`

/** The patient's binding of their signing key, asked for by a page of `at`. */
const bindingFor = (at: SigningDomain, by = patient): Promise<`0x${string}`> =>
  signTyped(by, identityBindingTypedData({ domain: at, account: patient.address, signingKey: keys.identity.publicKey, keyVersion: 1 }))

beforeAll(async () => {
  ;({ keys, binding } = await walletSignatures(patient))
  useIdentityDomain(domain)
})

const elsewhere: [string, SigningDomain][] = [
  ['another origin', { ...domain, origin: 'http://127.0.0.1:4174' }],
  ['another chain', { ...domain, chainId: 1 }],
  ['another deployment', { ...domain, verifyingContract: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' }]
]

describe('createWalletIdentity', () => {
  it('is the same identity, hash and all, every time the same wallet signs (pinned: a change strands users\' entries)', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })
    expect(identity.id).toBe(patient.address.toLowerCase())
    expect(createWalletIdentity({ address: patient.address.toLowerCase(), signer: secp256k1Signer(keys.identity.secretKey), binding: hexToBytes(binding.slice(2)), keyVersion: 1, domain }).hash).toBe(identity.hash)
    expect(identity.hash).toBe('zdpuAoPPDSrQA7eYPZqQRgdxq1Ho4kG39zUhfzuKHUtWBxH2e')
  })

  it('refuses a binding signed by another wallet, or one that vouches for another signing key', async () => {
    const forged = await bindingFor(domain, other)
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: forged, keyVersion: 1, domain })).toThrow(P2PError)
    const otherKey = new Uint8Array(32).fill(7)
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(otherKey), binding, keyVersion: 1, domain })).toThrow(/did not sign this signing key/)
    expect(() => createWalletIdentity({ address: 'alice', signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })).toThrow(/not a wallet address/)
  })

  it.each(elsewhere)('refuses a binding the wallet signed for %s', async (_where, at) => {
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: binding, keyVersion: 1, domain: at })).toThrow(/for this app, deployment and key version/)
    const signedThere = await bindingFor(at)
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: signedThere, keyVersion: 1, domain })).toThrow(
      /for this app, deployment and key version/
    )
  })

  it('is verified by stock OrbitDB once the provider is registered', async () => {
    useIdentityProvider(WalletIdentityProvider)
    const identities = await Identities({ keystore: await KeyStore({ storage: await MemoryStorage() }) })
    expect(await identities.verifyIdentity(createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain }))).toBe(true)
  })
})

describe('parseIdentityBlock', () => {
  it('accepts the block of a wallet identity', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })
    expect(parseIdentityBlock(identity.bytes)).toMatchObject({ hash: identity.hash, address: patient.address.toLowerCase(), keyVersion: 1 })
  })

  it('refuses a block that claims another address, or another key, or is not a wallet identity', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })
    const base = { id: identity.id, publicKey: identity.publicKey, signatures: identity.signatures, type: identity.type }
    expect(parseIdentityBlock(encodeBlock({ ...base, id: other.address.toLowerCase() }).bytes)).toBe('the identity key did not sign the identity id')
    expect(parseIdentityBlock(encodeBlock({ ...base, publicKey: `03${'11'.repeat(32)}` }).bytes)).toMatch(/did not sign/)
    expect(parseIdentityBlock(encodeBlock({ ...base, type: 'publickey' }).bytes)).toMatch(/not a wallet identity/)
    // A type that JavaScript cannot turn into text (a map whose "toString" is not a function) is refused, not thrown.
    expect(parseIdentityBlock(encodeBlock({ ...base, type: { toString: null } }).bytes)).toBe('the identity has no type: it is not a wallet identity')
    expect(parseIdentityBlock(Uint8Array.of(0xa1, 0x61, 0x61, 0x01, 0x00))).toMatch(/not canonical/)
  })

  it.each(elsewhere)("refuses, as a peer on this deployment, the block of a binding signed for %s, though it is sound there", async (_where, at) => {
    const theirs = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: await bindingFor(at), keyVersion: 1, domain: at })
    expect(parseIdentityBlock(theirs.bytes)).toMatch(/did not sign this identity key for this app and deployment/)
    // A block verified under this deployment is not taken on trust under another.
    const ours = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })
    expect(parseIdentityBlock(ours.bytes)).toMatchObject({ hash: ours.hash })
    useIdentityDomain(at)
    try {
      expect(parseIdentityBlock(ours.bytes)).toMatch(/did not sign/)
      expect(parseIdentityBlock(theirs.bytes)).toMatchObject({ hash: theirs.hash })
    } finally {
      useIdentityDomain(domain)
    }
  })

  it('accepts one block per wallet key: no extra field, and the binding only as 27 or 28', () => {
    const identity = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })
    const base = { id: identity.id, publicKey: identity.publicKey, signatures: identity.signatures, type: identity.type }
    expect(parseIdentityBlock(encodeBlock({ ...base, note: 'a variant' }).bytes)).toBe('the identity block has other fields than a wallet identity')
    expect(parseIdentityBlock(encodeBlock({ ...base, signatures: { ...base.signatures, extra: '00' } }).bytes)).toBe('the identity block has other fields than a wallet identity')
    // The same wallet signature with its recovery byte written as 0 or 1 instead of 27 or 28.
    const v = Number.parseInt(base.signatures.publicKey.slice(128), 16)
    const lowV = `${base.signatures.publicKey.slice(0, 128)}${(v - 27).toString(16).padStart(2, '0')}`
    expect(parseIdentityBlock(encodeBlock({ ...base, signatures: { ...base.signatures, publicKey: lowV } }).bytes)).toMatch(/ending in 27 or 28/)
    // The binding's high-s twin is the same wallet's valid signature, and is refused.
    const sig = hexToBytes(base.signatures.publicKey)
    const twin = sig.slice()
    twin.set(numberToBytesBE(secp256k1.Point.Fn.ORDER - bytesToNumberBE(sig.subarray(32, 64)), 32), 32)
    twin[64] = sig[64] === 27 ? 28 : 27
    const twinHex = Array.from(twin, (b) => b.toString(16).padStart(2, '0')).join('')
    expect(parseIdentityBlock(encodeBlock({ ...base, signatures: { ...base.signatures, publicKey: twinHex } }).bytes)).toMatch(/did not sign/)
    // A wallet that writes 0 or 1 gets the one canonical block all the same.
    expect(createWalletIdentity({ address: patient.address, signer: secp256k1Signer(keys.identity.secretKey), binding: `0x${lowV}`, keyVersion: 1, domain }).hash).toBe(identity.hash)
  })
})

describe('key versions', () => {
  /**
   * The block of the patient's identity of key `version` (after `version - 1` replacements), for
   * `at`, built as createWalletIdentity builds it but not made here, so no check of this process
   * has met it: a peer sees it for the first time.
   */
  const blockOf = async (version: number, at: SigningDomain = domain): Promise<{ bytes: Uint8Array; hash: string; binding: `0x${string}`; secret: Uint8Array }> => {
    const signed = await walletSignatures(patient, { domain: at, version })
    const address = patient.address.toLowerCase()
    const signer = secp256k1Signer(signed.keys.identity.secretKey)
    const block = encodeBlock({
      id: address,
      publicKey: bytesToHex(signer.publicKey),
      signatures: { id: bytesToHex(signer.sign(utf8ToBytes(address))), publicKey: signed.binding.slice(2) },
      type: 'anamnesis-wallet'
    })
    return { ...block, binding: signed.binding, secret: signed.keys.identity.secretKey }
  }

  it('learns from the binding which key version the signing key was derived for', async () => {
    const [first, second] = await Promise.all([blockOf(1), blockOf(2)])
    expect(parseIdentityBlock(first.bytes)).toMatchObject({ hash: first.hash, keyVersion: 1 })
    expect(parseIdentityBlock(second.bytes)).toMatchObject({ hash: second.hash, keyVersion: 2 })
    // Two versions are two signing keys, so two blocks: still one block per wallet key.
    expect(second.hash).not.toBe(first.hash)
    // The same block as the device that wrote it makes.
    const made = createWalletIdentity({ address: patient.address, signer: secp256k1Signer(second.secret), binding: second.binding, keyVersion: 2, domain })
    expect(made.hash).toBe(second.hash)
  })

  it('refuses a binding made for version 1 when the identity claims version 2', async () => {
    const { binding: v1, secret } = await blockOf(1)
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(secret), binding: v1, keyVersion: 2, domain })).toThrow(/for this app, deployment and key version/)
    expect(() => createWalletIdentity({ address: patient.address, signer: secp256k1Signer(secret), binding: v1, keyVersion: 0, domain })).toThrow(P2PError)
  })

  it(`finds a version above ${MAX_KEY_VERSION_TRIED} only once told it is the wallet's registered one`, async () => {
    const version = MAX_KEY_VERSION_TRIED + 3
    const far = await blockOf(version)
    expect(parseIdentityBlock(far.bytes)).toBe(`the wallet ${patient.address.toLowerCase()} did not sign this identity key for this app and deployment (key versions 1 to ${MAX_KEY_VERSION_TRIED} tried)`)
    hintKeyVersion(patient.address.toLowerCase() as WalletAddress, version)
    expect(parseIdentityBlock(far.bytes)).toMatchObject({ hash: far.hash, keyVersion: version })
    // A hint orders the tries, and changes no answer within the bound.
    const third = await blockOf(3)
    expect(parseIdentityBlock(third.bytes)).toMatchObject({ hash: third.hash, keyVersion: 3 })
  })
})
