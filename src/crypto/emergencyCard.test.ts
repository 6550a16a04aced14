import { describe, expect, it } from 'vitest'
import { CryptoError } from './CryptoError.ts'
import { MAX_EMERGENCY_CIPHERTEXT, newEmergencyCard, openEmergencySummary, sealEmergencySummary } from './emergencyCard.ts'

const patient = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const otherPatient = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'
const summary = new TextEncoder().encode('{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"AllergyIntolerance","code":{"text":"Penicillin"}}}]}')

function failure(run: () => unknown): CryptoError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError)
    return error as CryptoError
  }
  throw new Error('expected a CryptoError')
}

describe('the emergency card\'s sealed summary', () => {
  it('opens with the card\'s key, id and patient, and shows nothing of the summary', () => {
    const { cardId, key } = newEmergencyCard()
    expect(cardId).toHaveLength(16)
    expect(key).toHaveLength(32)
    const ciphertext = sealEmergencySummary({ key, cardId, patient, summary })
    expect(new TextDecoder().decode(ciphertext)).not.toContain('Penicillin')
    expect(openEmergencySummary({ key, cardId, patient, ciphertext })).toEqual(summary)
  })

  it('pads the summary: two summaries of nearby sizes seal to the same size', () => {
    const { cardId, key } = newEmergencyCard()
    const a = sealEmergencySummary({ key, cardId, patient, summary: new Uint8Array(100) })
    const b = sealEmergencySummary({ key, cardId, patient, summary: new Uint8Array(200) })
    expect(a.length).toBe(b.length)
  })

  it('does not open with another card\'s key, under another card id or for another patient, or altered', () => {
    const card = newEmergencyCard()
    const ciphertext = sealEmergencySummary({ ...card, patient, summary })
    const replaced = newEmergencyCard()
    expect(failure(() => openEmergencySummary({ key: replaced.key, cardId: card.cardId, patient, ciphertext })).code).toBe('DECRYPTION_FAILED')
    expect(failure(() => openEmergencySummary({ key: card.key, cardId: replaced.cardId, patient, ciphertext })).code).toBe('DECRYPTION_FAILED')
    expect(failure(() => openEmergencySummary({ ...card, patient: otherPatient, ciphertext })).code).toBe('DECRYPTION_FAILED')
    const altered = ciphertext.slice()
    altered[40] = (altered[40] ?? 0) ^ 1
    expect(failure(() => openEmergencySummary({ ...card, patient, ciphertext: altered })).code).toBe('DECRYPTION_FAILED')
    expect(failure(() => openEmergencySummary({ ...card, patient, ciphertext: ciphertext.subarray(0, 20) })).code).toBe('INVALID_ENVELOPE')
  })

  it('refuses a short key, a short card id, a malformed patient and a summary too long for a card', () => {
    const card = newEmergencyCard()
    expect(failure(() => sealEmergencySummary({ ...card, key: card.key.subarray(0, 31), patient, summary })).code).toBe('INVALID_KEY')
    expect(failure(() => sealEmergencySummary({ ...card, cardId: card.cardId.subarray(0, 15), patient, summary })).code).toBe('INVALID_INPUT')
    expect(failure(() => sealEmergencySummary({ ...card, patient: 'the patient', summary })).code).toBe('INVALID_INPUT')
    const tooLong = failure(() => sealEmergencySummary({ ...card, patient, summary: new Uint8Array(MAX_EMERGENCY_CIPHERTEXT) }))
    expect(tooLong.code).toBe('INVALID_INPUT')
    expect(tooLong.message).toMatch(/too long for a card/)
  })
})
