// Checks many OrbitDB-format signatures, or the blocks a peer sent, at once. In a browser the work
// goes to a small pool of Web Workers (ECDSA verification, with decoding and hashing the blocks, is
// most of what replication costs, and the page has other work: decrypting, storing); elsewhere,
// or if workers cannot start, it runs here.
import { verifySecp256k1 } from '../crypto/index.ts'
import { checkBlock, type CheckedBlock, type LogEntry, type ProvenSigner, type SignatureCheck } from './logEntry.ts'

/** Checks signatures in bulk; one boolean per item, in order, false for any that does not verify. */
export type VerifySignatures = (items: readonly SignatureCheck[]) => Promise<boolean[]>

/**
 * What the worker is asked (signatureWorker.ts): signatures to check, blocks to read and check
 * (checkBlock), a key to prepare, or to warm up (warmUpBlocks); the last two get no answer.
 */
export type WorkerRequest = { id: number; items: readonly SignatureCheck[] } | { id: number; blocks: readonly Uint8Array[]; proven?: ProvenSigner } | { prepare: Uint8Array } | { warmUp: true }
/** A block the worker checked (CheckedBlock), its entry without the bytes: the page holds them already. */
export type WorkerCheckedBlock = { hash: string; refusal: string } | { entry: Omit<LogEntry, 'bytes'>; signed: boolean }
/** The worker's answer to a request, by its id: one boolean per signature, or one check per block, in order. */
export type WorkerAnswer = { id: number; results: boolean[] } | { id: number; checks: WorkerCheckedBlock[] }

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
const waiting = new Map<number, { resolve: (answer: WorkerAnswer) => void; reject: (error: Error) => void; worker: PooledWorker }>()

function workers(): PooledWorker[] | undefined {
  if (pool === null) {
    pool = startPool()
    for (const pooled of pool ?? []) {
      pooled.worker.onmessage = ({ data }: MessageEvent<WorkerAnswer>) => {
        const request = waiting.get(data.id)
        if (request === undefined) return
        waiting.delete(data.id)
        request.worker.busy -= 1
        request.resolve(data)
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
 * The least busy worker's answer to `request`, or undefined where there is no worker, when it
 * fails, or when it does not answer in 10 s: the caller then does the work on this thread.
 */
async function askWorker(request: { items: readonly SignatureCheck[] } | { blocks: readonly Uint8Array[]; proven?: ProvenSigner }): Promise<WorkerAnswer | undefined> {
  const available = workers()
  if (available === undefined) return undefined
  const pooled = available.reduce((a, b) => (b.busy < a.busy ? b : a))
  const id = nextId++
  pooled.busy += 1
  try {
    return await new Promise<WorkerAnswer>((resolve, reject) => {
      // A worker that does not answer in time is not waited for: the work is done here.
      const timer = setTimeout(() => {
        waiting.delete(id)
        pooled.busy -= 1
        reject(new Error('the signature worker did not answer'))
      }, WORKER_TIMEOUT_MS)
      waiting.set(id, {
        resolve: (answer) => {
          clearTimeout(timer)
          resolve(answer)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
        worker: pooled
      })
      pooled.worker.postMessage({ id, ...request } satisfies WorkerRequest)
    })
  } catch {
    return undefined
  }
}

/**
 * Checks every signature; resolves in the order given. A batch of 16 or more goes to the
 * least busy worker in a browser; a worker that fails or takes over 10 s leaves the batch to be
 * checked on this thread. Never rejects for a bad signature: that item is false.
 */
export const verifySignatures: VerifySignatures = async (items) => {
  const answer = items.length < MIN_FOR_WORKER ? undefined : await askWorker({ items })
  return answer !== undefined && 'results' in answer ? answer.results : await verifyHere(items)
}

/**
 * Reads and checks blocks a peer sent (checkBlock: hash, form, signature), in the order given. In a
 * browser, 16 blocks or more go to the least busy worker, so the page's thread neither decodes nor
 * hashes them; a worker that fails or takes over 10 s leaves them to be checked on this thread.
 * Entries of the `proven` signer are taken as signed (ProvenSigner).
 */
export async function checkBlocks(blocks: readonly Uint8Array[], proven?: ProvenSigner): Promise<CheckedBlock[]> {
  const answer = blocks.length < MIN_FOR_WORKER ? undefined : await askWorker(proven === undefined ? { blocks } : { blocks, proven })
  if (answer === undefined || !('checks' in answer) || answer.checks.length !== blocks.length) return blocks.map((bytes) => checkBlock(bytes, proven))
  return answer.checks.map((check, i) => ('refusal' in check ? check : { entry: { ...check.entry, bytes: blocks[i] as Uint8Array }, signed: check.signed }))
}

/**
 * Has the workers make `publicKey`'s precomputed window now (prepareSecp256k1Key), before the entries
 * it signed arrive: a pull's first frame then does not wait for it. Nothing where there are no
 * workers (Node: a keeper makes a window only for a key it checks many times).
 */
export function prepareSignatureKey(publicKey: Uint8Array): void {
  for (const pooled of workers() ?? []) pooled.worker.postMessage({ prepare: publicKey } satisfies WorkerRequest)
}

/** Starts the workers, which warm up on blocks of their own (warmUpBlocks). Cheap for the page; call it when a log opens. */
export function warmUpSignatureWorkers(): void {
  for (const pooled of workers() ?? []) pooled.worker.postMessage({ warmUp: true } satisfies WorkerRequest)
}
