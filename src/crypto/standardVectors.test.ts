// Known answers from the standards, committed beside the tests in vectors/: the
// primitives under the envelopes and the key wrapping compute what the RFCs say.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import hkdfVectors from './vectors/rfc5869-hkdf-sha256.json' with { type: 'json' }
import x25519Vectors from './vectors/rfc7748-x25519.json' with { type: 'json' }
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
