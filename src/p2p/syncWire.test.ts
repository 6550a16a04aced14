import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES, MessageReader, sendMessage, WireError } from './syncWire.ts'
import type { Stream } from '@libp2p/interface'

/** Just enough of a libp2p stream: events in, bytes out. */
function fakeStream(): { stream: Stream; deliver(bytes: Uint8Array): void; end(error?: Error): void; sent: Uint8Array[]; aborted: () => Error | undefined } {
  const target = new EventTarget()
  const sent: Uint8Array[] = []
  let aborted: Error | undefined
  const stream = Object.assign(target, {
    abort: (error: Error) => {
      aborted = error
    },
    send: (bytes: Uint8Array) => {
      sent.push(bytes)
      return true
    },
    onDrain: () => Promise.resolve()
  }) as unknown as Stream
  return {
    stream,
    sent,
    aborted: () => aborted,
    deliver: (bytes) => target.dispatchEvent(Object.assign(new Event('message'), { data: bytes })),
    end: (error) => target.dispatchEvent(Object.assign(new Event('close'), { error }))
  }
}

const frame = (value: unknown): Uint8Array => {
  const body = dagCbor.encode(value)
  const out = new Uint8Array(4 + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, 4)
  return out
}

describe('the sync protocol\'s framing', () => {
  it('sends u32be(length) ‖ dag-cbor', async () => {
    const fake = fakeStream()
    await sendMessage(fake.stream, { t: 'ack', n: 3 })
    expect(fake.sent).toEqual([frame({ t: 'ack', n: 3 })])
  })

  it('reads messages however the bytes are cut', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream)
    const bytes = new Uint8Array([...frame({ a: 1 }), ...frame({ b: new Uint8Array(300) }), ...frame({ c: 'x' })])
    for (let at = 0; at < bytes.length; at += 7) fake.deliver(bytes.subarray(at, at + 7))
    fake.end()
    expect(await reader.next()).toEqual({ a: 1 })
    expect(await reader.next()).toEqual({ b: new Uint8Array(300) })
    expect(await reader.next()).toEqual({ c: 'x' })
    expect(await reader.next()).toBeUndefined()
  })

  it('waits for a message that has not arrived yet', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream)
    const next = reader.next()
    fake.deliver(frame({ late: true }))
    expect(await next).toEqual({ late: true })
  })

  it('ends with a WireError when a peer sends more than the reader may hold, and keeps nothing more', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream, { maxHeldBytes: 1000 })
    const message = frame({ junk: new Uint8Array(300) })
    for (let i = 0; i < 10; i++) fake.deliver(message)
    // What arrived within the bound is still read; then the stream is broken, whatever follows.
    let taken = 0
    await expect(
      (async () => {
        for (;;) {
          await reader.next()
          taken++
        }
      })()
    ).rejects.toThrow(WireError)
    expect(taken).toBeLessThanOrEqual(3)
    expect(fake.aborted()).toBeInstanceOf(WireError)
  })

  it('holds as much as the caller takes in time: a reader that keeps up is never refused', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream, { maxHeldBytes: 1000 })
    for (let i = 0; i < 20; i++) {
      fake.deliver(frame({ part: i, bytes: new Uint8Array(300) }))
      expect(await reader.next()).toMatchObject({ part: i })
    }
  })

  it('refuses a message over the limit, a stream cut mid-message, and gives up on abort', async () => {
    const big = fakeStream()
    const tooBig = new Uint8Array(4)
    new DataView(tooBig.buffer).setUint32(0, MAX_MESSAGE_BYTES + 1)
    const reader = new MessageReader(big.stream)
    big.deliver(tooBig)
    await expect(reader.next()).rejects.toThrow(WireError)

    const cut = fakeStream()
    const cutReader = new MessageReader(cut.stream)
    cut.deliver(frame({ a: 1 }).subarray(0, 5))
    cut.end()
    await expect(cutReader.next()).rejects.toThrow(/middle of a message/)

    const idle = fakeStream()
    const controller = new AbortController()
    const waiting = new MessageReader(idle.stream).next(controller.signal)
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
  })

  it('hands on the error the stream closed with', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream)
    fake.end(new Error('reset by peer'))
    await expect(reader.next()).rejects.toThrow('reset by peer')
  })
})
