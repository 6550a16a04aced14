import { describe, expect, it } from 'vitest'
import { peerText } from './visitProtocol.ts'

describe('text a peer sends, as a screen shows it', () => {
  it('keeps a plain name, letters of any script included', () => {
    expect(peerText('Dr Ada Lovelace')).toBe('Dr Ada Lovelace')
    expect(peerText('Dr Žofie Nováková, 王医生')).toBe('Dr Žofie Nováková, 王医生')
    // A zero-width non-joiner is part of Persian spelling.
    expect(peerText('دکتر می‌خواهد')).toBe('دکتر می‌خواهد')
  })

  it('drops bidi overrides and invisible characters that would reorder or hide the words around them', () => {
    // "Dr Smith" written with a right-to-left override, then a zero-width space and a line separator.
    expect(peerText('Dr \u202Ehtims\u202C\u200B\u2028 (GP)')).toBe('Dr htims (GP)')
    expect(peerText('\u2066Dr\u2069\u00A0\u00A0Who')).toBe('Dr Who')
  })

  it('turns control characters and runs of white space into one space', () => {
    expect(peerText('  Dr\n\tNo\u0007 \r\n')).toBe('Dr No')
  })
})
