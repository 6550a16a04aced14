import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { personalSignAddress, signData, verifyData } from './signatures.ts'

// anvil's first development account: a public test key.
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const N = secp256k1.Point.Fn.ORDER

const nobleVerify = (sig: Uint8Array, publicKey: Uint8Array, data: Uint8Array): boolean => secp256k1.verify(sig, sha256(data), publicKey, { prehash: false, format: 'der' })

describe('signData and verifyData (OrbitDB\'s signature format)', () => {
  const secretKey = sha256(Uint8Array.of(1))
  const publicKey = secp256k1.getPublicKey(secretKey, true)
  const data = new TextEncoder().encode('an entry')

  it('makes signatures stock OrbitDB (@libp2p/crypto) accepts', async () => {
    const sig = signData(secretKey, data)
    expect(await publicKeyFromRaw(publicKey).verify(data, sig)).toBe(true)
  })

  it('agrees with noble\'s verify on valid and altered signatures (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 69 }), (seed, message, flip) => {
        const key = sha256(seed)
        const pub = secp256k1.getPublicKey(key, true)
        const sig = signData(key, message)
        expect(verifyData(sig, pub, message)).toBe(true)
        const altered = sig.slice()
        const at = flip % altered.length
        altered[at] = (altered[at] ?? 0) ^ 0x40
        expect(verifyData(altered, pub, message)).toBe(nobleVerify(altered, pub, message))
        expect(verifyData(sig, pub, Uint8Array.of(...message, 1))).toBe(false)
      }),
      { numRuns: 60 }
    )
  })

  it('refuses another key, the high-s twin of a signature and malformed input', () => {
    const sig = signData(secretKey, data)
    expect(verifyData(sig, secp256k1.getPublicKey(sha256(Uint8Array.of(2)), true), data)).toBe(false)
    const parsed = secp256k1.Signature.fromBytes(sig, 'der')
    const twin = new secp256k1.Signature(parsed.r, N - parsed.s).toBytes('der')
    expect(verifyData(twin, publicKey, data)).toBe(false)
    expect(verifyData(new Uint8Array(70), publicKey, data)).toBe(false)
    expect(verifyData(sig, new Uint8Array(33), data)).toBe(false)
    expect(verifyData(sig, secp256k1.getPublicKey(secretKey, false), data)).toBe(false)
  })

  it('keeps working for a key checked many times (precomputed point)', () => {
    for (let i = 0; i < 5; i++) expect(verifyData(signData(secretKey, Uint8Array.of(i)), publicKey, Uint8Array.of(i))).toBe(true)
  })
})

describe('personalSignAddress (EIP-191, as wallets sign)', () => {
  it('recovers the address of a wallet\'s personal_sign', async () => {
    const message = 'Anamnesis: my medical history signing key\nVersion: 1'
    const signature = hexToBytes((await account.signMessage({ message })).slice(2))
    expect(personalSignAddress(message, signature)).toBe(account.address.toLowerCase())
    expect(personalSignAddress(`${message}!`, signature)).not.toBe(account.address.toLowerCase())
  })

  it('accepts v as 0/1 or 27/28 and refuses the rest, and high-s', async () => {
    const message = 'hello'
    const signature = hexToBytes((await account.signMessage({ message })).slice(2))
    const v0 = signature.slice()
    v0[64] = (signature[64] ?? 27) - 27
    expect(personalSignAddress(message, v0)).toBe(account.address.toLowerCase())
    const bad = signature.slice()
    bad[64] = 5
    expect(personalSignAddress(message, bad)).toBeUndefined()
    expect(personalSignAddress(message, signature.subarray(0, 64))).toBeUndefined()
    const highS = signature.slice()
    highS.set(numberToBytesBE(N - bytesToNumberBE(signature.subarray(32, 64)), 32), 32)
    highS[64] = (signature[64] ?? 27) === 27 ? 28 : 27
    expect(personalSignAddress(message, highS)).toBeUndefined()
  })
})
