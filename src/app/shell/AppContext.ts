import { createContext, useContext } from 'solid-js'
import type { AppStore } from './createAppStore.ts'

export const AppContext = createContext<AppStore>()

export function useApp(): AppStore {
  const store = useContext(AppContext)
  if (store === undefined) throw new Error('useApp() must be used inside <AppContext.Provider>')
  return store
}
