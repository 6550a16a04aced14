// Property tests of the sync wire's reader, which takes bytes from any peer: whatever the bytes
// and however they are cut, it hands on exactly the messages framed in them, ends with a WireError
// or the end of the stream, never waits once the stream has ended, and never holds more than its bound.
import * as dagCbor from '@ipld/dag-cbor'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { faithfulValue, fakeStream, fuzzRuns, rawFrame, type FakeStream } from '../../test/support/fuzz.ts'
import { MAX_MESSAGE_BYTES, MessageReader, WireError } from './syncWire.ts'

const runs = fuzzRuns()

/** Messages an honest peer sends: values dag-cbor reads back as they were written. */
const message = faithfulValue

const header = (length: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, length)
  return out
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Where a peer's bytes are cut into messages of the transport: anywhere, or every few bytes (inside a length too). */
const cutting = fc.oneof(
  fc.record({ every: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ at: fc.array(fc.nat(), { maxLength: 40 }) })
)

function cut(bytes: Uint8Array, how: { every: number } | { at: number[] }): Uint8Array[] {
  const points = 'every' in how ? Array.from({ length: Math.ceil(bytes.length / how.every) }, (_, i) => i * how.every) : how.at.map((n) => n % (bytes.length + 1))
  const sorted = [...new Set([0, ...points, bytes.length])].sort((a, b) => a - b)
  // Empty chunks too: a transport may hand on a message with no bytes.
  const chunks = sorted.slice(1).map((end, i) => bytes.subarray(sorted[i], end))
  return 'at' in how && how.at.length % 3 === 0 ? [new Uint8Array(0), ...chunks] : chunks
}

interface Outcome {
  messages: unknown[]
  /** What the last call threw. */
  error?: unknown
  /** Set when a call still waited after the stream had ended. */
  hung?: true
}

/**
 * Takes messages from the reader one call at a time, as its callers do, until the end or an
 * error. Start it before the bytes arrive, and call `settled` once the stream has ended.
 */
function consume(reader: MessageReader): { messages: unknown[]; settled(): Promise<Outcome> } {
  const messages: unknown[] = []
  const done = (async (): Promise<Outcome> => {
    try {
      for (;;) {
        const message = await reader.next()
        if (message === undefined) return { messages }
        messages.push(message)
      }
    } catch (error) {
      return { messages, error }
    }
  })()
  return {
    messages,
    // Once the stream has ended, the reader needs nothing more to answer: every call settles before
    // the event loop turns. One that has not by then would wait for ever.
    settled: () => Promise.race([done, new Promise<Outcome>((resolve) => setImmediate(() => resolve({ messages, hung: true })))])
  }
}

/** Everything the reader hands on once the stream has ended. */
const drain = (reader: MessageReader): Promise<Outcome> => consume(reader).settled()

/** Lets a waiting caller run: what it was waiting for has arrived. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Messages compared by their dag-cbor, which is canonical: the same bytes are the same message.
 * (A deep comparison trips over a map with a key such as "__proto__", which dag-cbor allows.)
 */
const encoded = (messages: readonly unknown[]): string[] => messages.map((message) => bytesToHex(dagCbor.encode(message)))
const hex = (bodies: readonly Uint8Array[]): string[] => bodies.map(bytesToHex)

const ending = fc.constantFrom('closeWrite', 'close') satisfies fc.Arbitrary<'closeWrite' | 'close'>
const finish = (fake: FakeStream, how: 'closeWrite' | 'close'): void => (how === 'closeWrite' ? fake.closeWrite() : fake.end())

