import { createContext, useContext } from 'solid-js'
import type { Visits } from './createVisits.ts'

/** Visits live as long as the app: a doctor's request reaches the patient on any page. */
export const VisitsContext = createContext<Visits>()

export function useVisits(): Visits {
  const visits = useContext(VisitsContext)
  if (visits === undefined) throw new Error('useVisits() must be used inside <VisitsContext.Provider>')
  return visits
}
