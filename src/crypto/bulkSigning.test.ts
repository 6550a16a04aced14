import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { prepareBulkSigning } from './bulkSigning.ts'
import { secp256k1Signer, signerFromPosted, signSecp256k1, verifySecp256k1 } from './secp256k1Signature.ts'

const key = sha256(Uint8Array.of(3))
const entry = new TextEncoder().encode('an entry')

describe('prepareBulkSigning with libsecp256k1 (WebAssembly)', () => {
  it('signs as OrbitDB checks: DER, low-s, valid for a stock peer and for the log', async () => {
    const signing = await prepareBulkSigning()
    expect(signing.engine).toBe('libsecp256k1')
    const signer = signing.signer(key)
    expect(signer.publicKey).toEqual(secp256k1.getPublicKey(key, true))
    for (const data of [entry, new Uint8Array(1200).fill(9), new Uint8Array(0)]) {
      const sig = signer.sign(data)
      expect(secp256k1.Signature.fromBytes(sig, 'der').hasHighS()).toBe(false)
      expect(await publicKeyFromRaw(signer.publicKey).verify(data, sig)).toBe(true)
      expect(verifySecp256k1(sig, signer.publicKey, data)).toBe(true)
      expect(verifySecp256k1(sig, signer.publicKey, Uint8Array.of(...data, 0))).toBe(false)
    }
  })

  it('is deterministic: RFC 6979 with 32 zero bytes of additional data, byte for byte as noble makes it', async () => {
    const signing = await prepareBulkSigning()
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (secret, data) => {
        fc.pre(secp256k1.utils.isValidSecretKey(secret))
        const sig = signing.signer(secret).sign(data)
        expect(signing.signer(secret).sign(data)).toEqual(sig)
        expect(sig).toEqual(secp256k1.sign(sha256(data), secret, { prehash: false, format: 'der', extraEntropy: new Uint8Array(32) }))
      }),
      { numRuns: 100 }
    )
  })

  it('keeps its own copy of the key, and refuses a bad key or data that is not bytes', async () => {
    const signing = await prepareBulkSigning()
    const secret = key.slice()
    const signer = signing.signer(secret)
    const before = signer.sign(entry)
    secret.fill(1)
    expect(signer.sign(entry)).toEqual(before)
    expect(() => signing.signer(new Uint8Array(32))).toThrow(/secret key/)
    expect(() => signing.signer(Uint8Array.of(1, 2))).toThrow(/secret key/)
    expect(() => signer.sign('an entry' as unknown as Uint8Array)).toThrow(/must be a Uint8Array/)
  })

  it('signs in a worker with the key the page posted', async () => {
    const signing = await prepareBulkSigning()
    const posted: unknown[] = []
    secp256k1Signer(key).postTo({ postMessage: (message) => posted.push(message) })
    const there = signerFromPosted(structuredClone(posted[0]), signing.signer)
    expect(there?.sign(entry)).toEqual(signing.signer(key).sign(entry))
  })
})

describe('prepareBulkSigning where WebAssembly may not run', () => {
  it('signs with noble instead: the page\'s very signatures', async () => {
    const signing = await prepareBulkSigning(() => Promise.reject(new WebAssembly.CompileError('WebAssembly.instantiate(): refused by the content security policy')))
    expect(signing.engine).toBe('noble')
    const signer = signing.signer(key)
    expect(signer.sign(entry)).toEqual(signSecp256k1(key, entry))
    expect(await publicKeyFromRaw(signer.publicKey).verify(entry, signer.sign(entry))).toBe(true)
  })
})
