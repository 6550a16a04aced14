// Messages of the history sync protocol on one libp2p stream: each is u32be(length) ‖
// dag-cbor, at most 8 MiB. Reading keeps messages as bytes until the caller takes them, up to a
// bound on the bytes held: a peer that sends more than the protocol lets it have in flight breaks
// the stream instead of filling this device's memory.
import * as dagCbor from '@ipld/dag-cbor'
import type { Stream } from '@libp2p/interface'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'

/** The largest message body either side sends or accepts, in bytes. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024

/** How many bytes a reader holds for its caller at most, by default: received but not yet taken. */
export const MAX_HELD_BYTES = 4 * MAX_MESSAGE_BYTES

/**
 * What keeping one message costs beside its bytes (V8 spends about 240 bytes on a small one): a
 * flood of tiny or empty messages counts against the bound too.
 */
const MESSAGE_OVERHEAD_BYTES = 256

/** A message that breaks the framing: over MAX_MESSAGE_BYTES, not dag-cbor, or cut off when the stream ended. */
export class WireError extends AnamnesisError<'WIRE_BROKEN'> {
  override name = 'WireError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('WIRE_BROKEN', message, options)
  }
}

/** A peer sent what the wire format forbids (a message over the limit, more than may be held, or not dag-cbor): it misbehaves. */
export class WireMisuseError extends WireError {
  override name = 'WireMisuseError'
}

/**
 * Sends one message, waiting while the stream asks us to.
 * @param signal - Aborts the wait for the stream to drain.
 * @throws {WireError} When the encoded message is over MAX_MESSAGE_BYTES; dag-cbor's error for a
 *   value it cannot encode, and the stream's when it is closed.
 */
export async function sendMessage(stream: Stream, message: unknown, signal?: AbortSignal): Promise<void> {
  const body = dagCbor.encode(message)
  if (body.length > MAX_MESSAGE_BYTES) throw new WireError(`A sync message of ${body.length} bytes is over the limit`)
  const frame = new Uint8Array(4 + body.length)
  new DataView(frame.buffer).setUint32(0, body.length, false)
  frame.set(body, 4)
  if (!stream.send(frame)) await stream.onDrain(signal === undefined ? {} : { signal })
}

/**
 * Reads messages from a stream as they arrive; attach it at once, before the first await.
 * Each message is checked only for its length (at most MAX_MESSAGE_BYTES) and for being dag-cbor;
 * its content is the caller's to check. Messages are kept until taken, up to `maxHeldBytes` in all
 * (MAX_HELD_BYTES by default, each message counted with what keeping it costs): beyond it the
 * reader aborts the stream and ends with a WireError. They are kept as bytes and decoded one at
 * a time as they are taken: decoded, a message of small items takes tens of times its size.
 */
export class MessageReader {
  readonly #chunks: Uint8Array[] = []
  #buffered = 0
  readonly #messages: Uint8Array[] = []
  #held = 0
  readonly #maxHeldBytes: number
  readonly #stream: Stream
  #ended = false
  #error: Error | undefined
  #wake: (() => void) | undefined

  readonly #onMisuse: ((error: WireMisuseError) => void) | undefined

  /**
   * @param options.maxHeldBytes - What may be held for the caller at most (MAX_HELD_BYTES by default).
   * @param options.onMisuse - Told when the peer sends what the wire format forbids: a message over the limit or more
   *   than may be held whether or not anyone is reading, a message that is not dag-cbor when it is taken.
   */
  constructor(stream: Stream, options: { maxHeldBytes?: number; onMisuse?: (error: WireMisuseError) => void } = {}) {
    this.#maxHeldBytes = options.maxHeldBytes ?? MAX_HELD_BYTES
    this.#onMisuse = options.onMisuse
    this.#stream = stream
    stream.addEventListener('message', (event) => {
      this.#push(event.data.subarray())
    })
    stream.addEventListener('remoteCloseWrite', () => {
      this.#end()
    })
    stream.addEventListener('close', (event) => {
      this.#end(event.error)
    })
  }

