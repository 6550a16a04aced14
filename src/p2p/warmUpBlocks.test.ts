import { describe, expect, it } from 'vitest'
import { checkBlock } from './logEntry.ts'
import { warmUpBlocks } from './warmUpBlocks.ts'

describe('warmUpBlocks', () => {
  it('are entries a check reads whole, in a row, and whose signatures it then refuses', () => {
    const blocks = warmUpBlocks()
    expect(blocks).toHaveLength(6)
    let previous: string | undefined
    for (const bytes of blocks) {
      const checked = checkBlock(bytes)
      // Not refused for its form: the check went as far as the signature, as a pull's blocks do.
      if ('refusal' in checked) throw new Error(`refused: ${checked.refusal}`)
      expect(checked.signed).toBe(false)
      expect(checked.entry.next).toEqual(previous === undefined ? [] : [previous])
      previous = checked.entry.hash
    }
  })
})
