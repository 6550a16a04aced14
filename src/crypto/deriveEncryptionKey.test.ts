import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { deriveEncryptionKey } from './deriveEncryptionKey.ts'

const signature = (fill: number, v = 27): Uint8Array => {
  const bytes = new Uint8Array(65).fill(fill)
  bytes[64] = v
  return bytes
}

describe('deriveEncryptionKey', () => {
  it('gives the same key pair for the same signature, so a new device recovers it', () => {
    const a = deriveEncryptionKey(signature(7))
    const b = deriveEncryptionKey(signature(7))
    expect(a.secretKey).toEqual(b.secretKey)
    expect(a.publicKey).toEqual(b.publicKey)
    expect(a.publicKey).toHaveLength(32)
  })

  it('gives different keys for different signatures', () => {
    expect(deriveEncryptionKey(signature(7)).publicKey).not.toEqual(deriveEncryptionKey(signature(8)).publicKey)
  })

  it('ignores the recovery byte, on which wallets disagree', () => {
    expect(deriveEncryptionKey(signature(9, 27)).publicKey).toEqual(deriveEncryptionKey(signature(9, 0)).publicKey)
  })

  it('yields a working X25519 pair: two users agree on a shared secret', () => {
    const alice = deriveEncryptionKey(signature(1))
    const bob = deriveEncryptionKey(signature(2))
    expect(x25519.getSharedSecret(alice.secretKey, bob.publicKey)).toEqual(x25519.getSharedSecret(bob.secretKey, alice.publicKey))
  })

  it('refuses anything that is not a 65-byte signature', () => {
    expect(() => deriveEncryptionKey(new Uint8Array(64))).toThrow(CryptoError)
    expect(() => deriveEncryptionKey(new Uint8Array(64))).toThrow(/65 bytes; got 64/)
  })
})
