// Known answers from the standards, committed beside the tests in vectors/: the
// primitives under the envelopes and the key wrapping compute what the RFCs say, and the
// log's signature check accepts and refuses what Project Wycheproof says it must.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { equalBytes } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { prepareSecp256k1Checks, prepareSecp256k1Key, verifySecp256k1 } from './secp256k1Signature.ts'
import hkdfVectors from './vectors/rfc5869-hkdf-sha256.json' with { type: 'json' }
import x25519Vectors from './vectors/rfc7748-x25519.json' with { type: 'json' }
import wycheproofBitcoin from './vectors/wycheproof-ecdsa_secp256k1_sha256_bitcoin_test.json' with { type: 'json' }
import wycheproofPlain from './vectors/wycheproof-ecdsa_secp256k1_sha256_test.json' with { type: 'json' }
import xchachaVectors from './vectors/xchacha20poly1305.json' with { type: 'json' }

describe('X25519 (RFC 7748)', () => {
  it.each(x25519Vectors.scalarMultiplication)('$section', ({ scalar, uCoordinate, output }) => {
    expect(bytesToHex(x25519.scalarMult(hexToBytes(scalar), hexToBytes(uCoordinate)))).toBe(output)
  })

  it('5.2: the iterated ladder after 1 and 1,000 rounds', () => {
    const { start, after1, after1000 } = x25519Vectors.iterated
    let k = hexToBytes(start)
    let u = hexToBytes(start)
    for (let i = 1; i <= 1000; i++) {
      const next = x25519.scalarMult(k, u)
      u = k
      k = next
      if (i === 1) expect(bytesToHex(k)).toBe(after1)
    }
    expect(bytesToHex(k)).toBe(after1000)
  })

  it('6.1: Alice and Bob derive their public keys and the same shared secret', () => {
    const v = x25519Vectors.diffieHellman
    expect(bytesToHex(x25519.getPublicKey(hexToBytes(v.alicePrivate)))).toBe(v.alicePublic)
    expect(bytesToHex(x25519.getPublicKey(hexToBytes(v.bobPrivate)))).toBe(v.bobPublic)
    expect(bytesToHex(x25519.getSharedSecret(hexToBytes(v.alicePrivate), hexToBytes(v.bobPublic)))).toBe(v.shared)
    expect(bytesToHex(x25519.getSharedSecret(hexToBytes(v.bobPrivate), hexToBytes(v.alicePublic)))).toBe(v.shared)
  })
})

describe('XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03, A.3.1)', () => {
  const v = xchachaVectors.aead
  const cipher = () => xchacha20poly1305(hexToBytes(v.key), hexToBytes(v.nonce), hexToBytes(v.aad))

  it('encrypts to the ciphertext and tag of the draft', () => {
    expect(bytesToHex(cipher().encrypt(hexToBytes(v.plaintext)))).toBe(v.ciphertext + v.tag)
  })

  it('decrypts them back to the plaintext', () => {
    expect(bytesToHex(cipher().decrypt(hexToBytes(v.ciphertext + v.tag)))).toBe(v.plaintext)
  })

  it('refuses the vector with one tag bit flipped', () => {
    const sealed = hexToBytes(v.ciphertext + v.tag)
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1
    expect(() => cipher().decrypt(sealed)).toThrow()
  })
})

describe('HKDF-SHA256 (RFC 5869)', () => {
  it.each(hkdfVectors.cases)('$case', ({ ikm, salt, info, length, prk, okm }) => {
    const extracted = extract(sha256, hexToBytes(ikm), hexToBytes(salt))
    expect(bytesToHex(extracted)).toBe(prk)
    expect(bytesToHex(expand(sha256, extracted, hexToBytes(info), length))).toBe(okm)
    expect(bytesToHex(hkdf(sha256, hexToBytes(ikm), hexToBytes(salt), hexToBytes(info), length))).toBe(okm)
  })

  it('A.3: an empty salt is the same as no salt (HashLen zero bytes)', () => {
    const c = hkdfVectors.cases[2]
    if (c === undefined) throw new Error('vector A.3 missing')
    expect(bytesToHex(hkdf(sha256, hexToBytes(c.ikm), undefined, undefined, c.length))).toBe(c.okm)
    expect(bytesToHex(extract(sha256, hexToBytes(c.ikm), new Uint8Array(32)))).toBe(c.prk)
  })
})

/** The fields of a Wycheproof EcdsaVerify / EcdsaBitcoinVerify file this test reads. */
interface WycheproofEcdsaFile {
  numberOfTests: number
  testGroups: {
    publicKey: { curve: string; uncompressed: string }
    sha: string
    tests: { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: string }[]
  }[]
}

interface Verdict {
  tcId: number
  comment: string
  expected: boolean
  got: boolean
}

/**
 * Runs every vector of `file` through verifySecp256k1 and returns those whose verdict
 * differs from `expect(vector)`. Keys come uncompressed; the log takes only compressed
 * keys, so each is compressed first (and the uncompressed form must be refused).
 */
