import { hkdfSync } from 'node:crypto'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { firstEpochKey, firstEpochKeyring, newEpochKey } from './deriveDataKey.ts'
import { currentKey } from './keyring.ts'

const secret = new Uint8Array(32).map((_, i) => i + 1)
const owner = '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266'

describe('the data keys of a patient\'s own history', () => {
  it('start with epoch 0\'s, HKDF-SHA256 of the encryption secret with the owner as info (checked against Node\'s HKDF, and pinned)', () => {
    const info = concatBytes(utf8ToBytes(owner.toLowerCase()), Uint8Array.of(0, 0, 0, 0))
    const expected = new Uint8Array(hkdfSync('sha256', secret, utf8ToBytes('anamnesis/history-data-key/v1'), info, 32))
    expect(firstEpochKey(secret, owner)).toEqual(expected)
    expect(bytesToHex(firstEpochKey(secret, owner))).toBe('2ce6676876e22f2eb15043a9728c4715e9fa1ebbea504ae0cf9d63ae3667c07e')
    expect(currentKey(firstEpochKeyring(secret, owner))).toEqual({ epoch: 0, key: expected })
  })

  it('differ by owner and by secret, and not by the address\'s letter case', () => {
    const keys = [firstEpochKey(secret, owner), firstEpochKey(secret, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'), firstEpochKey(secret.map((b) => b ^ 1), owner)]
    expect(new Set(keys.map(bytesToHex)).size).toBe(3)
    expect(firstEpochKey(secret, owner.toLowerCase())).toEqual(keys[0])
  })

  it('are random after epoch 0: signing again never gives a later epoch\'s key', () => {
    const drawn = Array.from({ length: 16 }, () => bytesToHex(newEpochKey()))
    expect(new Set(drawn).size).toBe(16)
    expect(drawn.every((hex) => hex.length === 64)).toBe(true)
  })

  it('refuse a bad secret or owner with a clear error', () => {
    expect(() => firstEpochKey(new Uint8Array(31), owner)).toThrow(CryptoError)
    expect(() => firstEpochKey(secret, 'patient')).toThrow(/owner's wallet address/)
  })
})
