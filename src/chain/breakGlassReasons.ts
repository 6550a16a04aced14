// Why an emergency clinician opened a patient's emergency summary: the codes the ledger records
// and the words the audit trail shows for them.

/** The reasons an emergency clinician may give for breaking the glass, and the code the ledger records for each. */
export const breakGlassReasons = {
  unconscious: 1,
  cannotCommunicate: 2,
  lifeThreatening: 3
} as const

/** A reason for breaking the glass, by name: `unconscious`, `cannotCommunicate` or `lifeThreatening`. */
export type BreakGlassReason = keyof typeof breakGlassReasons

const reasonWords: Record<number, string> = {
  1: 'the patient was unconscious',
  2: 'the patient could not communicate',
  3: 'a life-threatening emergency'
}

/** The reason in words, for a code from the chain; codes this app does not know are shown as numbers. */
export function describeBreakGlassReason(code: number): string {
  return reasonWords[code] ?? `reason code ${code}`
}
