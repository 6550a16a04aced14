// Checks many OrbitDB-format signatures at once. In a browser the work goes to a small
// pool of Web Workers (ECDSA verification is most of what replication costs, and the page
// has other work: decrypting, storing); elsewhere, or if workers cannot start, it runs here.
import { sha256 } from '@noble/hashes/sha2.js'
import { secp256k1PublicKey, signSecp256k1, verifySecp256k1 } from '../crypto/index.ts'

/** One signature to check, as OrbitDB makes them: ECDSA secp256k1 over SHA-256 of `data`. */
export interface SignatureCheck {
  /** DER-encoded; a high-S signature does not verify. */
  signature: Uint8Array
  /** The compressed secp256k1 public key. */
  publicKey: Uint8Array
  data: Uint8Array
}

/** Checks signatures in bulk; one boolean per item, in order, false for any that does not verify. */
export type VerifySignatures = (items: readonly SignatureCheck[]) => Promise<boolean[]>

/** What the worker is asked (signatureWorker.ts): signatures to check, or a key to prepare (no answer). */
export type WorkerRequest = { id: number; items: readonly SignatureCheck[] } | { prepare: Uint8Array }
/** The worker's answer to a request, by its id: one boolean per signature, in order. */
export interface WorkerAnswer {
  id: number
  results: boolean[]
}

const verifyHere: VerifySignatures = (items) => Promise.resolve(items.map(({ signature, publicKey, data }) => verifySecp256k1(signature, publicKey, data)))

/** Batches smaller than this are not worth a round trip to a worker. */
const MIN_FOR_WORKER = 16
const WORKER_TIMEOUT_MS = 10_000

interface PooledWorker {
  worker: Worker
  busy: number
}

function startPool(): PooledWorker[] | undefined {
  if (typeof Worker === 'undefined' || typeof window === 'undefined') return undefined
  const size = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1))
  try {
    return Array.from({ length: size }, () => ({ worker: new Worker(new URL('./signatureWorker.ts', import.meta.url), { type: 'module' }), busy: 0 }))
  } catch {
    return undefined
  }
}

let pool: PooledWorker[] | undefined | null = null
let nextId = 0
const waiting = new Map<number, { resolve: (results: boolean[]) => void; reject: (error: Error) => void; worker: PooledWorker }>()

function workers(): PooledWorker[] | undefined {
  if (pool === null) {
    pool = startPool()
    for (const pooled of pool ?? []) {
      pooled.worker.onmessage = ({ data }: MessageEvent<WorkerAnswer>) => {
        const request = waiting.get(data.id)
        if (request === undefined) return
        waiting.delete(data.id)
        request.worker.busy -= 1
        request.resolve(data.results)
      }
      pooled.worker.onmessageerror = pooled.worker.onerror = () => {
        // A worker that fails takes no more work; its requests are checked here instead.
        pool = pool?.filter((p) => p !== pooled)
        for (const [id, request] of waiting) if (request.worker === pooled) {
          waiting.delete(id)
          request.reject(new Error('the signature worker failed'))
        }
      }
    }
  }
  return pool === undefined || pool.length === 0 ? undefined : pool
}

/**
 * Checks every signature; resolves in the order given. A batch of 16 or more goes to the
 * least busy worker in a browser; a worker that fails or takes over 10 s leaves the batch to be
 * checked on this thread. Never rejects for a bad signature: that item is false.
 */
export const verifySignatures: VerifySignatures = async (items) => {
  const available = items.length < MIN_FOR_WORKER ? undefined : workers()
  if (available === undefined) return await verifyHere(items)
  const pooled = available.reduce((a, b) => (b.busy < a.busy ? b : a))
  const id = nextId++
  pooled.busy += 1
  try {
    return await new Promise<boolean[]>((resolve, reject) => {
      // A worker that does not answer in time is not waited for: the checks run here.
      const timer = setTimeout(() => {
        waiting.delete(id)
        pooled.busy -= 1
        reject(new Error('the signature worker did not answer'))
      }, WORKER_TIMEOUT_MS)
      waiting.set(id, {
        resolve: (results) => {
          clearTimeout(timer)
          resolve(results)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
        worker: pooled
      })
      pooled.worker.postMessage({ id, items } satisfies WorkerRequest)
    })
  } catch {
    return await verifyHere(items)
  }
}

/**
 * Has the workers make `publicKey`'s precomputed window now (prepareSecp256k1Key), before the entries
 * it signed arrive: a pull's first frame then does not wait for it. Nothing where there are no
 * workers (Node: a keeper makes a window only for a key it checks many times).
 */
export function prepareSignatureKey(publicKey: Uint8Array): void {
  for (const pooled of workers() ?? []) pooled.worker.postMessage({ prepare: publicKey } satisfies WorkerRequest)
}

/**
 * Starts the workers and has them check a few signatures, so the first frame of a sync
 * does not wait for a worker to load and compile its curve arithmetic. Cheap; call it when
 * a log opens.
 */
export function warmUpSignatureWorkers(): void {
  const available = workers()
  if (available === undefined) return
  const secretKey = sha256(new TextEncoder().encode('anamnesis/signature-worker-warm-up'))
  const publicKey = secp256k1PublicKey(secretKey)
  const items = Array.from({ length: 8 }, (_, i) => {
    const data = Uint8Array.of(i)
    return { signature: signSecp256k1(secretKey, data), publicKey, data }
  })
  for (const pooled of available) pooled.worker.postMessage({ id: -1, items } satisfies WorkerRequest)
}
