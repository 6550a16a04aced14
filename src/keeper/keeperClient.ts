// The patient's side of /anamnesis/keeper/1.0.0: enrol a keeper, ask what it holds, name the attached
// files it is to hold, remove it.
// Each call dials the keeper directly (a WebSockets multiaddr ending in /p2p/<peer id>), learns
// who the keeper is from its identity block, and sends one statement signed with the patient's
// history identity key.
//
//   patient → keeper   { t: 'hello' }
//   keeper → patient   { t: 'keeper', identity: <the keeper's wallet identity block> }
//   patient → keeper   { t: 'enrol' | 'status' | 'files' | 'remove', statement, signature, identity }
//   keeper → patient   { t: 'enrolled', quota, held: { entries, bytes } }
//                    | { t: 'status', quota, held, lastSyncedAt, refusing?, files? }   files: keptFilesReport.ts
//                    | { t: 'files', fetching, held: { files, bytes } }   it fetches `fetching` files from us now
//                    | { t: 'removed' }
//                    | { t: 'refused', reason }
import { multiaddr } from '@multiformats/multiaddr'
import { AnamnesisError, errorMessage, type AnamnesisErrorOptions } from '../errors/index.ts'
import { parseIdentityBlock } from '../p2p/walletIdentity.ts'
import type { P2PNode, WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { peerIdOfAddress } from '../p2p/peerAddress.ts'
import { MessageReader, sendMessage } from '../p2p/syncWire.ts'
import { isBytes, isRefusalReason, KEEPER_PROTOCOL, signStatement, type KeeperStatement, type KeptFile, type RefusalReason, type StatementKind } from './keeperStatement.ts'
import type { EmergencyRefusal } from './emergencyProtocol.ts'
import { readKeptFilesReport, type KeptFilesReport } from './keptFilesReport.ts'
import type { LinkRefusal } from './linkProtocol.ts'
import type { Stream } from '@libp2p/interface'

/** Why a keeper call failed: the keeper refused (see `reason`), could not be reached, or answered outside the protocol. */
export type KeeperErrorCode = 'KEEPER_REFUSED' | 'KEEPER_UNREACHABLE' | 'KEEPER_PROTOCOL'

/** A keeper call that failed; nothing was enrolled, removed or stored. `reason` is the keeper's refusal code (the emergency protocol has its own). */
export class KeeperError extends AnamnesisError<KeeperErrorCode> {
  override name = 'KeeperError'
  readonly reason: RefusalReason | EmergencyRefusal | LinkRefusal | undefined
  constructor(code: KeeperErrorCode, message: string, options: AnamnesisErrorOptions & { reason?: RefusalReason | EmergencyRefusal | LinkRefusal } = {}) {
    super(code, message, options)
    this.reason = options.reason
  }
}

/** What a keeper holds of the patient's history. */
export interface KeeperHeld {
  entries: number
  bytes: number
}

/** A keeper's answer to an enrolment. */
export interface KeeperEnrolment {
  /** The keeper's wallet address: the app lets it sync the history (canSync). */
  keeper: WalletAddress
  /** The keeper's peer id. */
  peer: string
  quota: number
  held: KeeperHeld
}

/** A keeper's answer to a status request. */
export interface KeeperStatus {
  keeper: WalletAddress
  peer: string
  quota: number
  held: KeeperHeld
  /** When the keeper last stored entries of this history (ms since the epoch), or null. */
  lastSyncedAt: number | null
  /** Why the keeper refuses new entries now, if it does: the quota is reached, or its disk is full. */
  refusing?: 'quota' | 'disk-full'
  /** The attached files it holds, copies now, and failed to copy at the last attempt (absent from a keeper that predates attached files). */
  files?: KeptFilesReport
}

/** Who asks: the patient's wallet-bound history identity (it signs the statement) and the patient's address. */
export interface KeeperCaller {
  identity: WalletIdentity
  patient: string
  /** How long the whole call may take. Default 15 s. */
  timeoutMs?: number
}

/** An enrolment request: the quota in bytes, and the operator's code when the keeper asks for one. */
export interface EnrolRequest extends KeeperCaller {
  quota: number
  code?: string
}

const MESSAGES: Record<RefusalReason, string> = {
  'not-accepted': 'This keeper does not accept your history: its operator keeps histories for a list of patients or by enrolment code only.',
  'bad-signature': 'This keeper could not check that the request is yours: unlock your keys again and retry.',
  stale: 'This keeper refused a request it took for an old or repeated one: check this device\'s clock and try again.',
  quota: 'This keeper holds as much of your history as your quota allows: raise the quota or enrol another keeper.',
  'disk-full': 'This keeper\'s disk is full: it stores nothing new until its operator frees space.',
  malformed: 'This keeper did not understand the request: it may run another version of Anamnesis.',
  'not-enrolled': 'This keeper does not keep your history: enrol it first.'
}

const DEFAULT_TIMEOUT_MS = 15_000
/** A keeper's answers are small: an identity block, a few numbers. */
const ANSWER_HELD_BYTES = 64 * 1024

let lastAt = 0
/** Statement times, increasing within this device even when two calls fall in the same millisecond. */
export function nextAt(): number {
  lastAt = Math.max(Date.now(), lastAt + 1)
  return lastAt
}

/**
 * Enrols the keeper at `keeperAddress` for the patient's history, with a quota in bytes. The keeper
 * stores the enrolment only once every check passed: on any failure nothing is enrolled.
 * @throws {KeeperError} `KEEPER_REFUSED` with the keeper's reason; `KEEPER_UNREACHABLE` when it cannot be
 *   dialled or does not answer in time; `KEEPER_PROTOCOL` when it answers outside the protocol.
 */
export async function enrolKeeper(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, request: EnrolRequest): Promise<KeeperEnrolment> {
  if (!Number.isSafeInteger(request.quota) || request.quota <= 0) throw new KeeperError('KEEPER_PROTOCOL', 'A keeper\'s quota is a whole number of bytes above zero.')
  return await call(node, keeperAddress, 'enrol', request, (answer, keeper) => {
    if (answer.t !== 'enrolled' || typeof answer.quota !== 'number' || !isHeld(answer.held)) return undefined
    return { ...keeper, quota: answer.quota, held: answer.held }
  })
}

/**
 * What the keeper holds of the patient's history, when it last stored some, why it refuses new entries if it
 * does, and how its copies of the attached files stand. A `files` report out of shape is refused as outside the protocol.
 * @throws {KeeperError} As enrolKeeper; `KEEPER_REFUSED` with reason `not-enrolled` when the keeper does not keep this history.
 */
export async function keeperStatus(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, caller: KeeperCaller): Promise<KeeperStatus> {
  return await call(node, keeperAddress, 'status', { ...caller, quota: 0 }, (answer, keeper) => {
    if (answer.t !== 'status' || typeof answer.quota !== 'number' || !isHeld(answer.held)) return undefined
    const lastSyncedAt = typeof answer.lastSyncedAt === 'number' ? answer.lastSyncedAt : null
    const refusing = answer.refusing === 'quota' || answer.refusing === 'disk-full' ? answer.refusing : undefined
    const files = readKeptFilesReport(answer.files)
    if (files === 'malformed') return undefined
    return { ...keeper, quota: answer.quota, held: answer.held, lastSyncedAt, ...(refusing === undefined ? {} : { refusing }), ...(files === undefined ? {} : { files }) }
  })
}

/** What a keeper answers a statement of files: how many it fetches now, and what it holds of the history's files already. */
export interface KeeperFiles {
  keeper: WalletAddress
  /** Files named that the keeper did not hold, and fetches from this device now. */
  fetching: number
  /** Files named that it holds already, and the bytes of every file it holds for the history. */
  held: { files: number; bytes: number }
}

/**
 * Tells the keeper which attached files of the patient's history to hold (root CIDs and sealed sizes):
 * it fetches those it lacks from this device over the file protocol, counted against the patient's quota.
 * @throws {KeeperError} As enrolKeeper; `KEEPER_REFUSED` with reason `quota` when the files do not fit the
 *   quota (nothing of them is fetched), `not-enrolled` when the keeper does not keep this history.
 */
export async function keepFiles(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, caller: KeeperCaller, files: readonly KeptFile[]): Promise<KeeperFiles> {
  return await call(node, keeperAddress, 'files', { ...caller, quota: 0, files: [...files] }, (answer, keeper) => {
    const held = answer.held as Record<string, unknown> | undefined
    if (answer.t !== 'files' || typeof answer.fetching !== 'number' || typeof held?.files !== 'number' || typeof held.bytes !== 'number') return undefined
    return { keeper: keeper.keeper, fetching: answer.fetching, held: { files: held.files, bytes: held.bytes } }
  })
}

/**
 * Removes the keeper: it closes the patient's history and deletes what it held of it. Removing a
 * keeper that does not keep the history succeeds.
 * @throws {KeeperError} As enrolKeeper.
 */
export async function removeKeeper(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, caller: KeeperCaller): Promise<void> {
  await call(node, keeperAddress, 'remove', { ...caller, quota: 0 }, (answer) => (answer.t === 'removed' ? true : undefined))
}

function isHeld(value: unknown): value is KeeperHeld {
  if (typeof value !== 'object' || value === null) return false
  const { entries, bytes } = value as Record<string, unknown>
  return typeof entries === 'number' && typeof bytes === 'number'
}

async function call<T>(
  node: Pick<P2PNode, 'libp2p'>,
  keeperAddress: string,
  kind: StatementKind,
  request: EnrolRequest & { files?: KeptFile[] },
  read: (answer: Record<string, unknown>, keeper: { keeper: WalletAddress; peer: string }) => T | undefined
): Promise<T> {
  return await exchangeWithKeeper(node, keeperAddress, KEEPER_EXCHANGE, request.timeoutMs, async ({ keeper, peer, send, next }) => {
    const statement: KeeperStatement = {
      v: 1,
      kind,
      patient: request.patient.toLowerCase() as WalletAddress,
      keeper,
      peer,
      quota: request.quota,
      ...(request.code === undefined ? {} : { code: request.code }),
      ...(request.files === undefined ? {} : { files: request.files }),
      at: nextAt()
    }
    await send({ t: kind, ...(await signStatement(request.identity, statement)) })
    const answer = await next()
    if (answer.t === 'refused') {
      const reason = isRefusalReason(answer.reason) ? answer.reason : 'malformed'
      throw new KeeperError('KEEPER_REFUSED', MESSAGES[reason], { reason })
    }
    const result = read(answer, { keeper, peer })
    if (result === undefined) throw new KeeperError('KEEPER_PROTOCOL', KEEPER_EXCHANGE.outsideProtocol)
    return result
  })
}

/** What a protocol spoken with keepers says in its errors, and how much of an answer it holds. */
export interface KeeperExchange {
  protocol: string
  /** The most bytes of answers held at once. */
  heldBytes: number
  unreachable: string
  stoppedAnswering: string
  outsideProtocol: string
}

const KEEPER_EXCHANGE: KeeperExchange = {
  protocol: KEEPER_PROTOCOL,
  heldBytes: ANSWER_HELD_BYTES,
  unreachable: 'The keeper could not be reached: check its address, or try again when it is online. Nothing was changed.',
  stoppedAnswering: 'The keeper stopped answering: try again when it is online. Nothing was changed, unless it confirms later.',
  outsideProtocol: 'The keeper answered with something that is not part of the keeper protocol.'
}

/** One side of an exchange with a keeper whose wallet identity is known: `send` a message, read the `next` answer. */
export interface KeeperConversation {
  keeper: WalletAddress
  peer: string
  send: (message: Record<string, unknown>) => Promise<void>
  next: () => Promise<Record<string, unknown>>
}

/**
 * Dials the keeper at `keeperAddress` (a multiaddr ending in /p2p/<peer id>) on `exchange.protocol`, learns
 * its wallet identity from its hello, and runs `talk`; the stream is closed after and aborted on any
 * failure. Every failure is a KeeperError: an unusable address or an unreachable keeper
 * `KEEPER_UNREACHABLE`, a peer that is no keeper or answers outside the protocol `KEEPER_PROTOCOL`, and
 * `talk`'s own KeeperErrors as thrown.
 */
export async function exchangeWithKeeper<T>(
  node: Pick<P2PNode, 'libp2p'>,
  keeperAddress: string,
  exchange: KeeperExchange,
  timeoutMs: number | undefined,
  talk: (conversation: KeeperConversation) => Promise<T>
): Promise<T> {
  let target
  try {
    target = multiaddr(keeperAddress)
  } catch (cause) {
    throw new KeeperError('KEEPER_UNREACHABLE', `"${keeperAddress}" is not a keeper address (a multiaddr such as /dns4/keeper.example/tcp/443/wss/p2p/12D3Koo…).`, { cause })
  }
  const peer = peerIdOfAddress(target)
  if (peer === undefined) throw new KeeperError('KEEPER_UNREACHABLE', `The keeper address "${keeperAddress}" must end in /p2p/<the keeper's peer id>.`)
  const signal = AbortSignal.timeout(timeoutMs ?? DEFAULT_TIMEOUT_MS)
  let stream: Stream
  try {
    stream = await node.libp2p.dialProtocol(target, exchange.protocol, { signal })
  } catch (cause) {
    throw new KeeperError('KEEPER_UNREACHABLE', exchange.unreachable, { cause, details: errorMessage(cause) })
  }
  const reader = new MessageReader(stream, { maxHeldBytes: exchange.heldBytes })
  const next = async (): Promise<Record<string, unknown>> => {
    const value = await reader.next(signal)
    if (value === undefined) throw new KeeperError('KEEPER_PROTOCOL', 'The keeper closed the stream without answering.')
    if (typeof value !== 'object' || value === null || Array.isArray(value) || isBytes(value)) throw new KeeperError('KEEPER_PROTOCOL', exchange.outsideProtocol)
    return value as Record<string, unknown>
  }
  const send = (message: Record<string, unknown>): Promise<void> => sendMessage(stream, message, signal)
  try {
    await send({ t: 'hello' })
    const hello = await next()
    const keeper = isBytes(hello.identity) ? parseIdentityBlock(hello.identity) : 'no identity'
    if (hello.t !== 'keeper' || typeof keeper === 'string') throw new KeeperError('KEEPER_PROTOCOL', 'The peer at this address is no Anamnesis keeper for this app and deployment.', { details: typeof keeper === 'string' ? keeper : undefined })
    const result = await talk({ keeper: keeper.address, peer, send, next })
    await stream.close({ signal }).catch(() => undefined)
    return result
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    if (error instanceof KeeperError) throw error
    throw new KeeperError('KEEPER_UNREACHABLE', exchange.stoppedAnswering, { cause: error, details: errorMessage(error) })
  }
}
