// Who a new epoch's key drop hands keys to, and which: the one rule every rotation follows.
// A doctor with a live grant from the patient gets their granted categories; a doctor with a live
// emergency grant (made by a guardian) gets the emergency categories of it, of every epoch so far, and
// nothing else, and nothing once it has expired or been revoked; each guardian gets the emergency categories, of every
// epoch so far, so that they can hand them on to a treating doctor while the patient cannot.
import type { AccessState } from '../chain/index.ts'
// The one module, not the history barrel: revocation runs on the first screen, the history domain does not.
import { EMERGENCY_CATEGORIES } from '../history/emergencyCategories.ts'
import type { Category } from '../history/index.ts'

/** One reader a key drop names: their wallet, the categories they get, and whether earlier epochs' keys of them too. */
export interface ReaderChoice {
  /** The reader's wallet address, as the ledger gives it. */
  address: string
  role: 'doctor' | 'guardian'
  categories: readonly Category[]
  /** A guardian's drop also carries every earlier epoch's keys of their categories. */
  earlier: boolean
}

/**
 * The readers of a new epoch chosen by the ledger's `access`: every live grant's doctor but `except`
 * (an emergency grant's only for its emergency categories, of every epoch), and every guardian for the emergency
 * categories. A grant with no category left chooses nobody.
 */
export function chooseReaders(access: Pick<AccessState, 'grants' | 'guardians'>, except?: string): ReaderChoice[] {
  const left = except?.toLowerCase()
  const doctors = access.grants
    .filter((g) => g.live && g.doctor.toLowerCase() !== left)
    .map((g): ReaderChoice => ({
      address: g.doctor,
      role: 'doctor',
      categories: g.emergency ? g.scope.categories.filter((category) => EMERGENCY_CATEGORIES.includes(category)) : g.scope.categories,
      // A treating doctor needs the allergies and medicines recorded before the emergency as much as those after.
      earlier: g.emergency
    }))
  const guardians = access.guardians.map((guardian): ReaderChoice => ({ address: guardian, role: 'guardian', categories: EMERGENCY_CATEGORIES, earlier: true }))
  return [...doctors, ...guardians].filter((reader) => reader.categories.length > 0)
}
