// A Web Worker that checks entry signatures, so replication verifies on another core
// while the page decrypts and stores. Public data only: signatures, public keys, bytes.
import { verifySecp256k1 } from '../crypto/index.ts'

interface Request {
  id: number
  items: { signature: Uint8Array; publicKey: Uint8Array; data: Uint8Array }[]
}

const scope = globalThis as unknown as { onmessage: ((event: { data: Request }) => void) | null; postMessage(message: unknown): void }

scope.onmessage = ({ data }) => {
  scope.postMessage({ id: data.id, results: data.items.map(({ signature, publicKey, data: bytes }) => verifySecp256k1(signature, publicKey, bytes)) })
}
