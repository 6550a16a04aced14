// A Web Worker that checks entry signatures, and reads and checks the blocks a peer sent, so
// replication decodes, hashes and verifies on another core while the page decrypts and stores.
// Public data only: signatures, public keys, signed log blocks (their payloads are sealed).
import { prepareSecp256k1Checks, prepareSecp256k1Key, verifySecp256k1 } from '../crypto/index.ts'
import { checkBlock, type ProvenSigner } from './logEntry.ts'
import type { WorkerAnswer, WorkerCheckedBlock, WorkerRequest } from './verifySignatures.ts'
import { WARM_UP_PUBLIC_KEY, warmUpBlocks } from './warmUpBlocks.ts'

// This thread checks signatures by the hundred: its generator's larger window pays at once.
prepareSecp256k1Checks()

/** A block's check as the page needs it back: not the block's bytes, which it sent. */
function checkedWithoutBytes(bytes: Uint8Array, proven?: ProvenSigner): WorkerCheckedBlock {
  const checked = checkBlock(bytes, proven)
  if ('refusal' in checked) return checked
  const { id, payload, next, refs, clock, v, key, identity, sig, hash } = checked.entry
  return { entry: { id, payload, next, refs, clock, v, key, identity, sig, hash }, signed: checked.signed }
}

let warmedUp = false
/** Checks the warm-up blocks under a key with its window, once: each log that opens asks, and the code stays compiled. */
function warmUp(): void {
  if (warmedUp) return
  warmedUp = true
  prepareSecp256k1Key(WARM_UP_PUBLIC_KEY)
  warmUpBlocks().forEach((bytes) => checkedWithoutBytes(bytes))
}

const scope = globalThis as unknown as { onmessage: ((event: { data: WorkerRequest }) => void) | null; postMessage(message: WorkerAnswer): void }

scope.onmessage = ({ data }) => {
  // A key whose signatures are about to come: its precomputed window is made now.
  if ('prepare' in data) prepareSecp256k1Key(data.prepare)
  else if ('warmUp' in data) warmUp()
  else if ('blocks' in data) scope.postMessage({ id: data.id, checks: data.blocks.map((bytes) => checkedWithoutBytes(bytes, data.proven)) })
  else scope.postMessage({ id: data.id, results: data.items.map(({ signature, publicKey, data: bytes }) => verifySecp256k1(signature, publicKey, bytes)) })
}
