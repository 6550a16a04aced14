// A Web Worker that signs rows of the history log's new entries with the writer's key, which the
// page posts to it once (src/crypto Secp256k1Signer.postTo), so a long append signs on another core.
import { bytesToHex } from '@noble/hashes/utils.js'
import { prepareBulkSigning, signerFromPosted, type Secp256k1Signer } from '../crypto/index.ts'
import { isChainPrepare, signChain, type ChainAnswer, type ChainRequest } from './entryChain.ts'

const scope = globalThis as unknown as { onmessage: ((event: { data: unknown }) => void) | null; postMessage(message: ChainAnswer): void }

let signer: Secp256k1Signer | undefined

scope.onmessage = ({ data }) => {
  const posted = signer === undefined ? signerFromPosted(data) : undefined
  if (posted !== undefined) {
    signer = posted
    return
  }
  if (isChainPrepare(data)) {
    prepareBulkSigning()
    return
  }
  const request = data as ChainRequest
  try {
    if (signer === undefined) throw new Error('no signing key was posted to this worker')
    if (bytesToHex(signer.publicKey) !== request.key) throw new Error('this worker holds the key of another identity')
    const entries = signChain({ key: request.key, identity: request.identity, signer }, request.logId, request.links)
    scope.postMessage({ id: request.id, signed: entries.map(({ sig, hash, bytes }) => ({ sig, hash, bytes })) })
  } catch (error) {
    scope.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) })
  }
}
