// A writer's new entries in a row, each following the one before, as one append writes them. Each
// entry's signed part names the hash of the one before, so they are signed one after another; a
// long row (an import's batch) is signed in a worker that holds the writer's key
// (entryChainWorker.ts), on another core, while the page seals the records of the next batch. On a
// machine of four cores or more, a long append is signed as two rows side by side, each in a worker
// of its own, each on top of the log's heads; the next append merges their ends, as it merges any heads.
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
 * heads. Deterministic (RFC 6979 signatures): the same row signed by the same engine gives the same
 * entries (a signing worker's libsecp256k1 signs with other nonces than the page, src/crypto bulkSigning.ts).
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

/** What the page posts a worker that will soon sign many rows: it readies itself (prepareBulkSigning) meanwhile. */
export interface ChainPrepare {
  kind: 'prepare-chain-signing'
}

/** Whether a worker's message is a {@link ChainPrepare}. */
export function isChainPrepare(message: unknown): message is ChainPrepare {
  return typeof message === 'object' && message !== null && (message as Partial<ChainPrepare>).kind === 'prepare-chain-signing'
}

/** Rows shorter than this are signed here: a round trip to a worker would cost more than it saves. */
const MIN_FOR_WORKER = 16
/**
 * How many rows of one append are signed at once, each in a worker of its own: a row's entries are
 * signed one after another (each names the hash of the one before), so a long append signs faster
 * as rows side by side, on the cores the page leaves free.
 */
const SIGNING_LANES = 2
/**
 * The fewest cores on which an append is signed as rows side by side: the page, the storage and the
 * signing each take about a third of an import's work, so on two cores a second signing worker only
 * competes with them (and builds its window again).
 */
const CORES_FOR_LANES = 4
/** A worker left idle this long ends; the next long row starts another. */
const IDLE_MS = 10_000
/** A worker readied for an import waits this long for its first row: the patient reads the preview first. */
const PREPARED_IDLE_MS = 120_000
/** A worker that has not answered in this long is given up, and the row signed here. */
const WORKER_TIMEOUT_MS = 60_000

interface ChainWorker {
  /** Its place in `workers`: the identity's hash and its lane. */
  name: string
  worker: Worker
  waiting: Map<number, { resolve: (answer: ChainAnswer) => void; reject: (error: Error) => void }>
  idle?: ReturnType<typeof setTimeout>
  /** Whether it was asked to ready itself for many rows (prepareChainSigning). */
  prepared?: boolean
  /** Whether it was given a row to sign since it was readied. */
  used?: boolean
}

/** Workers by the identity they sign for (its hash) and lane: an identity's key is posted to each of its workers once. */
const workers = new Map<string, ChainWorker>()
let nextId = 0

const canStartWorkers = (identity: WalletIdentity): boolean => typeof Worker !== 'undefined' && typeof window !== 'undefined' && identity.postKeyTo !== undefined

function workerFor(identity: WalletIdentity, lane: number): ChainWorker | undefined {
  const name = `${identity.hash}#${lane}`
  const known = workers.get(name)
  if (known !== undefined) return known
  if (!canStartWorkers(identity) || identity.postKeyTo === undefined) return undefined
  let worker: Worker
  try {
    worker = new Worker(new URL('./entryChainWorker.ts', import.meta.url), { type: 'module' })
  } catch {
    return undefined
  }
  const started: ChainWorker = { name, worker, waiting: new Map() }
  const end = (why: string): void => {
    worker.terminate()
    if (workers.get(name) === started) workers.delete(name)
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
  workers.set(name, started)
  return started
}

async function signInWorker(chain: ChainWorker, request: ChainRequest): Promise<ChainAnswer> {
  clearTimeout(chain.idle)
  chain.used = true
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
    if (chain.waiting.size === 0) idleOut(chain)
  }
}

/** Ends the worker once it has had nothing to sign for IDLE_MS (readied and not yet used: PREPARED_IDLE_MS). */
function idleOut(chain: ChainWorker): void {
  clearTimeout(chain.idle)
  chain.idle = setTimeout(
    () => {
      if (chain.waiting.size > 0) return
      chain.worker.terminate()
      if (workers.get(chain.name) === chain) workers.delete(chain.name)
    },
    chain.prepared === true && chain.used !== true ? PREPARED_IDLE_MS : IDLE_MS
  )
}

/**
 * How many rows an append of `count` entries by `identity` is best signed as, side by side
 * ({@link chainRows}): more than one only where workers can start on at least CORES_FOR_LANES cores,
 * and for rows long enough to be worth a worker each.
 */
export function signingLanes(identity: WalletIdentity, count: number): number {
  if (!canStartWorkers(identity) || navigator.hardwareConcurrency < CORES_FOR_LANES) return 1
  return Math.max(1, Math.min(SIGNING_LANES, Math.floor(count / (2 * MIN_FOR_WORKER))))
}

/**
 * `payloads` as `lanes` rows of (nearly) equal length, in order, to be signed side by side: the first
 * entry of each links every one of `heads` (at most MAX_LINKS), whose latest time is `after`, and each
 * entry's time is one more than its parents', as readers require.
 */
export function sideBySide(payloads: readonly Uint8Array[], heads: readonly string[], after: number, lanes: number): ChainLink[][] {
  const size = Math.ceil(payloads.length / Math.max(1, lanes))
  const rows: ChainLink[][] = []
  for (let at = 0; at < payloads.length; at += size) rows.push(payloads.slice(at, at + size).map((payload, i) => ({ payload, heads: i === 0 ? [...heads] : [], time: after + 1 + i })))
  return rows
}

/**
 * Starts `identity`'s signing workers ahead of many long rows (an import's batches, while the patient
 * reads its preview), and has each ready its key for signing by the thousand, so the first rows wait
 * for neither. Does nothing where no worker can start; a worker not used ends after its idle time.
 */
export function prepareChainSigning(identity: WalletIdentity): void {
  const lanes = signingLanes(identity, Number.MAX_SAFE_INTEGER)
  for (let lane = 0; lane < lanes; lane++) {
    const chain = workerFor(identity, lane)
    if (chain === undefined) return
    if (chain.prepared !== true) chain.worker.postMessage({ kind: 'prepare-chain-signing' } satisfies ChainPrepare)
    chain.prepared = true
    chain.used = false
    if (chain.waiting.size === 0) idleOut(chain)
  }
}

/**
 * Signs a row of new entries by `identity`. In a browser a row of 16 or more goes to a worker that
 * holds the identity's key (the worker of `lane`), and the page stays free meanwhile; elsewhere, or
 * when the worker cannot start, fails or does not answer, the row is signed here. The entries carry
 * the payloads given (the same objects: the history knows their plaintext by them).
 */
export async function chainEntries(identity: WalletIdentity, logId: string, links: readonly ChainLink[], lane = 0): Promise<LogEntry[]> {
  const writer = { key: identity.publicKey, identity: identity.hash }
  const signHere = (): Promise<LogEntry[]> => Promise.resolve(signChain({ ...writer, signer: { sign: (data) => identity.signBytes(data) } }, logId, links))
  const chain = links.length < MIN_FOR_WORKER ? undefined : workerFor(identity, lane)
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

/**
 * Signs rows of new entries by `identity` side by side, each in the worker of its own lane (as
 * {@link chainEntries}); the entries of each row in order, row after row.
 */
export async function chainRows(identity: WalletIdentity, logId: string, rows: readonly (readonly ChainLink[])[]): Promise<LogEntry[]> {
  return (await Promise.all(rows.map((links, lane) => chainEntries(identity, logId, links, lane)))).flat()
}