describe('the sync wire reader, with any bytes a peer sends', () => {
  it('hands on exactly the messages sent, whatever the cuts between the bytes and whenever it is asked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { maxLength: 8 }),
        cutting,
        fc.array(fc.boolean(), { maxLength: 60 }),
        ending,
        async (values, how, pauses, end) => {
          const bodies = values.map((value) => dagCbor.encode(value))
          const fake = fakeStream()
          const reader = new MessageReader(fake.stream)
          // The caller asks from the start: some messages arrive while it waits, some before it asks again.
          const caller = consume(reader)
          const chunks = cut(concat(bodies.map(rawFrame)), how)
          for (const [i, chunk] of chunks.entries()) {
            fake.deliver(chunk)
            if (pauses[i] === true) await turn()
          }
          finish(fake, end)
          const outcome = await caller.settled()
          expect({ ...outcome, messages: encoded(outcome.messages) }).toEqual({ messages: hex(bodies) })
          expect(fake.aborted()).toBeUndefined()
        }
      ),
      { numRuns: runs }
    )
  })

  it('ends any bytes after sound messages with a WireError or the end of the stream, and never waits once the stream ended', async () => {
    const segment = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      message.map((value) => rawFrame(dagCbor.encode(value))),
      // A frame around bytes that are not dag-cbor, or barely: a length with anything after it.
      fc.uint8Array({ maxLength: 40 }).map(rawFrame),
      fc.tuple(fc.integer({ min: 0, max: 80 }), fc.uint8Array({ maxLength: 80 })).map(([length, rest]) => concat([header(length), rest])),
      fc.integer({ min: 0, max: 0xffff_ffff }).map(header)
    )
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 4 }), fc.array(segment, { minLength: 1, maxLength: 6 }), cutting, ending, async (values, tail, how, end) => {
        const bodies = values.map((value) => dagCbor.encode(value))
        const fake = fakeStream()
        const reader = new MessageReader(fake.stream)
        for (const chunk of cut(concat([...bodies.map(rawFrame), ...tail]), how)) fake.deliver(chunk)
        finish(fake, end)
        const outcome = await drain(reader)
        expect(outcome.hung).toBeUndefined()
        expect(encoded(outcome.messages.slice(0, bodies.length))).toEqual(hex(bodies))
        if (outcome.error !== undefined) expect(outcome.error).toBeInstanceOf(WireError)
      }),
      { numRuns: runs }
    )
  })

  it('refuses a message longer than the limit, whatever follows, after the messages before it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { maxLength: 4 }),
        fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 0xffff_ffff }),
        fc.uint8Array({ maxLength: 200 }),
        cutting,
        fc.boolean(),
        async (values, length, rest, how, ended) => {
          const bodies = values.map((value) => dagCbor.encode(value))
          const fake = fakeStream()
          const reader = new MessageReader(fake.stream)
          for (const chunk of cut(concat([...bodies.map(rawFrame), header(length), rest]), how)) fake.deliver(chunk)
          // Refused as soon as the length is read: the peer need not close its end first.
          if (ended) fake.closeWrite()
          const outcome = await drain(reader)
          expect(outcome.hung).toBeUndefined()
          expect(encoded(outcome.messages)).toEqual(hex(bodies))
          expect(outcome.error).toBeInstanceOf(WireError)
          expect((outcome.error as Error).message).toMatch(/over the limit/)
        }
      ),
      { numRuns: runs }
    )
  })

  it('hands on the messages a stream cut short holds whole, then says it was cut in the middle of one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), fc.nat(), cutting, ending, async (values, at, how, end) => {
        const bodies = values.map((value) => dagCbor.encode(value))
        const frames = bodies.map(rawFrame)
        const bytes = concat(frames)
        const length = at % (bytes.length + 1)
        const fake = fakeStream()
        const reader = new MessageReader(fake.stream)
        for (const chunk of cut(bytes.subarray(0, length), how)) fake.deliver(chunk)
        finish(fake, end)
        // The frames that end at or before the cut are whole.
        let whole = 0
        for (let through = 0; whole < frames.length && through + (frames[whole]?.length ?? 0) <= length; whole++) through += frames[whole]?.length ?? 0
        const boundary = frames.slice(0, whole).reduce((sum, frame) => sum + frame.length, 0) === length
        const outcome = await drain(reader)
        expect(outcome.hung).toBeUndefined()
        expect(encoded(outcome.messages)).toEqual(hex(bodies.slice(0, whole)))
        if (boundary) expect(outcome.error).toBeUndefined()
        else expect((outcome.error as Error).message).toMatch(/middle of a message/)
      }),
      { numRuns: runs }
    )
  })

  it('never holds more than its bound for a caller that does not read: beyond it, the stream is broken off', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((bytes) => dagCbor.encode(bytes)), fc.uint8Array({ maxLength: 300 })), { maxLength: 12 }),
        fc.integer({ min: 0, max: 4096 }),
        cutting,
        async (bodies, maxHeldBytes, how) => {
          const fake = fakeStream()
          const reader = new MessageReader(fake.stream, { maxHeldBytes })
          let delivered = 0
          for (const chunk of cut(concat(bodies.map(rawFrame)), how)) {
            fake.deliver(chunk)
            delivered += chunk.length
            if (delivered > maxHeldBytes) expect(fake.aborted()).toBeInstanceOf(WireError)
          }
          fake.closeWrite()
          // Whatever it hands on once read fitted in the bound: the messages come in order, the first ones sent.
          const outcome = await drain(reader)
          expect(outcome.hung).toBeUndefined()
          const taken = bodies.slice(0, outcome.messages.length)
          expect(taken.reduce((sum, body) => sum + body.length, 0)).toBeLessThanOrEqual(maxHeldBytes)
          if (fake.aborted() !== undefined) expect(outcome.error).toBeInstanceOf(WireError)
        }
      ),
      { numRuns: runs }
    )
  })

  it('hands on the messages that came whole before the stream broke, then the stream\'s error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 6 }), fc.uint8Array({ maxLength: 20 }), cutting, async (values, partial, how) => {
        const bodies = values.map((value) => dagCbor.encode(value))
        const fake = fakeStream()
        const reader = new MessageReader(fake.stream)
        const bytes = concat(bodies.map(rawFrame))
        for (const chunk of cut(bytes, how)) fake.deliver(chunk)
        // A few bytes of a next message, then the connection drops.
        if (partial.length > 0) fake.deliver(concat([header(partial.length + 1), partial]))
        const broken = new Error('the connection was reset')
        fake.end(broken)
        const outcome = await drain(reader)
        expect({ ...outcome, messages: encoded(outcome.messages) }).toEqual({ messages: hex(bodies), error: broken })
      }),
      { numRuns: runs }
    )
  })
})
