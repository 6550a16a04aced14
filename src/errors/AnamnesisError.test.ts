import { describe, expect, it } from 'vitest'
import { AnamnesisError } from './AnamnesisError.ts'

class OuterError extends AnamnesisError<'OUTER_FAILED'> {
  override name = 'OuterError'
}
class InnerError extends AnamnesisError<'INNER_FAILED' | 'INNER_GONE'> {
  override name = 'InnerError'
}

describe('AnamnesisError', () => {
  it('keeps the code, the message and the details apart', () => {
    const error = new InnerError('INNER_GONE', 'The record is gone. Ask the patient to share it again.', { details: 'no block 0x12' })
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(AnamnesisError)
    expect(error.name).toBe('InnerError')
    expect(error.code).toBe('INNER_GONE')
    expect(error.message).toBe('The record is gone. Ask the patient to share it again.')
    expect(error.details).toBe('no block 0x12')
  })

  it('has no details and no cause unless given', () => {
    const error = new AnamnesisError('SOMETHING', 'Something failed.')
    expect(error.details).toBeUndefined()
    expect('cause' in error).toBe(false)
  })

  it('walk finds the first cause of a given class, itself included', () => {
    const root = new TypeError('fetch failed')
    const inner = new InnerError('INNER_FAILED', 'inner', { cause: root })
    const outer = new OuterError('OUTER_FAILED', 'outer', { cause: new Error('wrapper', { cause: inner }) })
    expect(outer.walk((e) => e instanceof InnerError)).toBe(inner)
    expect(outer.walk((e): e is InnerError => e instanceof InnerError)?.code).toBe('INNER_FAILED')
    expect(outer.walk((e) => e instanceof TypeError)).toBe(root)
    expect(outer.walk((e) => e instanceof OuterError)).toBe(outer)
  })

  it('walk returns null when no cause matches', () => {
    const outer = new OuterError('OUTER_FAILED', 'outer', { cause: new Error('plain') })
    expect(outer.walk((e) => e instanceof InnerError)).toBeNull()
  })

  it('walk without a predicate returns the deepest cause, or the error itself', () => {
    const root = { code: 4001, message: 'User rejected the request.' }
    expect(new OuterError('OUTER_FAILED', 'outer', { cause: new Error('mid', { cause: root }) }).walk()).toBe(root)
    const alone = new OuterError('OUTER_FAILED', 'alone')
    expect(alone.walk()).toBe(alone)
  })

  it('walk stops on a cause chain that loops', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    Object.assign(a, { cause: b })
    const outer = new OuterError('OUTER_FAILED', 'outer', { cause: a })
    expect(outer.walk((e) => e instanceof InnerError)).toBeNull()
    expect(outer.walk()).toBe(b)
  })
})
