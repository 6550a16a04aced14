import { createContext, useContext } from 'solid-js'
import type { HistorySession } from './createHistorySession.ts'

/** The wallet's history session lives as long as the app: a reload or a page change keeps it open. */
export const HistorySessionContext = createContext<HistorySession>()

export function useHistorySession(): HistorySession {
  const session = useContext(HistorySessionContext)
  if (session === undefined) throw new Error('useHistorySession() must be used inside <HistorySessionContext.Provider>')
  return session
}
