// secp256k1 ECDSA in OrbitDB's format, for log entries and identities: over the SHA-256
// of the data, DER, low-s (what @libp2p/crypto makes and any stock OrbitDB peer checks).
//
// Verification is the hot path of replication (one signature per entry, in a worker), so
// the writer's public key is kept as a curve point with precomputed multiples: the same
// writer signs most entries, and this makes a check about three times faster than noble's
// verify(). The steps are noble's; the Wycheproof vectors (standardVectors.test.ts) hold
// them to the standard, the r + n case included.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'

const { Point, Signature } = secp256k1
const Fn = Point.Fn
const Fp = Point.Fp
type CurvePoint = InstanceType<typeof Point>

/** A compressed SEC 1 public key has 33 bytes: the only form the log accepts. */
const PUBLIC_KEY_LENGTH = 33

function assertSecretKey(secretKey: unknown): asserts secretKey is Uint8Array {
  if (!(secretKey instanceof Uint8Array) || !secp256k1.utils.isValidSecretKey(secretKey)) {
    throw new CryptoError('INVALID_KEY', `A secp256k1 secret key is 32 bytes, a number from 1 to n-1; got ${describe(secretKey)} that is not.`)
  }
}

/**
 * The compressed (33-byte) public key of a secp256k1 secret key.
 *
 * @throws {CryptoError} `INVALID_KEY` when `secretKey` is not 32 bytes in [1, n-1].
 */
export function secp256k1PublicKey(secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey)
  return secp256k1.getPublicKey(secretKey, true)
}

/**
 * Signs `data` as OrbitDB does: ECDSA(secp256k1) over SHA-256(data), DER, low-s, with an
 * RFC 6979 nonce, so the same key and data always give the same signature.
 *
 * @param secretKey - The identity's secret key; used here only, it never leaves the device.
 * @param additionalData - RFC 6979's additional data k' (section 3.6), 32 bytes, that the nonce is
 *   also drawn from: none for the page's signatures, zeros for an import's (bulkSigning.ts).
 * @returns The DER-encoded signature.
 * @throws {CryptoError} `INVALID_KEY` for a secret key that is not a valid scalar, `INVALID_INPUT` when `data` is not bytes.
 */
export function signSecp256k1(secretKey: Uint8Array, data: Uint8Array, additionalData?: Uint8Array): Uint8Array {
  assertSecretKey(secretKey)
  if (!(data instanceof Uint8Array)) throw new CryptoError('INVALID_INPUT', `The data to sign must be a Uint8Array; got ${describe(data)}.`)
  return secp256k1.sign(sha256(data), secretKey, { prehash: false, format: 'der', ...(additionalData === undefined ? {} : { extraEntropy: additionalData }) })
}

/** A secp256k1 signing key kept inside src/crypto: its holder signs with it but never reads the secret. */
export interface Secp256k1Signer {
  /** The compressed (33-byte) public key. */
  readonly publicKey: Uint8Array
  /** {@link signSecp256k1} with the held key: DER, low-s, deterministic. */
  sign(data: Uint8Array): Uint8Array
  /**
   * Posts a copy of the key to a worker of this app, which signs with it on another core
   * ({@link signerFromPosted} there): a structured copy within this browser tab's memory, so the
   * key still never leaves the device, and the holder still never reads it.
   */
  postTo(worker: { postMessage(message: unknown): void }): void
}

/** The message postTo sends. */
interface PostedSigningKey {
  kind: 'secp256k1-signing-key'
  secretKey: Uint8Array
}

/**
 * A signer over a copy of `secretKey`, for code outside src/crypto (the history log's identity)
 * that must sign but has no business holding the secret.
 *
 * @throws {CryptoError} `INVALID_KEY` when `secretKey` is not 32 bytes in [1, n-1].
 */
export function secp256k1Signer(secretKey: Uint8Array): Secp256k1Signer {
  assertSecretKey(secretKey)
  const key = secretKey.slice()
  const publicKey = secp256k1.getPublicKey(key, true)
  return {
    get publicKey() {
      return publicKey.slice()
    },
    sign: (data) => signSecp256k1(key, data),
    postTo: (worker) => worker.postMessage({ kind: 'secp256k1-signing-key', secretKey: key.slice() } satisfies PostedSigningKey)
  }
}

/**
 * The signer a worker gets from {@link Secp256k1Signer.postTo}'s message, or undefined when the
 * message is not one.
 *
 * @param makeSigner - Makes the signer over the posted key: a signing worker's bulk signer (bulkSigning.ts).
 * @throws {CryptoError} `INVALID_KEY` when the message carries a key that is not a valid scalar.
 */
export function signerFromPosted(message: unknown, makeSigner: (secretKey: Uint8Array) => Secp256k1Signer = secp256k1Signer): Secp256k1Signer | undefined {
  if (!isPostedSigningKey(message)) return undefined
  return makeSigner(message.secretKey)
}

