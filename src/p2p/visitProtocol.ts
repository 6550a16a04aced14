// The visit handshake on one libp2p stream (`/anamnesis/visit/2.0.0`) over the direct
// connection: the doctor's browser asks, the patient decides, the answer comes back on the
// same stream. What the messages mean (signatures, grants, keys) is checked by the app,
// which composes chain and crypto; this module only carries and shapes them.
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { peerIdOfAddress } from './peerAddress.ts'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { MessageReader, sendMessage } from './syncWire.ts'

/** The libp2p protocol id of the visit handshake; 2.0.0 carries the doctor's encryption key, signed as EIP-712 typed data. */
export const VISIT_PROTOCOL = '/anamnesis/visit/2.0.0'

/** How long a request may wait for the patient to decide. */
export const VISIT_DECISION_TIMEOUT_MS = 10 * 60 * 1000

/** What the doctor's browser asks the patient's for. */
export interface VisitRequest {
  /** The invite's one-time token. */
  token: string
  /** The doctor's wallet address. */
  doctor: string
  /** The name the doctor gives: self-declared, and shown as such. */
  name: string
  /** The doctor's X25519 public key as 0x-prefixed hex (32 bytes): the key the patient wraps for, which the signature covers. */
  encryptionKey: string
  /** The doctor's wallet signature over the request (EIP-712, see src/chain visitRequestTypedData). */
  signature: string
}

/**
 * The patient's answer: approved (with the grant's expiry, scope and transaction, the wrapped key
 * and history address when the doctor may read, and the patient's keepers, where the doctor follows
 * up while the patient is offline), declined by the patient, or refused by the app.
 */
export type VisitAnswer =
  | { t: 'approved'; expiry: number; scope: number; transactionHash: string; wrappedKey?: Uint8Array; history?: string; keepers?: AnswerKeeper[] }
  | { t: 'declined'; reason: string }
  | { t: 'refused'; message: string }

/** A well-formed request as the patient's side receives it, to be checked by the app and answered. */
export interface IncomingVisit {
  request: VisitRequest
  /** The doctor's device, as the connection proves it. */
  from: PeerId
  /** Fires when the doctor's browser goes away or stops waiting. */
  signal: AbortSignal
  /** Sends the answer and closes the stream; only the first call sends. */
  answer(answer: VisitAnswer): Promise<void>
}

const MAX_NAME = 120

/** The most keepers an approval names: a patient's list holds at most 4. */
export const MAX_ANSWER_KEEPERS = 4
/** The longest keeper address an approval carries, in characters. */
export const MAX_KEEPER_ADDRESS = 200

/** A keeper as a patient's approval names it: where to dial it, and the wallet its sync identity is bound to. */
export interface AnswerKeeper {
  /** A multiaddr over WebSockets ending in the keeper's peer id. */
  address: string
  /** The keeper's wallet address, lower case: the doctor's device syncs this patient's history with it. */
  keeper: string
}

/** Whether `address` is a keeper address a browser dials: at most 200 characters, over WebSockets, not through a relay, ending in a peer id. */
function isKeeperAddress(address: unknown): address is string {
  if (typeof address !== 'string' || address.length > MAX_KEEPER_ADDRESS) return false
  try {
    const components = multiaddr(address).getComponents()
    const last = components.at(-1)
    if (last?.code !== CODE_P2P || last.value === undefined) return false
    peerIdFromString(last.value)
    return !components.some((c) => c.name === 'p2p-circuit') && components.some((c) => c.name === 'ws' || c.name === 'wss')
  } catch {
    return false
  }
}

/**
 * The keepers of an approval, as the doctor may dial and sync with them: at most 4, each a keeper
 * address (isKeeperAddress) and a wallet address. They are the patient's word only: whoever answers
 * there must still pass the sync protocol's authentication, and the doctor's device hands it no more
 * than the patient's history, which that patient chose to have it keep.
 * @returns The keepers (wallets in lower case), or undefined when any one of them (or the list itself) is not such.
 */
export function parseAnswerKeepers(value: unknown): AnswerKeeper[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_ANSWER_KEEPERS) return undefined
  const keepers: AnswerKeeper[] = []
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) return undefined
    const { address, keeper } = entry as Record<string, unknown>
    if (!isKeeperAddress(address) || typeof keeper !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(keeper)) return undefined
    keepers.push({ address, keeper: keeper.toLowerCase() })
  }
  return keepers
}

/**
 * Text a peer sent, as a screen may show it: control and format characters (bidi overrides,
 * zero-width joiners) removed, so a name cannot reorder or hide what is around it, and white
 * space collapsed. The other side's words are still its own: the UI marks them as such.
 */
export function peerText(text: string): string {
  // Format characters go, but for the joiners (U+200C, U+200D) that Persian, Indic and emoji spelling need.
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/gu, ' ').replace(/\s+/gu, ' ').trim()
}