function wycheproofMismatches(file: WycheproofEcdsaFile, expected: (test: { result: string; sig: Uint8Array }) => boolean): { checked: number; wrong: Verdict[] } {
  const wrong: Verdict[] = []
  let checked = 0
  for (const group of file.testGroups) {
    expect(group.publicKey.curve).toBe('secp256k1')
    expect(group.sha).toBe('SHA-256')
    const uncompressed = hexToBytes(group.publicKey.uncompressed)
    const publicKey = secp256k1.Point.fromBytes(uncompressed).toBytes(true)
    for (const test of group.tests) {
      const sig = hexToBytes(test.sig)
      const msg = hexToBytes(test.msg)
      const want = expected({ result: test.result, sig })
      const got = verifySecp256k1(sig, publicKey, msg)
      if (got !== want) wrong.push({ tcId: test.tcId, comment: test.comment, expected: want, got })
      if (verifySecp256k1(sig, uncompressed, msg)) wrong.push({ tcId: test.tcId, comment: `${test.comment} (uncompressed key)`, expected: false, got: true })
      checked++
    }
  }
  return { checked, wrong }
}

/** The signature parsed as strict DER, or undefined when it is not. */
function strictDer(sig: Uint8Array): InstanceType<typeof secp256k1.Signature> | undefined {
  try {
    const parsed = secp256k1.Signature.fromBytes(sig, 'der')
    return equalBytes(parsed.toBytes('der'), sig) ? parsed : undefined
  } catch {
    return undefined
  }
}

// 'valid' must verify and 'invalid' must not. 'acceptable' (neither file has one at the
// committed version) is refused: the log takes only strict DER and low s, and an entry
// one peer accepts must not be refused by another.
describe('ECDSA secp256k1 with SHA-256 (Wycheproof)', () => {
  it('ecdsa_secp256k1_sha256_bitcoin_test: every vector (DER, low s: the rules of the log)', () => {
    const { checked, wrong } = wycheproofMismatches(wycheproofBitcoin, ({ result }) => result === 'valid')
    expect(checked).toBe(wycheproofBitcoin.numberOfTests)
    expect(wrong).toEqual([])
  })

  it('ecdsa_secp256k1_sha256_test: every vector, the high-s valid ones refused', () => {
    // This file counts high-s signatures as valid (plain ECDSA); the log refuses them so a
    // signature cannot be altered into a second valid one.
    const { checked, wrong } = wycheproofMismatches(wycheproofPlain, ({ result, sig }) => result === 'valid' && strictDer(sig)?.hasHighS() === false)
    expect(checked).toBe(wycheproofPlain.numberOfTests)
    expect(wrong).toEqual([])
  })

  it('ecdsa_secp256k1_sha256_test: the low-s twin of each high-s vector has the vector\'s verdict', () => {
    // s → n - s keeps a signature's mathematical validity, so the twins put the file's
    // high-s cases (among them r + n, where k·G has an x-coordinate above n) through the
    // arithmetic that the low-s rule would otherwise stop before. Only strict-DER vectors
    // are twinned: a BER one's twin, re-encoded as DER, would no longer be invalid.
    const n = secp256k1.Point.Fn.ORDER
    const wrong: Verdict[] = []
    let twins = 0
    for (const group of wycheproofPlain.testGroups) {
      const publicKey = secp256k1.Point.fromBytes(hexToBytes(group.publicKey.uncompressed)).toBytes(true)
      for (const test of group.tests) {
        const parsed = strictDer(hexToBytes(test.sig))
        if (parsed === undefined || !parsed.hasHighS()) continue
        const twin = new secp256k1.Signature(parsed.r, n - parsed.s).toBytes('der')
        const got = verifySecp256k1(twin, publicKey, hexToBytes(test.msg))
        if (got !== (test.result === 'valid')) wrong.push({ tcId: test.tcId, comment: `twin of ${test.comment}`, expected: test.result === 'valid', got })
        twins++
      }
    }
    expect(twins).toBeGreaterThan(70)
    expect(wrong).toEqual([])
  })

  // Last: from here on this module checks as a signature worker does.
  it('every vector has the same verdict with the generator\'s own window and each key prepared ahead (a signature worker)', () => {
    prepareSecp256k1Checks()
    // A window costs some 30 ms: a few groups' keys are prepared, the others checked as before.
    for (const file of [wycheproofBitcoin, wycheproofPlain]) {
      for (const group of file.testGroups.slice(0, 4)) prepareSecp256k1Key(secp256k1.Point.fromBytes(hexToBytes(group.publicKey.uncompressed)).toBytes(true))
    }
    expect(wycheproofMismatches(wycheproofBitcoin, ({ result }) => result === 'valid').wrong).toEqual([])
    expect(wycheproofMismatches(wycheproofPlain, ({ result, sig }) => result === 'valid' && strictDer(sig)?.hasHighS() === false).wrong).toEqual([])
  })
})
