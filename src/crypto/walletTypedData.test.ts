import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { hashTypedData } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { identityBindingTypedData, keyDerivationTypedData, signingDomain, typedDataDigest, typedDataSigner, type SigningDomain, type WalletTypedData } from './walletTypedData.ts'

// anvil's development accounts 0 and 1: public test keys.
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const N = secp256k1.Point.Fn.ORDER

const domain: SigningDomain = { origin: 'https://anamnesis.example', chainId: 31337, verifyingContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3' }
const signingKey = secp256k1.getPublicKey(new Uint8Array(32).fill(3), true)

/** What a wallet signs: viem's account signs typed data exactly as a browser wallet's eth_signTypedData_v4 does. */
const sign = async (data: WalletTypedData, by = account): Promise<Uint8Array> => hexToBytes((await by.signTypedData(data)).slice(2))

describe('typedDataDigest', () => {
  const cases: [string, WalletTypedData][] = [
    ['key derivation', keyDerivationTypedData({ domain, account: account.address, version: 1 })],
    ['key derivation, version 2^32 - 1 on a large chain id', keyDerivationTypedData({ domain: { ...domain, chainId: 2 ** 40 }, account: account.address, version: 0xffff_ffff })],
    ['identity binding', identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 1 })],
    ['identity binding, version 7', identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 7 })]
  ]
  it.each(cases)('is the digest viem computes for the same typed data (%s)', (_name, data) => {
    expect(`0x${bytesToHex(typedDataDigest(data))}`).toBe(hashTypedData(data as Parameters<typeof hashTypedData>[0]))
  })

  it('refuses a value that does not fit its type, or a primary type that is not defined', () => {
    const data = keyDerivationTypedData({ domain, account: account.address, version: 1 })
    expect(() => typedDataDigest({ ...data, message: { ...data.message, keyVersion: 2 ** 32 } })).toThrow(/"keyVersion" is not a valid uint32/)
    expect(() => typedDataDigest({ ...data, message: { ...data.message, account: 'alice' } })).toThrow(/"account" is not a valid address/)
    expect(() => typedDataDigest({ ...data, primaryType: 'Mail' })).toThrow(/no type "Mail"/)
  })
})

describe('the typed data a wallet is asked to sign', () => {
  it('names the origin in words, the account, the key version and the deployment', () => {
    const data = keyDerivationTypedData({ domain, account: account.address, version: 3 })
    expect(data.domain).toEqual({ name: 'Anamnesis', version: '1', chainId: 31337, verifyingContract: domain.verifyingContract })
    expect(data.message).toMatchObject({ origin: 'https://anamnesis.example', account: account.address.toLowerCase(), keyVersion: 3 })
    expect(data.message.purpose).toMatch(/^Unlock your Anamnesis keys on https:\/\/anamnesis\.example\. This signature never leaves this device/)
    const binding = identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 1 })
    expect(binding.message).toMatchObject({ origin: domain.origin, signingKey: `0x${bytesToHex(signingKey)}`, keyVersion: 1 })
    expect(binding.message.purpose).toContain('history signing key (key version 1) on https://anamnesis.example')
  })

  it('refuses a version below 1, a malformed account or signing key', () => {
    expect(() => keyDerivationTypedData({ domain, account: account.address, version: 0 })).toThrow(CryptoError)
    expect(() => keyDerivationTypedData({ domain, account: account.address, version: 1.5 })).toThrow(/key version/)
    expect(() => keyDerivationTypedData({ domain, account: 'alice', version: 1 })).toThrow(/wallet address/)
    expect(() => identityBindingTypedData({ domain, account: account.address, signingKey: new Uint8Array(32), keyVersion: 1 })).toThrow(/33 bytes/)
    expect(() => identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 0 })).toThrow(/key version/)
  })
})

describe('signingDomain', () => {
  it('takes an origin as location.origin gives it, a positive chain id and a contract address', () => {
    expect(signingDomain({ origin: 'http://127.0.0.1:4173', chainId: 1, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })).toEqual({
      origin: 'http://127.0.0.1:4173',
      chainId: 1,
      verifyingContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3'
    })
  })

  it.each([
    ['a path', 'https://gateway.example/ipfs/bafy/'],
    ['a trailing slash', 'https://anamnesis.example/'],
    ['an opaque origin', 'null'],
    ['another scheme', 'file:///index.html'],
    ['nothing', '']
  ])('refuses an origin with %s', (_what, origin) => {
    expect(() => signingDomain({ ...domain, origin })).toThrow(/the app's origin/)
  })

  it('refuses a chain id that is not a positive integer and a contract that is not an address', () => {
    expect(() => signingDomain({ ...domain, chainId: 0 })).toThrow(/chain id/)
    expect(() => signingDomain({ ...domain, chainId: 1.5 })).toThrow(/chain id/)
    expect(() => signingDomain({ ...domain, verifyingContract: '0x1234' })).toThrow(/contract address/)
  })
})

describe('typedDataSigner', () => {
  it("recovers the account from a wallet's signature, and no one else for other typed data", async () => {
    const data = keyDerivationTypedData({ domain, account: account.address, version: 1 })
    const signature = await sign(data)
    expect(typedDataSigner(data, signature)).toBe(account.address.toLowerCase())
    expect(typedDataSigner(keyDerivationTypedData({ domain, account: account.address, version: 2 }), signature)).not.toBe(account.address.toLowerCase())
    expect(typedDataSigner(keyDerivationTypedData({ domain: { ...domain, origin: 'https://phish.example' }, account: account.address, version: 1 }), signature)).not.toBe(
      account.address.toLowerCase()
    )
    expect(typedDataSigner(data, await sign(data, other))).toBe(other.address.toLowerCase())
  })

  it('binds the signing key to its key version: a binding for version 1 does not vouch as version 2', async () => {
    const v1 = identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 1 })
    const v2 = identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 2 })
    expect(bytesToHex(typedDataDigest(v1))).not.toBe(bytesToHex(typedDataDigest(v2)))
    const signature = await sign(v1)
    expect(typedDataSigner(v1, signature)).toBe(account.address.toLowerCase())
    expect(typedDataSigner(v2, signature)).not.toBe(account.address.toLowerCase())
  })

  it('accepts v as 0/1 or 27/28 and refuses the rest, the high-s twin and malformed signatures', async () => {
    const data = identityBindingTypedData({ domain, account: account.address, signingKey, keyVersion: 1 })
    const signature = await sign(data)
    const v0 = signature.slice()
    v0[64] = (signature[64] ?? 27) - 27
    expect(typedDataSigner(data, v0)).toBe(account.address.toLowerCase())
    const badV = signature.slice()
    badV[64] = 5
    expect(typedDataSigner(data, badV)).toBeUndefined()
    expect(typedDataSigner(data, signature.subarray(0, 64))).toBeUndefined()
    const highS = signature.slice()
    highS.set(numberToBytesBE(N - bytesToNumberBE(signature.subarray(32, 64)), 32), 32)
    highS[64] = (signature[64] ?? 27) === 27 ? 28 : 27
    expect(typedDataSigner(data, highS)).toBeUndefined()
    expect(typedDataSigner({ ...data, primaryType: 'Nothing' }, signature)).toBeUndefined()
  })
})
