import { describe, expect, it } from 'vitest'
import { createWriteGate } from '../../session/index.ts'
import { createUpdateOffer, TAKE_OVER_MS, type UpdatePort } from './updateOffer.ts'

/** The service worker and the page, as the offer drives them: what it did, in order. */
function page(): UpdatePort & { done: string[]; elapse(): void } {
  const done: string[] = []
  const timers: (() => void)[] = []
  return {
    done,
    activate: () => done.push('activate'),
    reload: () => done.push('reload'),
    after: (ms, then) => {
      expect(ms).toBe(TAKE_OVER_MS)
      timers.push(then)
    },
    elapse: () => {
      for (const then of timers.splice(0)) then()
    }
  }
}

/** A write that lasts until finish() is called. */
function held(): { run: () => Promise<void>; finish: () => void } {
  let finish = (): void => undefined
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  return { run: () => done, finish: () => finish() }
}

describe('the new-version offer', () => {
  it('offers a waiting version and does nothing until the patient chooses it', () => {
    const port = page()
    const offer = createUpdateOffer(port, createWriteGate())
    expect(offer.state.get()).toBe('none')
    offer.waiting()
    expect(offer.state.get()).toBe('ready')
    expect(port.done).toEqual([])
  })

  it('lets the new version take over at once when no write is under way, and reloads when it has', () => {
    const port = page()
    const offer = createUpdateOffer(port, createWriteGate())
    offer.waiting()
    offer.accept()
    expect(offer.state.get()).toBe('reloading')
    expect(port.done).toEqual(['activate'])
    offer.tookOver()
    expect(port.done).toEqual(['activate', 'reload'])
    // Taken over already: the fallback does not reload a second time.
    port.elapse()
    expect(port.done).toEqual(['activate', 'reload'])
  })

  it('reloads into the chosen version anyway when it has not taken over in time (the old worker held it up)', () => {
    const port = page()
    const offer = createUpdateOffer(port, createWriteGate())
    offer.waiting()
    offer.accept()
    expect(port.done).toEqual(['activate'])
    port.elapse()
    expect(port.done).toEqual(['activate', 'reload'])
    offer.tookOver()
    expect(port.done).toEqual(['activate', 'reload'])
  })

  it('waits for the record being stored before the new version takes over', async () => {
    const port = page()
    const writes = createWriteGate()
    const offer = createUpdateOffer(port, writes)
    offer.waiting()
    const write = held()
    const storing = writes.track(write.run)
    offer.accept()
    expect(offer.state.get()).toBe('finishing')
    expect(port.done).toEqual([])
    write.finish()
    await storing
    expect(port.done).toEqual(['activate'])
    expect(offer.state.get()).toBe('reloading')
  })

  it('does not reload in the middle of a write when another tab chose the new version', async () => {
    const port = page()
    const writes = createWriteGate()
    const offer = createUpdateOffer(port, writes)
    const write = held()
    const storing = writes.track(write.run)
    offer.tookOver()
    expect(offer.state.get()).toBe('finishing')
    expect(port.done).toEqual([])
    write.finish()
    await storing
    expect(port.done).toEqual(['reload'])
  })

  it('asks the service worker once, however often the patient presses, and offers nothing it was not told of', () => {
    const port = page()
    const offer = createUpdateOffer(port, createWriteGate())
    offer.accept()
    expect(port.done).toEqual([])
    offer.waiting()
    offer.accept()
    offer.accept()
    offer.waiting()
    expect(port.done).toEqual(['activate'])
    expect(offer.state.get()).toBe('reloading')
  })
})
