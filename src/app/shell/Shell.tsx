// The frame around every page: skip link, header, the main navigation, the status strip, the offer of a new version.
import { A, type RouteSectionProps } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { useApp } from './AppContext.ts'
import { SharedOriginNotice } from './SharedOriginNotice.tsx'
import { StatusStrip } from './StatusStrip.tsx'
import { UpdateBanner } from './UpdateBanner.tsx'

const pages = [
  { href: '/', label: 'My history' },
  { href: '/visit', label: 'Visit' },
  { href: '/audit', label: 'Audit trail' },
  { href: '/emergency', label: 'Emergency' },
  { href: '/settings', label: 'Settings' }
] as const

export function Shell(props: RouteSectionProps): JSX.Element {
  const app = useApp()
  const sharedGatewayPath = () => {
    const config = app.config()
    return config.state === 'shared-origin' ? config.gatewayPath : undefined
  }
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus() }}>
        Skip to content
      </a>
      <header class="app-header">
        <p class="brand">Anamnesis</p>
        <nav aria-label="Main">
          <ul>
            <For each={pages}>
              {(page) => (
                <li>
                  <A href={page.href} end={page.href === '/'} activeClass="active">
                    {page.label}
                  </A>
                </li>
              )}
            </For>
          </ul>
        </nav>
      </header>
      <StatusStrip />
      <UpdateBanner />
      <Show when={app.config().state === 'failed' ? (app.config() as { error: string }).error : undefined}>
        {(error) => (
          <p class="banner banner-error" role="alert">
            This deployment is not configured: {error()}
          </p>
        )}
      </Show>
      <main id="main" tabIndex={-1}>
        <Show when={sharedGatewayPath()} fallback={props.children}>
          {(gatewayPath) => <SharedOriginNotice gatewayPath={gatewayPath()} />}
        </Show>
      </main>
    </>
  )
}
