// A Web Worker that signs rows of the history log's new entries with the writer's key, which the
// page posts to it once (src/crypto Secp256k1Signer.postTo), so a long append signs on another core.
// It signs with libsecp256k1 where WebAssembly may run (src/crypto bulkSigning.ts), loaded when the
// page readies it for an import or at its first row, whichever comes first.
import { bytesToHex } from '@noble/hashes/utils.js'
import { isPostedSigningKey, prepareBulkSigning, signerFromPosted, type BulkSigning, type Secp256k1Signer } from '../crypto/index.ts'
import { isChainPrepare, signChain, type ChainAnswer, type ChainRequest } from './entryChain.ts'

const scope = globalThis as unknown as { onmessage: ((event: { data: unknown }) => void) | null; postMessage(message: ChainAnswer): void }

let bulkSigning: Promise<BulkSigning> | undefined
const ready = (): Promise<BulkSigning> => (bulkSigning ??= prepareBulkSigning())

/** The signer over the posted key, made once signing is ready; rows wait for it in the order they came. */
let signer: Promise<Secp256k1Signer> | undefined

scope.onmessage = ({ data }) => {
  if (signer === undefined && isPostedSigningKey(data)) {
    // The key is checked now: a bad one throws here, the page hears of it and ends this worker.
    signerFromPosted(data)
    signer = ready().then((signing) => signerFromPosted(data, signing.signer) as Secp256k1Signer)
    return
  }
  if (isChainPrepare(data)) {
    void ready()
    return
  }
  void answer(data as ChainRequest)
}

async function answer(request: ChainRequest): Promise<void> {
  try {
    if (signer === undefined) throw new Error('no signing key was posted to this worker')
    const held = await signer
    if (bytesToHex(held.publicKey) !== request.key) throw new Error('this worker holds the key of another identity')
    const entries = signChain({ key: request.key, identity: request.identity, signer: held }, request.logId, request.links)
    scope.postMessage({ id: request.id, signed: entries.map(({ sig, hash, bytes }) => ({ sig, hash, bytes })) })
  } catch (error) {
    scope.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) })
  }
}
