// The request loop the keeper's protocols share (enrolment, shared links, emergency cards and keys): the
// caller's hello, the keeper's identity, then one request and its reply, all within a deadline. A
// hello alone asks only who the keeper is (greetKeeper), and is answered by the identity.
import { MessageReader, sendMessage } from '../p2p/syncWire.ts'
import type { P2PNode, WalletIdentity } from '../p2p/index.ts'
import { isBytes } from './keeperStatement.ts'
import type { Connection } from '@libp2p/interface'

/** How a side protocol of the keeper takes its requests. */
export interface KeeperRequestOptions {
  /** The keeper's wallet identity, sent after the hello. */
  identity: WalletIdentity
  /** The most bytes one request may hold (a shared link's file is the largest). */
  maxHeldBytes: number
  /** How long the whole exchange may take. */
  timeoutMs: number
  maxInboundStreams: number
  /** The reply to one request: any value a peer sent after its hello, checked by the caller. */
  answer(request: unknown, connection: Connection): Promise<Record<string, unknown>>
}

/** Answers `protocol` on the keeper's node with `options.answer`; a hello that is not one is refused as malformed. */
export async function answerKeeperRequests(node: Pick<P2PNode, 'libp2p'>, protocol: string, options: KeeperRequestOptions): Promise<void> {
  await node.libp2p.handle(
    protocol,
    async (stream, connection) => {
      const reader = new MessageReader(stream, { maxHeldBytes: options.maxHeldBytes })
      const signal = AbortSignal.timeout(options.timeoutMs)
      const send = (message: Record<string, unknown>): Promise<void> => sendMessage(stream, message, signal)
      try {
        const hello = await reader.next(signal)
        if (!isMap(hello) || hello.t !== 'hello') {
          await send({ t: 'refused', reason: 'malformed' })
          return
        }
        await send({ t: 'keeper', identity: options.identity.bytes })
        const request = await reader.next(signal)
        if (request !== undefined) await send(await options.answer(request, connection))
        await stream.close({ signal })
      } catch (error) {
        stream.abort(error instanceof Error ? error : new Error(String(error)))
      }
    },
    { maxInboundStreams: options.maxInboundStreams }
  )
}

/** A decoded message that is a map (dag-cbor decodes maps to plain objects). */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isBytes(value)
}