function parseRequest(message: unknown): VisitRequest | undefined {
  if (typeof message !== 'object' || message === null) return undefined
  const m = message as Record<string, unknown>
  if (m.t !== 'request') return undefined
  const { token, doctor, name, encryptionKey, signature } = m
  if (typeof token !== 'string' || token.length > 64) return undefined
  if (typeof doctor !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(doctor)) return undefined
  if (typeof name !== 'string' || name.length > MAX_NAME) return undefined
  if (typeof encryptionKey !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(encryptionKey)) return undefined
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined
  return { token, doctor, name: peerText(name), encryptionKey, signature }
}

/** A patient's answer as the doctor's side reads it off the stream; undefined when it is not a visit answer. */
export function parseVisitAnswer(message: unknown): VisitAnswer | undefined {
  if (typeof message !== 'object' || message === null) return undefined
  const m = message as Record<string, unknown>
  if (m.t === 'declined' && typeof m.reason === 'string') return { t: 'declined', reason: peerText(m.reason.slice(0, 300)) }
  if (m.t === 'refused' && typeof m.message === 'string') return { t: 'refused', message: peerText(m.message.slice(0, 300)) }
  if (m.t === 'approved' && typeof m.expiry === 'number' && typeof m.scope === 'number' && typeof m.transactionHash === 'string') {
    const wrappedKey = m.wrappedKey instanceof Uint8Array ? m.wrappedKey : undefined
    const history = typeof m.history === 'string' ? m.history : undefined
    // An approval naming keepers that are not keeper addresses is not an approval this app sent.
    const keepers = m.keepers === undefined ? undefined : parseAnswerKeepers(m.keepers)
    if (m.keepers !== undefined && keepers === undefined) return undefined
    return {
      t: 'approved',
      expiry: m.expiry,
      scope: m.scope,
      transactionHash: m.transactionHash,
      ...(wrappedKey === undefined ? {} : { wrappedKey }),
      ...(history === undefined ? {} : { history }),
      ...(keepers === undefined ? {} : { keepers })
    }
  }
  return undefined
}

/**
 * The patient's side: calls `onVisit` for each well-formed request. Returns a function that stops serving.
 * Well-formed is all that is checked here: a `request` message with a token of at most 64
 * characters, a wallet address, a name of at most 120 characters (trimmed), a 32-byte hex
 * encryption key and a 65-byte hex signature. The token, the signature and the grant are the app's to check; a stream that
 * sends anything else is aborted. At most 4 visit streams per connection.
 */
export async function serveVisits(libp2p: Libp2p, onVisit: (visit: IncomingVisit) => void): Promise<() => Promise<void>> {
  await libp2p.handle(VISIT_PROTOCOL, async (stream, connection) => {
    const reader = new MessageReader(stream)
    const controller = new AbortController()
    const timeout = AbortSignal.timeout(VISIT_DECISION_TIMEOUT_MS)
    const signal = AbortSignal.any([controller.signal, timeout])
    stream.addEventListener('close', () => controller.abort(new Error('The doctor closed the connection')))
    try {
      const request = parseRequest(await reader.next(signal))
      if (request === undefined) {
        stream.abort(new Error('not a visit request'))
        return
      }
      let answered = false
      onVisit({
        request,
        from: connection.remotePeer,
        signal,
        answer: async (answer) => {
          if (answered) return
          answered = true
          await sendMessage(stream, answer, signal)
          await stream.close({ signal })
        }
      })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }, { maxInboundStreams: 4 })
  return async () => {
    await libp2p.unhandle(VISIT_PROTOCOL)
  }
}

/**
 * The doctor's side, once connected directly: sends the request and waits for the patient's answer,
 * at most 10 minutes. Of the answer only the form is checked (a declined reason or refused message
 * is cut to 300 characters; keepers as parseAnswerKeepers says, or the answer is not one);
 * its transaction, key and history are the app's to check.
 * @param patientAddress - The patient's circuit address from the invite; the last `/p2p/` names the patient.
 * @throws {Error} When there is no direct connection to the patient's device, or the answer is not
 *   a visit answer; the parser's error for an address that names no peer, and the stream's error.
 */
export async function requestVisit(libp2p: Libp2p, patientAddress: string, request: VisitRequest, signal: AbortSignal): Promise<VisitAnswer> {
  const patient = peerIdFromString(peerIdOfAddress(patientAddress) ?? '')
  // Over the direct connection: the relayed one is limited, and the handshake must not depend on the relay.
  const direct = libp2p.getConnections(patient).find((connection) => connection.status === 'open' && connection.limits == null)
  if (direct === undefined) throw new Error("There is no direct connection to the patient's device")
  const stream = await direct.newStream(VISIT_PROTOCOL, { signal })
  const reader = new MessageReader(stream)
  try {
    await sendMessage(stream, { t: 'request', ...request }, signal)
    const answer = parseVisitAnswer(await reader.next(AbortSignal.any([signal, AbortSignal.timeout(VISIT_DECISION_TIMEOUT_MS)])))
    if (answer === undefined) throw new Error("The patient's device answered something that is not a visit answer")
    await stream.close({ signal }).catch(() => undefined)
    return answer
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
}
