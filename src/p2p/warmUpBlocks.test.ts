import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { checkBlock } from './logEntry.ts'
import { WARM_UP_PUBLIC_KEY, warmUpBlocks } from './warmUpBlocks.ts'

describe('warmUpBlocks', () => {
  it('are a first frame of entries a check reads whole, in a row, and whose signatures it then refuses', () => {
    const blocks = warmUpBlocks()
    expect(blocks).toHaveLength(32)
    let previous: string | undefined
    for (const bytes of blocks) {
      const checked = checkBlock(bytes)
      // Not refused for its form: the check went as far as the signature, as a pull's blocks do.
      if ('refusal' in checked) throw new Error(`refused: ${checked.refusal}`)
      expect(checked.signed).toBe(false)
      // Under the key the worker makes a window for first, with a payload of a record's size.
      expect(checked.entry.key).toBe(bytesToHex(WARM_UP_PUBLIC_KEY))
      expect(checked.entry.payload.length).toBeGreaterThanOrEqual(1000)
      expect(checked.entry.next).toEqual(previous === undefined ? [] : [previous])
      previous = checked.entry.hash
    }
  })
})
