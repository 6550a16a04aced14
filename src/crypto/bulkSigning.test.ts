import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { initWasmSecp256k1 } from '@solar-republic/wasm-secp256k1/gzipped'
import { prepareBulkSigning } from './bulkSigning.ts'
import { secp256k1Signer, signerFromPosted, verifySecp256k1 } from './secp256k1Signature.ts'

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

  it('makes its signer over the key a page posts to a worker (signerFromPosted)', async () => {
    const signing = await prepareBulkSigning()
    const posted: unknown[] = []
    secp256k1Signer(key).postTo({ postMessage: (message) => posted.push(message) })
    const there = signerFromPosted(structuredClone(posted[0]), signing.signer)
    expect(there?.sign(entry)).toEqual(signing.signer(key).sign(entry))
  })
})

describe('prepareBulkSigning where libsecp256k1 cannot sign', () => {
  const data = [entry, new Uint8Array(1200).fill(9), new TextEncoder().encode('a third entry')]
  const expected = async (): Promise<Uint8Array[]> => {
    const signer = (await prepareBulkSigning()).signer(key)
    return data.map((d) => signer.sign(d))
  }

  it('signs with noble where WebAssembly may not run: the very bytes libsecp256k1 makes', async () => {
    const signing = await prepareBulkSigning({ load: () => Promise.reject(new WebAssembly.CompileError('WebAssembly.instantiate(): refused by the content security policy')) })
    expect(signing.engine).toBe('noble')
    const signer = signing.signer(key)
    expect(data.map((d) => signer.sign(d))).toEqual(await expected())
    expect(await publicKeyFromRaw(signer.publicKey).verify(entry, signer.sign(entry))).toBe(true)
  })

  it('signs with noble when the library does not load in time', async () => {
    const signing = await prepareBulkSigning({ load: () => new Promise(() => undefined), loadTimeoutMs: 20 })
    expect(signing.engine).toBe('noble')
    expect(data.map((d) => signing.signer(key).sign(d))).toEqual(await expected())
  })

  it('signs with noble when the library, as it loads, signs other bytes than noble', async () => {
    const library = await initWasmSecp256k1()
    // A library that signs with random additional data: valid signatures, but not deterministic.
    const signing = await prepareBulkSigning({ load: () => Promise.resolve({ ...library, sign: (sk: Uint8Array, digest: Uint8Array) => library.sign(sk, digest) }) })
    expect(signing.engine).toBe('noble')
    expect(data.map((d) => signing.signer(key).sign(d))).toEqual(await expected())
  })

  it('signs the rest with noble when the library fails in the middle of an import, or makes a high-s signature', async () => {
    const library = await initWasmSecp256k1()
    for (const failure of ['throws', 'high-s'] as const) {
      let calls = 0
      const faulty = {
        ...library,
        sign: (sk: Uint8Array, digest: Uint8Array, extra?: Uint8Array) => {
          calls += 1
          // The first call is the check as it loads; the second signature of the import fails.
          if (calls !== 3) return library.sign(sk, digest, extra)
          if (failure === 'throws') throw new Error('RuntimeError: unreachable')
          const [compact, recovery] = library.sign(sk, digest, extra)
          const low = secp256k1.Signature.fromBytes(compact, 'compact')
          return [new secp256k1.Signature(low.r, secp256k1.Point.Fn.ORDER - low.s).toBytes('compact'), recovery] as ReturnType<typeof library.sign>
        }
      }
      const signing = await prepareBulkSigning({ load: () => Promise.resolve(faulty) })
      expect(signing.engine).toBe('libsecp256k1')
      const signer = signing.signer(key)
      expect(data.map((d) => signer.sign(d))).toEqual(await expected())
      expect(calls).toBe(3)
    }
  })
})
