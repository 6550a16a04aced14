// Routes use the URL hash, so the document stays at the IPFS CID root and any sub-path works. A hash
// that is a SMART Health Link (`#shlink:/…`, the specification's viewer form) opens the link viewer
// instead: no wallet, no history, no peer-to-peer node, only the shared records.
import { HashRouter, Route } from '@solidjs/router'
import { createSignal, lazy, onCleanup, Show, type JSX } from 'solid-js'
import { AppContext } from './AppContext.ts'
import { createAppStore } from './createAppStore.ts'
import { keepSummaryCurrent } from '../emergency/summaryRefresh.ts'
import { createHistorySession } from '../session/createHistorySession.ts'
import { createVisits } from '../visit/createVisits.ts'
import { HistorySessionContext } from '../session/HistorySessionContext.ts'
import { HistoryPage } from '../timeline/HistoryPage.tsx'
import { Shell } from './Shell.tsx'
import { VisitsContext } from '../visit/VisitsContext.ts'

const VisitPage = lazy(() => import('../visit/VisitPage.tsx'))
const AuditPage = lazy(() => import('../consent/AuditPage.tsx'))
const EmergencyPage = lazy(() => import('../emergency/EmergencyPage.tsx'))
const EmergencyScanPage = lazy(() => import('../emergency/EmergencyScanPage.tsx'))
const SettingsPage = lazy(() => import('../settings/SettingsPage.tsx'))
const NotFoundPage = lazy(() => import('./NotFoundPage.tsx'))
const HealthLinkViewer = lazy(() => import('../shl/HealthLinkViewer.tsx'))

const linkInHash = (): string | undefined => (window.location.hash.startsWith('#shlink:/') ? window.location.hash.slice(1) : undefined)

export function App(): JSX.Element {
  const [link, setLink] = createSignal(linkInHash())
  const follow = (): void => {
    setLink(linkInHash())
  }
  window.addEventListener('hashchange', follow)
  onCleanup(() => window.removeEventListener('hashchange', follow))
  return (
    <Show when={link()} keyed fallback={<PatientApp />}>
      {(text) => <HealthLinkViewer link={text} />}
    </Show>
  )
}

function PatientApp(): JSX.Element {
  const store = createAppStore()
  const session = createHistorySession(store)
  keepSummaryCurrent(session)
  const visits = createVisits(store, session)
  return (
    <AppContext.Provider value={store}>
      <VisitsContext.Provider value={visits}>
      <HistorySessionContext.Provider value={session}>
      <HashRouter root={Shell}>
        <Route path="/" component={HistoryPage} />
        <Route path="/visit" component={VisitPage} />
        <Route path="/visit/join/:invite" component={VisitPage} />
        <Route path="/audit" component={AuditPage} />
        <Route path="/emergency" component={EmergencyPage} />
        <Route path="/emergency/scan" component={EmergencyScanPage} />
        <Route path="/settings" component={SettingsPage} />
        <Route path="*" component={NotFoundPage} />
      </HashRouter>
      </HistorySessionContext.Provider>
      </VisitsContext.Provider>
    </AppContext.Provider>
  )
}
