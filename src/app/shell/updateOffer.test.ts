import { describe, expect, it } from 'vitest'
import { createWriteGate } from '../../session/index.ts'
import { createUpdateOffer, RELOAD_AGAIN_MS, RELOAD_TRIES, TAKE_OVER_MS, type UpdateOffer, type UpdatePort } from './updateOffer.ts'

/** The service worker and the page, as the offer drives them: what it did, in order, with a clock for its timers. */
function page(): UpdatePort & { done: string[]; elapse(ms: number): void } {
  const done: string[] = []
  let clock = 0
  const timers: { at: number; then: () => void }[] = []
  return {
    done,
    activate: () => done.push('activate'),
    reload: () => done.push('reload'),
    after: (ms, then) => timers.push({ at: clock + ms, then }),
    elapse: (ms) => {
      const until = clock + ms
      for (;;) {
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0]
        if (due === undefined) break
        timers.splice(timers.indexOf(due), 1)
        clock = due.at
        due.then()
      }
      clock = until
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

/** A new version waiting, and chosen by the patient. */
function chosen(writes = createWriteGate()): { port: ReturnType<typeof page>; offer: UpdateOffer } {
  const port = page()
  const offer = createUpdateOffer(port, writes)
  offer.waiting()
  offer.accept()
  return { port, offer }
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
    const { port, offer } = chosen()
    expect(offer.state.get()).toBe('reloading')
    expect(port.done).toEqual(['activate'])
    offer.tookOver()
    expect(port.done).toEqual(['activate', 'reload'])
    // The page never leaves here: its reload is asked again, RELOAD_TRIES times in all, and the fallback adds none.
    port.elapse(TAKE_OVER_MS * 3)
    expect(port.done).toEqual(['activate', ...Array<string>(RELOAD_TRIES).fill('reload')])
  })

  it('reloads into the chosen version anyway when it has not taken over in time (the old worker held it up)', () => {
    const { port, offer } = chosen()
    expect(port.done).toEqual(['activate'])
    port.elapse(TAKE_OVER_MS - 1)
    expect(port.done).toEqual(['activate'])
    port.elapse(1)
    expect(port.done).toEqual(['activate', 'reload'])
    offer.tookOver()
    expect(port.done).toEqual(['activate', 'reload'])
  })

  it('asks that reload again while the page is still there: the browser may lose a reload the old worker held up', () => {
    const { port } = chosen()
    port.elapse(TAKE_OVER_MS)
    expect(port.done).toEqual(['activate', 'reload'])
    port.elapse(RELOAD_AGAIN_MS - 1)
    expect(port.done).toEqual(['activate', 'reload'])
    port.elapse(1)
    expect(port.done).toEqual(['activate', 'reload', 'reload'])
    // A few times only: a page still there after them is left for the patient to reload.
    port.elapse(RELOAD_AGAIN_MS * 10)
    expect(port.done).toEqual(['activate', ...Array<string>(RELOAD_TRIES).fill('reload')])
  })

  it('waits for a write started meanwhile before it asks the reload again', async () => {
    const writes = createWriteGate()
    const { port, offer } = chosen(writes)
    port.elapse(TAKE_OVER_MS)
    expect(port.done).toEqual(['activate', 'reload'])
    const write = held()
    const storing = writes.track(write.run)
    port.elapse(RELOAD_AGAIN_MS * 2)
    expect(port.done).toEqual(['activate', 'reload'])
    expect(offer.state.get()).toBe('finishing')
    write.finish()
    await storing
    expect(port.done).toEqual(['activate', 'reload', 'reload'])
    expect(offer.state.get()).toBe('reloading')
  })

  it('waits for a write started before the fallback reload falls due', async () => {
    const writes = createWriteGate()
    const { port } = chosen(writes)
    const write = held()
    const storing = writes.track(write.run)
    port.elapse(TAKE_OVER_MS)
    expect(port.done).toEqual(['activate'])
    write.finish()
    await storing
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
