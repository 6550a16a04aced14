// Property tests of the sync protocol's two ends against a peer that sends anything: the holder
// (serveLog's handler) and the puller (pullLog) read each message's shape inline, so they are
// driven here through what the module exports, over a libp2p faked just enough to hand them a stream.
import * as dagCbor from '@ipld/dag-cbor'
import type { Connection, Libp2p, PeerId, StreamHandler } from '@libp2p/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { faithfulValue, fakeStream, fuzzRuns, type FakeStream } from '../../test/support/fuzz.ts'
import { pullLog, serveLog, SYNC_PROTOCOL, type Frame, type SyncSource } from './syncProtocol.ts'

const runs = fuzzRuns()
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'
const MAX_HAVE = 1024
const MAX_WINDOW = 8192
const peer = { toString: () => '12D3KooWStrangerStrangerStrangerStrangerStranger' } as unknown as PeerId

const frameOf = (value: unknown): Uint8Array => {
  const body = dagCbor.encode(value)
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, 4)
  return out
}

/** The messages in the bytes a side sent (each u32be(length) ‖ dag-cbor), up to the first that is none. */
function messagesIn(sent: readonly Uint8Array[]): Record<string, unknown>[] {
  const bytes = Uint8Array.from(sent.flatMap((chunk) => [...chunk]))
  const messages: Record<string, unknown>[] = []
  const asMessage = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : { value })
  for (let at = 0; at + 4 <= bytes.length; ) {
    const length = new DataView(bytes.buffer, at, 4).getUint32(0)
    if (at + 4 + length > bytes.length) break
    try {
      messages.push(asMessage(dagCbor.decode(bytes.subarray(at + 4, at + 4 + length))))
    } catch {
      break
    }
    at += 4 + length
  }
  return messages
}

const isBytes = (value: unknown): boolean => ArrayBuffer.isView(value) && value instanceof Uint8Array
const isStrings = (value: unknown, max: number): boolean => Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string')

/** Lets a stream's handler run up to where it waits for the peer. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface Outcome<T> {
  value?: T
  error?: unknown
  /** Set when it still waited once everything it was waiting for had arrived. */
  hung?: true
}

/** Follows `work` from the start, so that a failure before the test looks is not reported as unhandled. */
function follow<T>(work: Promise<T>): { settled(): Promise<Outcome<T>> } {
  const outcome = work.then(
    (value): Outcome<T> => ({ value }),
    (error: unknown): Outcome<T> => ({ error })
  )
  return { settled: () => Promise.race([outcome, turn().then(turn).then((): Outcome<T> => ({ hung: true }))]) }
}

/** Heads as a peer might name them: strings, too many of them, or anything else. */
const someHeads = fc.array(fc.string({ maxLength: 50 }), { maxLength: 6 })
const heads = fc.oneof(someHeads, fc.constant(Array.from({ length: MAX_HAVE + 1 }, () => 'zdpu')), faithfulValue)
const log = fc.oneof(fc.constant(LOG), fc.string({ maxLength: 20 }), faithfulValue)
const count = fc.oneof({ arbitrary: fc.integer({ min: -2, max: 400 }), weight: 4 }, fc.constantFrom<unknown>(0.5, 2 ** 53, -0, '1', null), faithfulValue)
const optional = { requiredKeys: [] as never[] }

/** What a puller (or anyone) sends a holder: mostly a pull and acks, with some of every kind of wrong. */
const toHolder = fc.tuple(
  fc.oneof(
    { arbitrary: fc.record({ t: fc.constant('pull'), log: fc.constant(LOG), have: someHeads, window: count }), weight: 6 },
    { arbitrary: fc.record({ t: fc.constant('pull'), log, have: heads, window: count }, optional), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('announce'), log, heads }, optional), weight: 1 },
    { arbitrary: faithfulValue, weight: 1 }
  ),
  fc.array(
    fc.oneof(
      { arbitrary: fc.record({ t: fc.constant('ack'), n: fc.integer({ min: -2, max: 400 }) }), weight: 6 },
      { arbitrary: fc.record({ t: fc.constant('ack'), n: count }, optional), weight: 1 },
      { arbitrary: faithfulValue, weight: 1 }
    ),
    { maxLength: 7 }
  )
).map(([first, rest]) => [first, ...rest])

/** What a holder (or anyone) sends a puller: mostly blocks and an end, with some of every kind of wrong. */
const byteArrays = fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 40 })
const toPuller = fc.array(
  fc.oneof(
    { arbitrary: fc.record({ t: fc.constant('blocks'), identities: byteArrays, entries: byteArrays }), weight: 6 },
    { arbitrary: fc.record({ t: fc.constant('blocks'), identities: fc.oneof(byteArrays, faithfulValue), entries: fc.oneof(byteArrays, faithfulValue) }, optional), weight: 1 },
    { arbitrary: fc.record({ t: fc.constant('end'), heads: someHeads }), weight: 2 },
    { arbitrary: fc.record({ t: fc.constant('end'), heads }, optional), weight: 1 },
    // A reason that is text: String() of a map with a key "toString" throws, which pullLog does not guard against.
    { arbitrary: fc.record({ t: fc.constant('error'), reason: fc.oneof(fc.string(), fc.integer()) }, optional), weight: 1 },
    { arbitrary: faithfulValue, weight: 1 }
  ),
  { maxLength: 8 }
)

