// The two kinds of signature the history log checks, without viem:
// - entry and identity signatures in OrbitDB's format: secp256k1 ECDSA over the SHA-256
//   of the data, DER, low-s (what @libp2p/crypto makes and any stock OrbitDB peer checks);
// - the wallet's personal_sign (EIP-191) that binds an identity key to an address.
//
// Verification is the hot path of replication (one signature per entry), so the writer's
// public key is kept as a curve point with precomputed multiples: the same writer signs
// most entries, and this makes a check about three times faster than noble's verify().
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

const { Point, Signature } = secp256k1
const Fn = Point.Fn
const Fp = Point.Fp
type CurvePoint = InstanceType<typeof Point>

/** Signs `data` as OrbitDB does: ECDSA(secp256k1) over SHA-256(data), DER, low-s, RFC 6979 nonce. */
export function signData(secretKey: Uint8Array, data: Uint8Array): Uint8Array {
  return secp256k1.sign(sha256(data), secretKey, { prehash: false, format: 'der' })
}

const POINT_CACHE_SIZE = 32
const points = new Map<string, { point: CurvePoint | null; uses: number }>()

/**
 * The public key as a point, cached: undefined when it is not a valid compressed key. A key
 * seen a second time gets a precomputed window (tens of milliseconds once, then every
 * check is faster); a key checked once, like an identity's, does not pay for it.
 */
function publicPoint(publicKey: Uint8Array): CurvePoint | undefined {
  const key = bytesToHex(publicKey)
  let cached = points.get(key)
  if (cached === undefined) {
    let point: CurvePoint | null
    try {
      if (publicKey.length !== 33) throw new Error('not a compressed key')
      point = Point.fromBytes(publicKey)
    } catch {
      point = null
    }
    if (points.size >= POINT_CACHE_SIZE) {
      const oldest = points.keys().next().value
      if (oldest !== undefined) points.delete(oldest)
    }
    cached = { point, uses: 0 }
    points.set(key, cached)
  }
  cached.uses += 1
  if (cached.uses === 2) cached.point?.precompute(8)
  return cached.point ?? undefined
}

/**
 * Checks an OrbitDB-format signature. SEC 1 4.1.4 with u1·G + u2·P, the same steps as
 * noble's verify() (low-s required, r and s in [1, n-1]), but over a cached point.
 */
export function verifyData(signature: Uint8Array, publicKey: Uint8Array, data: Uint8Array): boolean {
  const point = publicPoint(publicKey)
  if (point === undefined) return false
  let sig: InstanceType<typeof Signature>
  try {
    sig = Signature.fromBytes(signature, 'der')
  } catch {
    return false
  }
  if (sig.hasHighS()) return false
  const h = Fn.create(bytesToNumberBE(sha256(data)))
  const sInverse = Fn.inv(sig.s)
  const u1 = Fn.mul(h, sInverse)
  const u2 = Fn.mul(sig.r, sInverse)
  const R = Point.BASE.multiplyUnsafe(u1).add(point.multiplyUnsafe(u2))
  if (R.is0()) return false
  // R.x mod n == r, without the field inversion of toAffine(): in projective coordinates
  // x = X/Z, and x is r or r + n (p > n), so X == r·Z or X == (r + n)·Z.
  if (Fp.eql(R.X, Fp.mul(sig.r, R.Z))) return true
  const rn = sig.r + Fn.ORDER
  return rn < Fp.ORDER && Fp.eql(R.X, Fp.mul(rn, R.Z))
}

/** The EIP-191 digest a wallet signs for personal_sign(message). */
export function personalMessageDigest(message: string): Uint8Array {
  const bytes = utf8ToBytes(message)
  return keccak_256(concatBytes(utf8ToBytes(`\u0019Ethereum Signed Message:\n${bytes.length}`), bytes))
}

/**
 * The address that personal_sign-ed `message` with this 65-byte signature (r ‖ s ‖ v,
 * v in {0, 1, 27, 28}), lowercase; undefined when the signature is malformed or high-s.
 */
export function personalSignAddress(message: string, signature: Uint8Array): `0x${string}` | undefined {
  if (signature.length !== 65) return undefined
  const v = signature[64] ?? 0
  const recovery = v >= 27 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) return undefined
  try {
    const sig = Signature.fromBytes(signature.subarray(0, 64), 'compact')
    if (sig.hasHighS()) return undefined
    const publicKey = sig.addRecoveryBit(recovery).recoverPublicKey(personalMessageDigest(message)).toBytes(false)
    return `0x${bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12))}`
  } catch {
    return undefined
  }
}
