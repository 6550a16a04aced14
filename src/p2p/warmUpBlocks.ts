// What a signature worker checks as it starts (signatureWorker.ts), so that the first frame of a
// sync does not wait for that code to load and compile.
import { hexToBytes } from '@noble/hashes/utils.js'
import { encodeBlock } from './blocks.ts'
import { ENTRY_VERSION } from './logEntry.ts'

/** The secp256k1 generator G, compressed: a valid public key whose secret (1) signs nothing here. */
const WARM_UP_KEY = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
/** The DER signature r = 1, s = 1: well formed, low-s, and valid for no block here. */
const WARM_UP_SIGNATURE = '3006020101020101'

/** The warm-up blocks' writer key, as bytes: the worker makes its window first, as it does for a pull's writer. */
export const WARM_UP_PUBLIC_KEY = hexToBytes(WARM_UP_KEY)

/**
 * How many blocks a worker checks as it starts: a pull's first frame (FIRST_FRAME_ENTRIES in
 * syncProtocol.ts, not imported: the worker's bundle leaves the protocol out). With fewer, most of the
 * checking code is compiled while a pull's first frames wait for their checks.
 */
const WARM_UP_BLOCKS = 32
/** A record's sealed size, about: the payloads a pull's entries carry. */
const WARM_UP_PAYLOAD_BYTES = 1024

/**
 * Blocks shaped as a pull's, for a signature worker to check as it starts, so that the first frame
 * of a sync does not wait for that code to load and compile. Nobody signs them: their signatures
 * (r = s = 1, under the generator's own key) do not verify, and checking one costs what checking a
 * valid one does. Made in the worker, so that the page spends nothing on them. Checked under a key
 * with its precomputed window (WARM_UP_PUBLIC_KEY, prepared first), as a pull's writers' entries are.
 */
export function warmUpBlocks(): Uint8Array[] {
  const identity = encodeBlock('anamnesis/signature-worker-warm-up').hash
  let next: string[] = []
  return Array.from({ length: WARM_UP_BLOCKS }, (_, i) => {
    const block = encodeBlock({ id: 'anamnesis/signature-worker-warm-up', payload: new Uint8Array(WARM_UP_PAYLOAD_BYTES), next, refs: [], clock: { id: WARM_UP_KEY, time: i + 1 }, v: ENTRY_VERSION, key: WARM_UP_KEY, identity, sig: WARM_UP_SIGNATURE })
    next = [block.hash]
    return block.bytes
  })
}
