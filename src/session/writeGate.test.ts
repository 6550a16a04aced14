import { describe, expect, it } from 'vitest'
import { createWriteGate } from './writeGate.ts'

/** A write that lasts until finish() (or fail()) is called. */
function heldWrite<T>(value: T): { run: () => Promise<T>; finish: () => void; fail: (error: Error) => void } {
  let settle: { resolve: (value: T) => void; reject: (error: Error) => void } | undefined
  const done = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject }
  })
  return { run: () => done, finish: () => settle?.resolve(value), fail: (error) => settle?.reject(error) }
}

describe('the write gate', () => {
  it('runs an action at once when no write is under way', () => {
    const gate = createWriteGate()
    let ran = 0
    gate.whenIdle(() => ran++)
    expect(ran).toBe(1)
    expect(gate.pending.get()).toBe(0)
  })

  it('holds an action until every write under way has settled, then runs it once, before the writer resumes', async () => {
    const gate = createWriteGate()
    const events: string[] = []
    const first = heldWrite('first')
    const second = heldWrite('second')
    const writing = gate.track(first.run).then((value) => events.push(`${value} resumed`))
    const alsoWriting = gate.track(second.run).then((value) => events.push(`${value} resumed`))
    expect(gate.pending.get()).toBe(2)
    gate.whenIdle(() => events.push('reload'))
    first.finish()
    await writing
    expect(events).toEqual(['first resumed'])
    second.finish()
    await alsoWriting
    expect(events).toEqual(['first resumed', 'reload', 'second resumed'])
    expect(gate.pending.get()).toBe(0)
  })

  it('counts a write nested in another as one flow: the action waits for the outer one', async () => {
    const gate = createWriteGate()
    let ran = false
    const inner = heldWrite('inner')
    const outer = heldWrite('outer')
    const flow = gate.track(async () => {
      await gate.track(inner.run)
      return outer.run()
    })
    gate.whenIdle(() => (ran = true))
    inner.finish()
    await Promise.resolve()
    await Promise.resolve()
    expect(ran).toBe(false)
    outer.finish()
    await flow
    expect(ran).toBe(true)
  })

  it('lets a failed write go as a finished one does, and passes its error on', async () => {
    const gate = createWriteGate()
    let ran = false
    const write = heldWrite('never')
    const writing = gate.track(write.run)
    gate.whenIdle(() => (ran = true))
    write.fail(new Error('no room'))
    await expect(writing).rejects.toThrow('no room')
    expect(ran).toBe(true)
    await expect(gate.track(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused')
    expect(gate.pending.get()).toBe(0)
  })

  it('drops an action that was cancelled', async () => {
    const gate = createWriteGate()
    let ran = false
    const write = heldWrite(1)
    const writing = gate.track(write.run)
    const cancel = gate.whenIdle(() => (ran = true))
    cancel()
    write.finish()
    await writing
    expect(ran).toBe(false)
  })
})
