import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { personalSignAddress } from './personalSignAddress.ts'

// anvil's first development account: a public test key.
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const N = secp256k1.Point.Fn.ORDER

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