/** A peer's bytes: its messages, now and then with bytes that are none among them. */
const wire = (messages: fc.Arbitrary<unknown[]>): fc.Arbitrary<Uint8Array[]> =>
  fc.tuple(messages, fc.array(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 12 })), { maxLength: 1 })).map(([values, junk]) => {
    const frames = values.map(frameOf)
    for (const [at, bytes] of junk) frames.splice(at % (frames.length + 1), 0, bytes)
    return frames
  })

/** Delivers a peer's chunks, all at once or letting the other side run between them. */
async function deliver(fake: FakeStream, chunks: readonly Uint8Array[], paced: boolean): Promise<void> {
  for (const chunk of chunks) {
    fake.deliver(chunk)
    if (paced) await turn()
  }
}

const ending = fc.constantFrom('closeWrite', 'reset')
const finish = (fake: FakeStream, how: string): void => (how === 'closeWrite' ? fake.closeWrite() : fake.end(new Error('the connection was reset')))

describe('the sync protocol, with anything a peer sends', () => {
  it('a holder answers only in protocol messages, never sends more entries than acknowledged plus the largest window, and never fails', async () => {
    let handler: StreamHandler | undefined
    const libp2p = {
      handle: (protocol: string, handle: StreamHandler) => {
        if (protocol === SYNC_PROTOCOL) handler = handle
        return Promise.resolve()
      },
      unhandle: () => Promise.resolve()
    } as unknown as Libp2p
    const asked: unknown[][] = []
    const entries = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i % 256, 1, 2))
    const source: SyncSource = {
      address: LOG,
      missing: (have) => {
        asked.push([...have])
        return { identities: [Uint8Array.of(9, 9)], entries }
      },
      heads: () => ['zdpuHead'],
      announced: (_peer, announced) => asked.push(announced),
      pulledBy: () => undefined
    }
    await serveLog(libp2p, source)
    expect(handler).toBeDefined()
    await fc.assert(
      fc.asyncProperty(wire(toHolder), fc.boolean(), ending, async (chunks, paced, end) => {
        asked.length = 0
        const fake = fakeStream()
        const handled = follow(Promise.resolve(handler?.(fake.stream, { remotePeer: peer } as unknown as Connection)))
        await deliver(fake, chunks, paced)
        finish(fake, end)
        const outcome = await handled.settled()
        expect(outcome).toEqual({ value: undefined })
        const sent = messagesIn(fake.sent)
        for (const message of sent) {
          expect(['blocks', 'end', 'error']).toContain(message.t)
          if (message.t === 'blocks') expect(Array.isArray(message.entries) && (message.entries as unknown[]).every(isBytes)).toBe(true)
        }
        // Acks the peer sent: only whole positive counts can have let the holder go on.
        const acks = messagesIn(chunks)
          .map((message) => message.n)
          .filter((n): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0)
          .reduce((sum, n) => sum + n, 0)
        const entriesSent = sent.filter((message) => message.t === 'blocks').reduce((sum, message) => sum + (message.entries as unknown[]).length, 0)
        expect(entriesSent).toBeLessThanOrEqual(acks + MAX_WINDOW)
        // The log is asked only about heads of the form the protocol allows.
        for (const have of asked) expect(isStrings(have, MAX_HAVE)).toBe(true)
      }),
      { numRuns: runs }
    )
  })

  it('a puller hands its sink only byte arrays within its window, finishes only on the holder\'s end, and otherwise fails with an error', async () => {
    await fc.assert(
      fc.asyncProperty(wire(toPuller), fc.boolean(), ending, fc.integer({ min: 1, max: 64 }), async (chunks, paced, end, window) => {
        const fake = fakeStream()
        const connection = { status: 'open', limits: undefined, timeline: { open: 1 }, newStream: () => Promise.resolve(fake.stream) }
        const libp2p = { getConnections: () => [connection] } as unknown as Libp2p
        const frames: Frame[] = []
        const finished: unknown[] = []
        const sink = {
          receive: (frame: Frame) => {
            frames.push(frame)
            return Promise.resolve(frame.entries.length)
          },
          finish: (holderHeads: string[]) => {
            finished.push(holderHeads)
            return Promise.resolve()
          }
        }
        const pulling = follow(pullLog(libp2p, peer, LOG, ['zdpuMine'], sink, AbortSignal.timeout(60_000), window))
        await turn()
        await deliver(fake, chunks, paced)
        finish(fake, end)
        const outcome = await pulling.settled()
        expect(outcome.hung).toBeUndefined()
        expect(messagesIn(fake.sent)[0]).toEqual({ t: 'pull', log: LOG, have: ['zdpuMine'], window })
        for (const frame of frames) {
          expect(frame.identities.every(isBytes) && frame.entries.every(isBytes)).toBe(true)
          expect(frame.entries.length).toBeLessThanOrEqual(window)
        }
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(Error)
          expect(fake.aborted()).toBeDefined()
          expect(finished).toEqual([])
        } else {
          expect(finished).toHaveLength(1)
          expect(isStrings(finished[0], MAX_HAVE)).toBe(true)
        }
      }),
      { numRuns: runs }
    )
  })
})