  #push(bytes: Uint8Array): void {
    if (this.#ended) return
    this.#chunks.push(bytes)
    this.#buffered += bytes.length
    try {
      if (this.#buffered + this.#held > this.#maxHeldBytes) {
        const error = new WireMisuseError(`A peer sent more than ${this.#maxHeldBytes} bytes that were not asked for yet`)
        // Whether or not anyone is reading now: the stream is broken off and what it brought dropped.
        this.#chunks.length = 0
        this.#buffered = 0
        this.#stream.abort(error)
        throw error
      }
      this.#parse()
    } catch (error) {
      this.#end(error instanceof Error ? error : new WireError(String(error)))
      if (error instanceof WireMisuseError) this.#onMisuse?.(error)
    }
    this.#wake?.()
  }

  #take(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let at = 0
    // Chunks used up are dropped at once at the end: one shift() per chunk would make a message
    // sent a byte at a time cost time in the square of its length.
    let spent = 0
    while (at < n) {
      const chunk = this.#chunks[spent]
      if (chunk === undefined) throw new WireError('internal: buffer underrun')
      const used = Math.min(chunk.length, n - at)
      out.set(chunk.subarray(0, used), at)
      at += used
      if (used === chunk.length) spent += 1
      else this.#chunks[spent] = chunk.subarray(used)
    }
    this.#chunks.splice(0, spent)
    this.#buffered -= n
    return out
  }

  #parse(): void {
    while (this.#buffered >= 4) {
      const head = this.#chunks[0]
      const prefix = head !== undefined && head.length >= 4 ? head.subarray(0, 4) : this.#peek4()
      const length = new DataView(prefix.buffer, prefix.byteOffset, 4).getUint32(0, false)
      if (length > MAX_MESSAGE_BYTES) throw new WireMisuseError(`A peer sent a sync message of ${length} bytes, over the limit`)
      if (this.#buffered < 4 + length) return
      this.#take(4)
      this.#messages.push(this.#take(length))
      this.#held += length + MESSAGE_OVERHEAD_BYTES
    }
  }

  #peek4(): Uint8Array {
    const out = new Uint8Array(4)
    let at = 0
    for (const chunk of this.#chunks) {
      const used = Math.min(chunk.length, 4 - at)
      out.set(chunk.subarray(0, used), at)
      at += used
      if (at === 4) break
    }
    return out
  }

  #decode(body: Uint8Array): unknown {
    try {
      return dagCbor.decode(body)
    } catch (cause) {
      // What follows a message that cannot be read is not read either: the stream is broken.
      const error = new WireMisuseError('A peer sent a sync message that is not dag-cbor', { cause, details: cause instanceof Error ? cause.message : String(cause) })
      this.#messages.length = 0
      this.#held = 0
      this.#chunks.length = 0
      this.#buffered = 0
      this.#ended = true
      this.#error = error
      this.#onMisuse?.(error)
      throw error
    }
  }

  #end(error?: Error): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = error
    this.#wake?.()
  }

  /**
   * The next message, or undefined when the peer closed its end; throws when the stream broke or the signal fired.
   * One call at a time: a call made while another waits leaves the first one waiting.
   * @throws {WireError} When a message was over the limit or not dag-cbor (from then on), or the
   *   stream ended inside one; the stream's error or the signal's reason otherwise.
   */
  async next(signal?: AbortSignal): Promise<unknown> {
    for (;;) {
      signal?.throwIfAborted()
      const message = this.#messages.shift()
      if (message !== undefined) {
        this.#held -= message.length + MESSAGE_OVERHEAD_BYTES
        return this.#decode(message)
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error
        if (this.#buffered > 0) throw new WireError('The peer closed the stream in the middle of a message')
        return undefined
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done)
          this.#wake = undefined
          resolve()
        }
        this.#wake = done
        signal?.addEventListener('abort', done, { once: true })
      })
    }
  }
}
