import { describe, expect, it } from 'vitest'
import { cardLines } from './cardLines.ts'

describe('cardLines', () => {
  it('prints the name, then allergies (high risk marked), then the rest in the order a reader needs', () => {
    const lines = cardLines({
      name: 'Ada',
      bloodGroup: 'O-',
      allergies: [
        { substance: 'Peanuts', critical: true, reaction: 'Anaphylaxis' },
        { substance: 'Latex', critical: false }
      ],
      conditions: ['Epilepsy', 'Asthma'],
      medicines: ['Levetiracetam'],
      contacts: [{ name: 'Bob', phone: '+1 555 0100', relation: 'husband' }],
      organDonor: false
    })
    expect(lines.map((l) => `${l.label}: ${l.text}`)).toEqual([
      'Name: Ada',
      'Allergy, high risk: Peanuts (Anaphylaxis)',
      'Allergy: Latex',
      'Blood group: O-',
      'Conditions: Epilepsy; Asthma',
      'Medicines: Levetiracetam',
      'Contact (husband): Bob, +1 555 0100',
      'Organ donor: no'
    ])
    expect(lines.filter((l) => l.alert === true).map((l) => l.text)).toEqual(['Peanuts (Anaphylaxis)'])
  })

  it('says so when the card lists no allergy, rather than leaving the reader to guess', () => {
    expect(cardLines({ allergies: [], conditions: [], medicines: [], contacts: [] })).toEqual([{ label: 'Allergies', text: 'none on this card' }])
  })
})
