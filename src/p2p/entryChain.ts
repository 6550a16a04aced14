// A writer's new entries in a row, each following the one before, as one append writes them. Each
// entry's signed part names the hash of the one before, so they are signed one after another; a
// long row (an import's batch) is signed in a worker that holds the writer's key
// (entryChainWorker.ts), on another core, while the page seals the records of the next batch.
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Secp256k1Signer } from '../crypto/index.ts'
import { encodeBlock } from './blocks.ts'
import { ENTRY_VERSION, signedPart, type LogEntry } from './logEntry.ts'
import type { WalletIdentity } from './walletIdentity.ts'

/** One entry of a row: its payload, the heads it merges besides the entry before it, and its Lamport time. */
export interface ChainLink {
  payload: Uint8Array
  /** Heads it links besides the entry written just before it in the row (mergeHeads.ts mergeStep). */
  heads: readonly string[]
  time: number
}

/** Who signs a row: the identity's key and hash as entries carry them, and its signing key. */
export interface ChainWriter {
  /** The writer's compressed public key, hex. */
  key: string
  /** The hash of the writer's identity block. */
  identity: string
  signer: Pick<Secp256k1Signer, 'sign'>
}

/**
 * The row's entries, signed: the first links its heads, each later one the entry before it and its
 * heads. Deterministic (RFC 6979 signatures): the same row gives the same entries wherever it is signed.
 */
export function signChain(writer: ChainWriter, logId: string, links: readonly ChainLink[]): LogEntry[] {
  const entries: LogEntry[] = []
  for (const { payload, heads, time } of links) {
    const previous = entries.at(-1)
    const next = previous === undefined ? [...heads] : [previous.hash, ...heads]
    const unsigned = { id: logId, payload, next, refs: [] as string[], clock: { id: writer.key, time }, v: ENTRY_VERSION }
    const sig = bytesToHex(writer.signer.sign(signedPart(unsigned)))
    const stored = { ...unsigned, key: writer.key, identity: writer.identity, sig }
    const block = encodeBlock(stored)
    entries.push({ ...stored, hash: block.hash, bytes: block.bytes })
  }
  return entries
}

/** What the worker is asked: a row to sign. */
export interface ChainRequest {
  id: number
  key: string
  identity: string
  logId: string
  links: ChainLink[]
}
/** The worker's answer: the row's signatures, hashes and blocks, in order, or why it could not sign it. */
export interface ChainAnswer {
  id: number
  signed?: { sig: string; hash: string; bytes: Uint8Array }[]
  error?: string
}

/** Rows shorter than this are signed here: a round trip to a worker would cost more than it saves. */
const MIN_FOR_WORKER = 16
/** A worker left idle this long ends; the next long row starts another. */
const IDLE_MS = 10_000
/** A worker that has not answered in this long is given up, and the row signed here. */
const WORKER_TIMEOUT_MS = 60_000

interface ChainWorker {
  worker: Worker
  waiting: Map<number, { resolve: (answer: ChainAnswer) => void; reject: (error: Error) => void }>
  idle?: ReturnType<typeof setTimeout>
}

/** Workers by the identity they sign for (its hash): an identity's key is posted to its own worker once. */
const workers = new Map<string, ChainWorker>()
let nextId = 0

function workerFor(identity: WalletIdentity): ChainWorker | undefined {
  const known = workers.get(identity.hash)
  if (known !== undefined) return known
  if (typeof Worker === 'undefined' || typeof window === 'undefined' || identity.postKeyTo === undefined) return undefined
  let worker: Worker
  try {
    worker = new Worker(new URL('./entryChainWorker.ts', import.meta.url), { type: 'module' })
  } catch {
    return undefined
  }
  const started: ChainWorker = { worker, waiting: new Map() }
  const end = (why: string): void => {
    worker.terminate()
    if (workers.get(identity.hash) === started) workers.delete(identity.hash)
    for (const request of started.waiting.values()) request.reject(new Error(why))
    started.waiting.clear()
  }
  worker.onmessage = ({ data }: MessageEvent<ChainAnswer>) => {
    const request = started.waiting.get(data.id)
    started.waiting.delete(data.id)
    request?.resolve(data)
  }
  worker.onerror = worker.onmessageerror = () => end('the entry signing worker failed')
  identity.postKeyTo(worker)
  workers.set(identity.hash, started)
  return started
}

async function signInWorker(chain: ChainWorker, request: ChainRequest): Promise<ChainAnswer> {
  clearTimeout(chain.idle)
  try {
    return await new Promise<ChainAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        chain.waiting.delete(request.id)
        reject(new Error('the entry signing worker did not answer'))
      }, WORKER_TIMEOUT_MS)
      chain.waiting.set(request.id, {
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (error) => (clearTimeout(timer), reject(error))
      })
      chain.worker.postMessage(request)
    })
  } finally {
    if (chain.waiting.size === 0) {
      chain.idle = setTimeout(() => {
        if (chain.waiting.size > 0) return
        chain.worker.terminate()
        if (workers.get(request.identity) === chain) workers.delete(request.identity)
      }, IDLE_MS)
    }
  }
}

/**
 * Signs a row of new entries by `identity`. In a browser a row of 16 or more goes to a worker that
 * holds the identity's key, and the page stays free meanwhile; elsewhere, or when the worker cannot
 * start, fails or does not answer, the row is signed here. The entries carry the payloads given (the
 * same objects: the history knows their plaintext by them).
 */
export async function chainEntries(identity: WalletIdentity, logId: string, links: readonly ChainLink[]): Promise<LogEntry[]> {
  const writer = { key: identity.publicKey, identity: identity.hash }
  const signHere = (): Promise<LogEntry[]> => Promise.resolve(signChain({ ...writer, signer: { sign: (data) => identity.signBytes(data) } }, logId, links))
  const chain = links.length < MIN_FOR_WORKER ? undefined : workerFor(identity)
  if (chain === undefined) return signHere()
  let answer: ChainAnswer
  try {
    answer = await signInWorker(chain, { id: nextId++, ...writer, logId, links: [...links] })
  } catch {
    return signHere()
  }
  const signed = answer.signed
  if (signed === undefined || signed.length !== links.length) return signHere()
  const entries: LogEntry[] = []
  for (const [i, { payload, heads, time }] of links.entries()) {
    const { sig, hash, bytes } = signed[i] as (typeof signed)[number]
    const previous = entries.at(-1)
    entries.push({ id: logId, payload, next: previous === undefined ? [...heads] : [previous.hash, ...heads], refs: [], clock: { id: identity.publicKey, time }, v: ENTRY_VERSION, key: identity.publicKey, identity: identity.hash, sig, hash, bytes })
  }
  return entries
}
