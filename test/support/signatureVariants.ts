// Other ways to write a signature that a peer could put in its place: the same (r, s) in another
// encoding, its high-S twin (which verifies too, unless refused), a flipped recovery byte, and
// plain damage. A parser that accepts one of them takes a second block for content signed once.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { hexToBigInt, numberToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { WalletIdentity } from '../../src/p2p/walletIdentity.ts'
import { walletIdentityOf as signedIdentityOf } from './walletSignatures.ts'

/** The order of secp256k1's group: s and n − s verify alike. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** A DER signature's variants: see derVariant. */
export const DER_VARIANTS = ['highS', 'padR', 'padS', 'longLength', 'trailing', 'compact', 'upper', 'truncated', 'flipped'] as const
export type DerVariant = (typeof DER_VARIANTS)[number]

const derInteger = (value: bigint): Uint8Array => {
  const bytes = hexToBytes(numberToHex(value).slice(2).padStart(64, '0').replace(/^(00)+/, '').padStart(2, '0'))
  return (bytes[0] ?? 0) >= 0x80 ? Uint8Array.of(0, ...bytes) : bytes
}

const der = (r: Uint8Array, s: Uint8Array): Uint8Array => Uint8Array.of(0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s)

/** The r and s of a DER signature (hex), as written. */
function derParts(signature: string): { r: Uint8Array; s: Uint8Array } {
  const bytes = hexToBytes(signature)
  const rLength = bytes[3] ?? 0
  const r = bytes.subarray(4, 4 + rLength)
  const s = bytes.subarray(6 + rLength, 6 + rLength + (bytes[5 + rLength] ?? 0))
  return { r, s }
}

/**
 * A DER signature (lowercase hex, as entries and identities carry it) written another way, or
 * damaged; what is not a DER signature to begin with is only damaged.
 */
export function derVariant(signature: string, variant: DerVariant): string {
  const bytes = /^(?:[0-9a-f]{2})+$/.test(signature) ? hexToBytes(signature) : new Uint8Array(0)
  if (bytes[0] !== 0x30 || bytes.length < 8 || bytes[1] !== bytes.length - 2) return `${signature}00`
  const { r, s } = derParts(signature)
  const sValue = hexToBigInt(`0x${bytesToHex(s) || '00'}`)
  switch (variant) {
    case 'highS':
      return sValue > 0n && sValue < N ? bytesToHex(der(r, derInteger(N - sValue))) : `${signature}00`
    case 'padR':
      return bytesToHex(der(Uint8Array.of(0, ...r), s))
    case 'padS':
      return bytesToHex(der(r, Uint8Array.of(0, ...s)))
    case 'longLength':
      return bytesToHex(Uint8Array.of(0x30, 0x81, ...bytes.subarray(1)))
    case 'trailing':
      return `${signature}00`
    case 'compact':
      return bytesToHex(r.subarray(-32)).padStart(64, '0') + bytesToHex(s.subarray(-32)).padStart(64, '0')
    case 'upper':
      return signature.toUpperCase()
    case 'truncated':
      return signature.slice(0, -2)
    case 'flipped':
      return bytesToHex(bytes.map((byte, i) => (i === bytes.length - 1 ? byte ^ 1 : byte)))
  }
}

/** A 65-byte recoverable signature's variants: see bindingVariant. */
export const BINDING_VARIANTS = ['highS', 'v0', 'vFlip', 'v29', 'upper', 'prefixed', 'short', 'long', 'flipped'] as const
export type BindingVariant = (typeof BINDING_VARIANTS)[number]

/** A wallet's r ‖ s ‖ v signature (hex, v 27 or 28) written another way, or damaged. */
export function bindingVariant(binding: string, variant: BindingVariant): string {
  const bytes = hexToBytes(binding)
  const v = bytes[64] ?? 27
  const rs = binding.slice(0, 128)
  const withV = (value: number): string => `${rs}${value.toString(16).padStart(2, '0')}`
  switch (variant) {
    case 'highS': {
      // (r, n − s) with the other recovery byte recovers the same address.
      const s = N - hexToBigInt(`0x${binding.slice(64, 128)}`)
      return `${binding.slice(0, 64)}${numberToHex(s).slice(2).padStart(64, '0')}${(v ^ 0x07).toString(16)}`
    }
    case 'v0':
      return withV(v - 27)
    case 'vFlip':
      return withV(v ^ 0x07)
    case 'v29':
      return withV(v + 8)
    case 'upper':
      return binding.toUpperCase()
    case 'prefixed':
      return `0x${binding}`
    case 'short':
      return binding.slice(0, -2)
    case 'long':
      return `${binding}00`
    case 'flipped':
      return bytesToHex(bytes.map((byte, i) => (i === 10 ? byte ^ 1 : byte)))
  }
}

/** The wallet identity of a private key, made as the app makes it: viem's wallet signs the key derivation and the binding (for TEST_DOMAIN). */
export async function walletIdentityOf(privateKey: `0x${string}`): Promise<WalletIdentity> {
  return (await signedIdentityOf(privateKeyToAccount(privateKey))).identity
}
