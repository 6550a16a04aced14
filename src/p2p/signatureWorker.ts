// A Web Worker that checks entry signatures, so replication verifies on another core
// while the page decrypts and stores. Public data only: signatures, public keys, bytes.
import { prepareSecp256k1Checks, prepareSecp256k1Key, verifySecp256k1 } from '../crypto/index.ts'
import type { WorkerAnswer, WorkerRequest } from './verifySignatures.ts'

// This thread checks signatures by the hundred: its generator's larger window pays at once.
prepareSecp256k1Checks()

const scope = globalThis as unknown as { onmessage: ((event: { data: WorkerRequest }) => void) | null; postMessage(message: WorkerAnswer): void }

scope.onmessage = ({ data }) => {
  // A key whose signatures are about to come: its precomputed window is made now.
  if ('prepare' in data) prepareSecp256k1Key(data.prepare)
  else scope.postMessage({ id: data.id, results: data.items.map(({ signature, publicKey, data: bytes }) => verifySecp256k1(signature, publicKey, bytes)) })
}
