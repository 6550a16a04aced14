// What the tests of the parsers of peers' bytes share: how many inputs each property runs
// (FUZZ_RUNS: a few hundred in npm test, 100,000 in npm run test:deep), arbitrary dag-cbor values,
// the sync protocol's frames built by hand, and a libp2p stream that a test feeds by hand.
import * as dagCbor from '@ipld/dag-cbor'
import type { Stream } from '@libp2p/interface'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

/** One frame of the sync wire around `body` (u32be(length) ‖ body), whatever the body holds. */
export function rawFrame(body: Uint8Array | readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, 4)
  return out
}

/** One frame of the sync wire carrying `value` as dag-cbor, as an honest peer sends it. */
export const frameOf = (value: unknown): Uint8Array => rawFrame(dagCbor.encode(value))

/**
 * How many inputs a property runs: FUZZ_RUNS, or 200.
 * @throws {Error} When FUZZ_RUNS is set and is not a positive integer.
 */
export function fuzzRuns(): number {
  const text = process.env.FUZZ_RUNS ?? '200'
  const runs = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got '${text}'`)
  return runs
}

/** A CID as dag-cbor carries it (tag 42): made from arbitrary digest bytes. */
const cid = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((digest) => CID.createV1(0x71, Digest.create(0x12, digest)))

/** Values of the IPLD data model at its edges: 64-bit integers and big ones, floats, any string, bytes, CIDs, deep nesting. */
export const dagCborValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 80 }),
    cid,
    fc.array(tie('value'), { maxLength: 6 }),
    // Keys a JavaScript object treats specially among any others: a parser must not trip over them.
    fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'then', 'toJSON')), tie('value'), { maxKeys: 6 })
  )
})).value

/**
 * Values dag-cbor reads back as they were written: what an honest peer sends. Not every value is:
 * @ipld/dag-cbor's decoder (cborg 5) makes a map key "__proto__" the decoded object's prototype,
 * so a message can even decode to an object that passes for a Uint8Array and throws on use.
 */
export const faithfulValue: fc.Arbitrary<unknown> = dagCborValue.filter((value) => {
  const body = dagCbor.encode(value)
  try {
    return bytesToHex(dagCbor.encode(dagCbor.decode(body))) === bytesToHex(body)
  } catch {
    return false
  }
})

/** A stream a test drives: it delivers bytes and ends the stream as a peer would, and sees what the reader does to it. */
export interface FakeStream {
  stream: Stream
  /** The peer's bytes arrive (a 'message' event). */
  deliver(bytes: Uint8Array): void
  /** The peer closed its end for writing (a 'remoteCloseWrite' event). */
  closeWrite(): void
  /** The stream closed, cleanly or with an error (a 'close' event). */
  end(error?: Error): void
  /** What was sent on it. */
  sent: Uint8Array[]
  /** Why it was aborted, if it was. */
  aborted(): Error | undefined
  /** Whether this side closed it. */
  closed(): boolean
}

/** Just enough of a libp2p stream: the events MessageReader listens to in, bytes out, close and abort. */
export function fakeStream(): FakeStream {
  const target = new EventTarget()
  const sent: Uint8Array[] = []
  let aborted: Error | undefined
  let closed = false
  const stream = Object.assign(target, {
    abort: (error: Error) => {
      aborted ??= error
    },
    send: (bytes: Uint8Array) => {
      sent.push(bytes)
      return true
    },
    onDrain: () => Promise.resolve(),
    close: () => {
      closed = true
      return Promise.resolve()
    }
  }) as unknown as Stream
  return {
    stream,
    sent,
    aborted: () => aborted,
    closed: () => closed,
    deliver: (bytes) => target.dispatchEvent(Object.assign(new Event('message'), { data: bytes })),
    closeWrite: () => target.dispatchEvent(new Event('remoteCloseWrite')),
    end: (error) => target.dispatchEvent(Object.assign(new Event('close'), { error }))
  }
}
