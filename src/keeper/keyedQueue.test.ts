import { describe, expect, it } from 'vitest'
import { keyedQueue } from './keyedQueue.ts'

const later = (): { promise: Promise<void>; resolve: () => void } => {
  let resolve = (): void => undefined
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

describe('keyedQueue', () => {
  it('runs one work at a time per key, in order, and works of other keys meanwhile', async () => {
    const serial = keyedQueue<string>()
    const order: string[] = []
    const first = later()
    const a1 = serial('a', async () => {
      await first.promise
      order.push('a1')
    })
    const a2 = serial('a', () => Promise.resolve(order.push('a2')))
    await serial('b', () => Promise.resolve(order.push('b')))
    expect(order).toEqual(['b'])
    expect(serial.busy('a')).toBe(true)
    first.resolve()
    await Promise.all([a1, a2])
    expect(order).toEqual(['b', 'a1', 'a2'])
  })

  it('goes on after a work that failed, and forgets a key once its queue is empty', async () => {
    const serial = keyedQueue<string>()
    await expect(serial('a', () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full')
    expect(await serial('a', () => Promise.resolve('next'))).toBe('next')
    await serial.idle()
    expect(serial.busy('a')).toBe(false)
  })
})
