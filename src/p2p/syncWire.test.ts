import { describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES, MessageReader, sendMessage, WireError } from './syncWire.ts'
import { fakeStream, frameOf, rawFrame } from '../../test/support/fuzz.ts'

describe('the sync protocol\'s framing', () => {
  it('sends u32be(length) ‖ dag-cbor', async () => {
    const fake = fakeStream()
    await sendMessage(fake.stream, { t: 'ack', n: 3 })
    expect(fake.sent).toEqual([frameOf({ t: 'ack', n: 3 })])
  })

  it('reads messages however the bytes are cut', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream)
    const bytes = new Uint8Array([...frameOf({ a: 1 }), ...frameOf({ b: new Uint8Array(300) }), ...frameOf({ c: 'x' })])
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
    fake.deliver(frameOf({ late: true }))
    expect(await next).toEqual({ late: true })
  })

  it('ends with a WireError when a peer sends more than the reader may hold, and keeps nothing more', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream, { maxHeldBytes: 1000 })
    const message = frameOf({ junk: new Uint8Array(300) })
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
      fake.deliver(frameOf({ part: i, bytes: new Uint8Array(300) }))
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
    cut.deliver(frameOf({ a: 1 }).subarray(0, 5))
    cut.end()
    await expect(cutReader.next()).rejects.toThrow(/middle of a message/)

    const idle = fakeStream()
    const controller = new AbortController()
    const waiting = new MessageReader(idle.stream).next(controller.signal)
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
  })

  it('keeps messages as bytes until they are taken: messages that swell when decoded do not fill memory', () => {
    // 8 million empty maps in 8 MiB: over 500 MB of objects once decoded. Three fit in the reader's bound.
    const length = MAX_MESSAGE_BYTES
    const swelling = new Uint8Array(4 + length)
    const view = new DataView(swelling.buffer)
    view.setUint32(0, length)
    swelling[4] = 0x9a
    view.setUint32(5, length - 5)
    swelling.fill(0xa0, 9)
    const fake = fakeStream()
    new MessageReader(fake.stream)
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 3; i++) fake.deliver(swelling.slice())
    expect(fake.aborted()).toBeUndefined()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024)
    // A fourth is over the bound: the stream is broken off.
    fake.deliver(swelling.slice())
    expect(fake.aborted()).toBeInstanceOf(WireError)
  })

  it('ends with a WireError when a message is not dag-cbor, after the messages before it', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream)
    // A map with a key that is not a string, then a message that is nested too deep for any decoder.
    const deep = new Uint8Array(200_000).fill(0x81)
    deep[deep.length - 1] = 0
    fake.deliver(new Uint8Array([...frameOf({ a: 1 }), ...rawFrame(Uint8Array.of(0xa1, 0x01, 0x02)), ...frameOf({ b: 2 })]))
    expect(await reader.next()).toEqual({ a: 1 })
    await expect(reader.next()).rejects.toThrow(WireError)
    await expect(reader.next()).rejects.toThrow('not dag-cbor')

    const nested = fakeStream()
    const nestedReader = new MessageReader(nested.stream)
    nested.deliver(rawFrame(deep))
    await expect(nestedReader.next()).rejects.toThrow(WireError)
  })

  it('hands on the error the stream closed with', async () => {
    const fake = fakeStream()
    const reader = new MessageReader(fake.stream)
    fake.end(new Error('reset by peer'))
    await expect(reader.next()).rejects.toThrow('reset by peer')
  })
})
