// The card's offline tier as the lines printed on it and drawn on the lock-screen image: the same
// words the QR code holds, in the order a reader needs them, allergies first.
import type { OfflineTier } from '../../emergency/index.ts'

/** One printed line: a label ("Allergy") and what it says; `alert` for a high-risk allergy. */
export interface CardLine {
  label: string
  text: string
  alert?: boolean
}

export function cardLines(tier: OfflineTier): CardLine[] {
  return [
    ...(tier.name === undefined ? [] : [{ label: 'Name', text: tier.name }]),
    ...(tier.allergies.length === 0 ? [{ label: 'Allergies', text: 'none on this card' }] : []),
    ...tier.allergies.map((a) => ({ label: a.critical ? 'Allergy, high risk' : 'Allergy', text: a.reaction === undefined ? a.substance : `${a.substance} (${a.reaction})`, alert: a.critical })),
    ...(tier.bloodGroup === undefined ? [] : [{ label: 'Blood group', text: tier.bloodGroup }]),
    ...(tier.advanceDirective === undefined ? [] : [{ label: 'Advance directive', text: tier.advanceDirective }]),
    ...(tier.conditions.length === 0 ? [] : [{ label: 'Conditions', text: tier.conditions.join('; ') }]),
    ...(tier.medicines.length === 0 ? [] : [{ label: 'Medicines', text: tier.medicines.join('; ') }]),
    ...tier.contacts.map((c) => ({ label: c.relation === undefined ? 'Contact' : `Contact (${c.relation})`, text: `${c.name}, ${c.phone}` })),
    ...(tier.language === undefined ? [] : [{ label: 'Language', text: tier.language }]),
    ...(tier.organDonor === undefined ? [] : [{ label: 'Organ donor', text: tier.organDonor ? 'yes' : 'no' }])
  ]
}
