// The wallet's personal_sign (EIP-191), checked without viem: a wallet vouches for the
// history signing key this way, and every peer recovers the address from the signature.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

/** The EIP-191 digest a wallet signs for personal_sign(message). */
function personalMessageDigest(message: string): Uint8Array {
  const bytes = utf8ToBytes(message)
  return keccak_256(concatBytes(utf8ToBytes(`\u0019Ethereum Signed Message:\n${bytes.length}`), bytes))
}

/**
 * The address that personal_sign-ed `message` with this 65-byte signature (r ‖ s ‖ v,
 * v in {0, 1, 27, 28}), lowercase; undefined when the signature is malformed or high-s
 * (EIP-2: wallets give low-s, and refusing the twin keeps one signature per message).
 * Never throws: the signature comes from a peer.
 */
export function personalSignAddress(message: string, signature: Uint8Array): `0x${string}` | undefined {
  if (typeof message !== 'string' || !(signature instanceof Uint8Array) || signature.length !== 65) return undefined
  const v = signature[64] ?? 0
  const recovery = v >= 27 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) return undefined
  try {
    const sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact')
    if (sig.hasHighS()) return undefined
    const publicKey = sig.addRecoveryBit(recovery).recoverPublicKey(personalMessageDigest(message)).toBytes(false)
    return `0x${bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12))}`
  } catch {
    return undefined
  }
}
