// Signing by the thousand: an import's entries, in the signing worker (src/p2p/entryChainWorker.ts).
//
// libsecp256k1, the C library Bitcoin Core signs with, compiled to WebAssembly, signs about twice
// as fast as noble's JavaScript here (3,611 signatures in Node: ~610 ms against ~1,250 with noble's
// widest useful window), and in constant time as C can promise and JavaScript cannot. Its wrapper
// blinds the signing context afresh before each signature, and zeroes its copy of the key in the
// module's memory after each (the copies JavaScript makes on the way are left to the garbage
// collector, as with noble).
//
// The library always feeds its nonce 32 bytes of additional data (RFC 6979 section 3.6); they
// are zeros here, so its signatures stay deterministic: the same key and entry always give the
// same signature. Where the library cannot load (a policy that forbids WebAssembly, a browser
// without it), fails its check as it loads, or fails in the middle of an import, noble signs with
// the same additional data: the very same bytes. They differ from the page's own signatures,
// which have none; a stock OrbitDB peer checks both alike.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { initWasmSecp256k1 } from '@solar-republic/wasm-secp256k1/gzipped'
import { equalBytes } from '@noble/curves/utils.js'
import { secp256k1Signer, signSecp256k1, type Secp256k1Signer } from './secp256k1Signature.ts'

type Libsecp256k1 = Awaited<ReturnType<typeof initWasmSecp256k1>>

/** How an import signs: which engine, and a signer over a secret key with it. */
export interface BulkSigning {
  readonly engine: 'libsecp256k1' | 'noble'
  /**
   * A signer over a copy of `secretKey`: DER, low-s, deterministic, as {@link secp256k1Signer}'s.
   *
   * @throws {CryptoError} `INVALID_KEY` when `secretKey` is not 32 bytes in [1, n-1].
   */
  readonly signer: (secretKey: Uint8Array) => Secp256k1Signer
}

/** The base point's precomputed window when noble signs by the thousand (its default is 6 bits). */
const BULK_WINDOW = 10

/** The additional data of every signature here: none to speak of, so signing stays deterministic. */
const ZERO_EXTRA_DATA = new Uint8Array(32)

/** How long the library may take to load (some 30 ms here) before noble signs instead. */
const LOAD_TIMEOUT_MS = 5_000

/**
 * Readies this thread to sign many signatures in a row (a worker about to sign an import, readied
 * while the patient reads the preview): loads libsecp256k1 and checks that it signs as noble does,
 * or where it cannot, builds noble a 10-bit window of the base point (some 190 ms; each signature
 * after is about a seventh faster than with 8 bits, and 11 or 12 bits are slower again, their
 * tables too large for the cache).
 *
 * @param options.load - Loads the library; a test passes one that fails or misbehaves.
 * @param options.loadTimeoutMs - How long loading may take before noble signs instead.
 */
export async function prepareBulkSigning(options: { load?: () => Promise<Libsecp256k1>; loadTimeoutMs?: number } = {}): Promise<BulkSigning> {
  const { load = initWasmSecp256k1, loadTimeoutMs = LOAD_TIMEOUT_MS } = options
  let timer: ReturnType<typeof setTimeout> | undefined
  let library: Libsecp256k1 | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('libsecp256k1 did not load in time')), loadTimeoutMs)
    })
    library = await Promise.race([load(), timeout])
    if (!signsAsNoble(library)) library = undefined
  } catch {
    library = undefined
  } finally {
    clearTimeout(timer)
  }
  if (library === undefined) {
    secp256k1.Point.BASE.precompute(BULK_WINDOW)
    // The table is built on the first multiplication by a secret scalar, blinded as signing does; 1 is no secret.
    secp256k1.Point.BASE.multiply(1n)
    return { engine: 'noble', signer: (secretKey) => bulkSigner(secretKey, undefined) }
  }
  const loaded = library
  return { engine: 'libsecp256k1', signer: (secretKey) => bulkSigner(secretKey, loaded) }
}

/** Whether the library signs, with a key that is no secret, the very bytes noble makes. */
function signsAsNoble(library: Libsecp256k1): boolean {
  const notSecret = new Uint8Array(32)
  notSecret[31] = 7
  const data = new TextEncoder().encode('libsecp256k1 signs as noble does')
  try {
    return equalBytes(librarySignature(library, notSecret, data), signSecp256k1(notSecret, data, ZERO_EXTRA_DATA))
  } catch {
    return false
  }
}

/**
 * libsecp256k1's signature of SHA-256(`data`), DER.
 *
 * @throws {Error} When the library fails or makes a high-s signature (it never should).
 */
function librarySignature(library: Libsecp256k1, key: Uint8Array, data: Uint8Array): Uint8Array {
  const [compact] = library.sign(key, sha256(data), ZERO_EXTRA_DATA)
  const signature = secp256k1.Signature.fromBytes(compact, 'compact')
  if (signature.hasHighS()) throw new Error('libsecp256k1 made a high-s signature')
  return signature.toBytes('der')
}

function bulkSigner(secretKey: Uint8Array, library: Libsecp256k1 | undefined): Secp256k1Signer {
  // The page's signer checks the key, makes the public key and posts copies, as ever.
  const checked = secp256k1Signer(secretKey)
  const key = secretKey.slice()
  let engine = library
  return {
    get publicKey() {
      return checked.publicKey
    },
    sign(data) {
      if (engine !== undefined && data instanceof Uint8Array) {
        try {
          return librarySignature(engine, key, data)
        } catch {
          // A library that failed once (a trap leaves its memory as it was) signs nothing more
          // here: noble signs from now on, the same bytes.
          engine = undefined
        }
      }
      // noble, with the same additional data; it refuses data that is not bytes.
      return signSecp256k1(key, data, ZERO_EXTRA_DATA)
    },
    postTo: (worker) => checked.postTo(worker)
  }
}
