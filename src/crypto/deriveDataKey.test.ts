import { hkdfSync } from 'node:crypto'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { deriveDataKey, derivedKeyring } from './deriveDataKey.ts'
import { currentKey } from './keyring.ts'

const secret = new Uint8Array(32).map((_, i) => i + 1)
const owner = '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266'

describe('the data keys of a patient\'s own history', () => {
  it('are HKDF-SHA256 of the encryption secret, with the owner and epoch as info (checked against Node\'s HKDF, and pinned)', () => {
    const info = concatBytes(utf8ToBytes(owner.toLowerCase()), Uint8Array.of(0, 0, 0, 1))
    const expected = new Uint8Array(hkdfSync('sha256', secret, utf8ToBytes('anamnesis/history-data-key/v1'), info, 32))
    expect(deriveDataKey(secret, owner, 1)).toEqual(expected)
    expect(bytesToHex(deriveDataKey(secret, owner, 0))).toBe('2ce6676876e22f2eb15043a9728c4715e9fa1ebbea504ae0cf9d63ae3667c07e')
  })

  it('differ by epoch, by owner and by secret, and not by the address\'s letter case', () => {
    const keys = [deriveDataKey(secret, owner, 0), deriveDataKey(secret, owner, 1), deriveDataKey(secret, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 0), deriveDataKey(secret.map((b) => b ^ 1), owner, 0)]
    expect(new Set(keys.map(bytesToHex)).size).toBe(4)
    expect(deriveDataKey(secret, owner.toLowerCase(), 0)).toEqual(keys[0])
  })

  it('make a keyring of every epoch up to the current one, so a new device reads everything the wallet wrote', () => {
    const keyring = derivedKeyring(secret, owner, 3)
    expect([...keyring.keys.keys()]).toEqual([0, 1, 2, 3])
    expect(currentKey(keyring)).toEqual({ epoch: 3, key: deriveDataKey(secret, owner, 3) })
  })

  it('refuse a bad secret, owner or epoch with a clear error', () => {
    expect(() => deriveDataKey(new Uint8Array(31), owner, 0)).toThrow(CryptoError)
    expect(() => deriveDataKey(secret, 'patient', 0)).toThrow(/owner's wallet address/)
    expect(() => deriveDataKey(secret, owner, -1)).toThrow(/epoch is an integer/)
    expect(() => derivedKeyring(secret, owner, 1.5)).toThrow(/epoch is an integer/)
  })
})
