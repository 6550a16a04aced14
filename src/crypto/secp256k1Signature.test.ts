import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isPostedSigningKey, prepareSecp256k1Key, secp256k1PublicKey, secp256k1Signer, signerFromPosted, signSecp256k1, verifySecp256k1 } from './secp256k1Signature.ts'

const N = secp256k1.Point.Fn.ORDER

const nobleVerify = (sig: Uint8Array, publicKey: Uint8Array, data: Uint8Array): boolean => secp256k1.verify(sig, sha256(data), publicKey, { prehash: false, format: 'der' })

describe('signSecp256k1 and verifySecp256k1 (OrbitDB\'s signature format)', () => {
  const secretKey = sha256(Uint8Array.of(1))
  const publicKey = secp256k1.getPublicKey(secretKey, true)
  const data = new TextEncoder().encode('an entry')

  it('makes signatures stock OrbitDB (@libp2p/crypto) accepts', async () => {
    const sig = signSecp256k1(secretKey, data)
    expect(await publicKeyFromRaw(publicKey).verify(data, sig)).toBe(true)
  })

  it('agrees with noble\'s verify on valid and altered signatures (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 69 }), (seed, message, flip) => {
        const key = sha256(seed)
        const pub = secp256k1.getPublicKey(key, true)
        const sig = signSecp256k1(key, message)
        expect(verifySecp256k1(sig, pub, message)).toBe(true)
        const altered = sig.slice()
        const at = flip % altered.length
        altered[at] = (altered[at] ?? 0) ^ 0x40
        expect(verifySecp256k1(altered, pub, message)).toBe(nobleVerify(altered, pub, message))
        expect(verifySecp256k1(sig, pub, Uint8Array.of(...message, 1))).toBe(false)
      }),
      { numRuns: 60 }
    )
    // Every run is a new key checked three times, so each pays for a precomputed window:
    // about 2 s on an idle machine, over 5 s on a busy one.
  }, 30_000)

  it('refuses another key, the high-s twin of a signature and malformed input', () => {
    const sig = signSecp256k1(secretKey, data)
    expect(verifySecp256k1(sig, secp256k1.getPublicKey(sha256(Uint8Array.of(2)), true), data)).toBe(false)
    const parsed = secp256k1.Signature.fromBytes(sig, 'der')
    const twin = new secp256k1.Signature(parsed.r, N - parsed.s).toBytes('der')
    expect(verifySecp256k1(twin, publicKey, data)).toBe(false)
    expect(verifySecp256k1(new Uint8Array(70), publicKey, data)).toBe(false)
    expect(verifySecp256k1(sig, new Uint8Array(33), data)).toBe(false)
    expect(verifySecp256k1(sig, secp256k1.getPublicKey(secretKey, false), data)).toBe(false)
  })

  it('keeps working for a key checked many times (precomputed point)', () => {
    for (let i = 0; i < 5; i++) expect(verifySecp256k1(signSecp256k1(secretKey, Uint8Array.of(i)), publicKey, Uint8Array.of(i))).toBe(true)
  })

  it('checks alike with a key prepared ahead (its window made before its first check)', () => {
    const prepared = sha256(Uint8Array.of(4))
    const preparedKey = secp256k1.getPublicKey(prepared, true)
    prepareSecp256k1Key(preparedKey)
    prepareSecp256k1Key(preparedKey)
    const sig = signSecp256k1(prepared, data)
    expect(verifySecp256k1(sig, preparedKey, data)).toBe(true)
    expect(verifySecp256k1(sig, preparedKey, Uint8Array.of(...data, 1))).toBe(false)
    const parsed = secp256k1.Signature.fromBytes(sig, 'der')
    expect(verifySecp256k1(new secp256k1.Signature(parsed.r, N - parsed.s).toBytes('der'), preparedKey, data)).toBe(false)
    expect(verifySecp256k1(sig, publicKey, data)).toBe(false)
  })

  it('prepares nothing for what is not a compressed key, and checks it as invalid', () => {
    const sig = signSecp256k1(secretKey, data)
    for (const bad of [new Uint8Array(33), secp256k1.getPublicKey(secretKey, false), new Uint8Array(0)]) {
      expect(() => prepareSecp256k1Key(bad)).not.toThrow()
      expect(verifySecp256k1(sig, bad, data)).toBe(false)
    }
  })
})

describe('secp256k1PublicKey and the checks at the boundary', () => {
  it('gives the compressed key of a secret key', () => {
    const secretKey = sha256(Uint8Array.of(3))
    expect(secp256k1PublicKey(secretKey)).toEqual(secp256k1.getPublicKey(secretKey, true))
  })

  it('refuses a secret key that is not a scalar in [1, n-1], with INVALID_KEY', () => {
    for (const bad of [new Uint8Array(32), new Uint8Array(31).fill(1), new Uint8Array(32).fill(0xff)]) {
      expect(() => secp256k1PublicKey(bad)).toThrow(expect.objectContaining({ name: 'CryptoError', code: 'INVALID_KEY' }))
      expect(() => signSecp256k1(bad, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }))
    }
  })

  it('refuses to sign what is not bytes, and finds nothing valid in what is not bytes', () => {
    const secretKey = sha256(Uint8Array.of(1))
    expect(() => signSecp256k1(secretKey, 'text' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    const sig = signSecp256k1(secretKey, Uint8Array.of(1))
    expect(verifySecp256k1(sig, secp256k1PublicKey(secretKey), [1] as unknown as Uint8Array)).toBe(false)
    expect(verifySecp256k1('00' as unknown as Uint8Array, secp256k1PublicKey(secretKey), Uint8Array.of(1))).toBe(false)
  })
})

describe('a signer handed to a worker (postTo, signerFromPosted)', () => {
  it('signs there as here, and a message that is not a posted key makes no signer', () => {
    const here = secp256k1Signer(sha256(Uint8Array.of(7)))
    const posted: unknown[] = []
    here.postTo({ postMessage: (message) => posted.push(message) })
    // What the worker receives is a structured copy of the message.
    const there = signerFromPosted(structuredClone(posted[0]))
    const data = new TextEncoder().encode('an entry')
    expect(there?.publicKey).toEqual(here.publicKey)
    expect(there?.sign(data)).toEqual(here.sign(data))
    expect(isPostedSigningKey(posted[0])).toBe(true)
    expect(signerFromPosted({ kind: 'chain', links: [] })).toBeUndefined()
    expect(signerFromPosted(null)).toBeUndefined()
    expect(() => signerFromPosted({ kind: 'secp256k1-signing-key', secretKey: new Uint8Array(32) })).toThrow(/secret key/)
  })
})
