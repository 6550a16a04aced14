// The one wallet signature that seeds every key of a user. Only (r, s) feed the
// derivation, with s normalised to the low half of the curve order, so the keys do
// not depend on how a wallet encodes v or which of the two valid s values it returns.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { CryptoError } from './CryptoError.ts'

/** HKDF salt shared by every key derived from the wallet signature; the info strings tell the keys apart. */
export const KEY_DERIVATION_SALT = utf8ToBytes('anamnesis/key-derivation/v1')

const N = secp256k1.Point.Fn.ORDER

/**
 * r ‖ s (64 bytes) from a 65-byte signature r ‖ s ‖ v, with s made low (EIP-2). This seed is the root
 * of every key of the user: it must only feed the derivation, never be stored or sent.
 *
 * @throws {CryptoError} `INVALID_SIGNATURE` when the signature is not 65 bytes or r or s is not in [1, n-1].
 */
export function signatureSeed(signature: Uint8Array): Uint8Array {
  if (!(signature instanceof Uint8Array) || signature.length !== 65) {
    throw new CryptoError('INVALID_SIGNATURE', `A wallet signature has 65 bytes; got ${signature instanceof Uint8Array ? signature.length : typeof signature}.`)
  }
  const r = bytesToNumberBE(signature.subarray(0, 32))
  let s = bytesToNumberBE(signature.subarray(32, 64))
  if (r === 0n || r >= N || s === 0n || s >= N) {
    throw new CryptoError('INVALID_SIGNATURE', 'This is not a valid wallet signature: r or s is outside the curve order. Sign the message again.')
  }
  if (s > N >> 1n) s = N - s
  return concatBytes(signature.slice(0, 32), numberToBytesBE(s, 32))
}
