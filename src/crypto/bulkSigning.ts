// Signing by the thousand: an import's entries, in the signing worker (src/p2p/entryChainWorker.ts).
//
// libsecp256k1, the C library Bitcoin Core signs with, compiled to WebAssembly, signs about twice
// as fast as noble's JavaScript here (3,611 signatures in Node: ~610 ms against ~1,250 with noble's
// widest useful window), and in constant time as C can promise and JavaScript cannot. Its wrapper
// blinds the signing context afresh before each signature and holds the secret in the module's
// memory only while it signs, zeroed after.
//
// The library always feeds its nonce 32 bytes of additional data (RFC 6979 section 3.6); they
// are zeros here, so its signatures stay deterministic: the same key and entry always give the
// same signature (noble gives the very same bytes with that additional data; the test checks it).
// They differ from the page's own signatures, which have none: a stock OrbitDB peer checks both
// alike. Where WebAssembly may not run (a policy that forbids it, a browser without it), noble
// signs instead, with a wider precomputed window of the base point.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { initWasmSecp256k1 } from '@solar-republic/wasm-secp256k1/gzipped'
import { describe } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'
import { secp256k1Signer, type Secp256k1Signer } from './secp256k1Signature.ts'

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

/** The additional data of every libsecp256k1 signature here: none to speak of, so signing stays deterministic. */
const ZERO_EXTRA_DATA = new Uint8Array(32)

/**
 * Readies this thread to sign many signatures in a row (a worker about to sign an import, readied
 * while the patient reads the preview): loads libsecp256k1 (some 30 ms), or where it cannot load,
 * builds noble a 10-bit window of the base point (some 190 ms; each signature after is about a
 * seventh faster than with 8 bits, and 11 or 12 bits are slower again, their tables too large for
 * the cache).
 *
 * @param load - Loads the library; a test passes one that fails.
 */
export async function prepareBulkSigning(load: () => Promise<Libsecp256k1> = initWasmSecp256k1): Promise<BulkSigning> {
  let library: Libsecp256k1
  try {
    library = await load()
  } catch {
    secp256k1.Point.BASE.precompute(BULK_WINDOW)
    // The table is built on the first multiplication by a secret scalar, blinded as signing does; 1 is no secret.
    secp256k1.Point.BASE.multiply(1n)
    return { engine: 'noble', signer: secp256k1Signer }
  }
  return { engine: 'libsecp256k1', signer: (secretKey) => librarySigner(library, secretKey) }
}

function librarySigner(library: Libsecp256k1, secretKey: Uint8Array): Secp256k1Signer {
  // The page's signer checks the key, makes the public key and posts copies, as ever.
  const checked = secp256k1Signer(secretKey)
  const key = secretKey.slice()
  return {
    get publicKey() {
      return checked.publicKey
    },
    sign(data) {
      if (!(data instanceof Uint8Array)) throw new CryptoError('INVALID_INPUT', `The data to sign must be a Uint8Array; got ${describe(data)}.`)
      const [compact] = library.sign(key, sha256(data), ZERO_EXTRA_DATA)
      // libsecp256k1 makes low-s signatures only.
      return secp256k1.Signature.fromBytes(compact, 'compact').toBytes('der')
    },
    postTo: (worker) => checked.postTo(worker)
  }
}