/** Whether a worker's message is a {@link Secp256k1Signer.postTo} message (its key not yet checked). */
export function isPostedSigningKey(message: unknown): message is PostedSigningKey {
  return typeof message === 'object' && message !== null && (message as Partial<PostedSigningKey>).kind === 'secp256k1-signing-key'
}

const POINT_CACHE_SIZE = 32
/**
 * The check at which a key gets its precomputed window. The window costs as much as some 30
 * checks without it (about 30 ms in Node here) and makes each later one about twice as fast: a
 * key whose entries are being checked, by the hundred, gains it back; a key that signs only its
 * identity and a hello or two (each device that pulls from a keeper) never would, and a keeper
 * serving 50 such devices at once spent a third of its time making windows.
 */
const PRECOMPUTE_AT_USE = 8
const points = new Map<string, { point: CurvePoint | null; uses: number }>()

/** The generator G with a window of 8 bits, once prepareSecp256k1Checks made it; noble's base point until then. */
let generator: CurvePoint = Point.BASE

/**
 * Makes this thread's own copy of the generator G with a precomputed window of 8 bits (noble's base
 * point, which other code shares, has a smaller one): u1·G is then about a fifth faster, each check
 * about a tenth. It costs as much as one key's window, once: for a thread that checks signatures by
 * the thousand (a signature worker as it starts), not one that checks a hello now and then.
 */
export function prepareSecp256k1Checks(): void {
  if (generator !== Point.BASE) return
  const own = Point.fromAffine(Point.BASE.toAffine()).precompute(8)
  own.multiplyUnsafe(3n)
  generator = own
}

/**
 * Makes `publicKey`'s precomputed window now, as its PRECOMPUTE_AT_USE-th check would: for a key whose
 * signatures are about to be checked by the hundred (a pull's writer), while nothing else waits. Nothing
 * for a key that is not a valid compressed one, or that has its window already.
 */
export function prepareSecp256k1Key(publicKey: Uint8Array): void {
  if (!(publicKey instanceof Uint8Array)) return
  const cached = cachedPoint(publicKey)
  if (cached.uses < PRECOMPUTE_AT_USE) {
    cached.uses = PRECOMPUTE_AT_USE
    // Built now: noble builds a window at its first use, which would be the first check. The table
    // checks use is the one multiplyUnsafe builds (precompute's own eager build makes another).
    cached.point?.precompute(8).multiplyUnsafe(3n)
  }
}

/** The cache's record of a public key, made (without a window) when it is new. */
function cachedPoint(publicKey: Uint8Array): { point: CurvePoint | null; uses: number } {
  const key = bytesToHex(publicKey)
  let cached = points.get(key)
  if (cached === undefined) {
    let point: CurvePoint | null
    try {
      point = publicKey.length === PUBLIC_KEY_LENGTH ? Point.fromBytes(publicKey) : null
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
  return cached
}

/**
 * The public key as a point, cached: undefined when it is not a valid compressed key. A key
 * checked PRECOMPUTE_AT_USE times gets a precomputed window, from then on.
 */
function publicPoint(publicKey: Uint8Array): CurvePoint | undefined {
  const cached = cachedPoint(publicKey)
  cached.uses += 1
  if (cached.uses === PRECOMPUTE_AT_USE) cached.point?.precompute(8)
  return cached.point ?? undefined
}

/**
 * Checks an OrbitDB-format signature (ECDSA secp256k1 over SHA-256(data), strict DER) by
 * the 33-byte compressed `publicKey`. High-s signatures are refused, as in Bitcoin and
 * Ethereum, so a signature cannot be altered into a second valid one. Never throws: a
 * malformed signature or key, which a peer may send, is simply not valid.
 */
export function verifySecp256k1(signature: Uint8Array, publicKey: Uint8Array, data: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || !(publicKey instanceof Uint8Array) || !(data instanceof Uint8Array)) return false
  const point = publicPoint(publicKey)
  if (point === undefined) return false
  let sig: InstanceType<typeof Signature>
  try {
    sig = Signature.fromBytes(signature, 'der')
  } catch {
    return false
  }
  // SEC 1 4.1.4 as noble's verify() does it (fromBytes has checked r and s in [1, n-1]),
  // with u1·G + u2·P over the cached point.
  if (sig.hasHighS()) return false
  const h = Fn.create(bytesToNumberBE(sha256(data)))
  const sInverse = Fn.inv(sig.s)
  const u1 = Fn.mul(h, sInverse)
  const u2 = Fn.mul(sig.r, sInverse)
  const R = generator.multiplyUnsafe(u1).add(point.multiplyUnsafe(u2))
  if (R.is0()) return false
  // R.x mod n == r, without the field inversion of toAffine(): in projective coordinates
  // x = X/Z, and x is r or r + n (p > n), so X == r·Z or X == (r + n)·Z.
  if (Fp.eql(R.X, Fp.mul(sig.r, R.Z))) return true
  const rn = sig.r + Fn.ORDER
  return rn < Fp.ORDER && Fp.eql(R.X, Fp.mul(rn, R.Z))
}
