// The installable, offline app: a web manifest and a Workbox service worker (vite-plugin-pwa,
// generateSW) that precaches every file of the build, the lazily loaded chunks and the workers
// included, so after a first visit the app loads and opens the history from its own origin with
// no network. Everything is relative ('./'), so one build works at a domain's root and under a
// sub-path alike. A new version waits until the patient chooses to reload (registerType 'prompt');
// the app registers the worker itself, after the first screen (src/app/shell/serviceWorker.ts),
// so no script is injected into index.html.
import type { Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

/** The app's accent colour: the title bar of the installed app and its icon's tile. */
export const THEME_COLOR = '#0b5cad'
const PAPER = '#fbfbf9'

/**
 * Whether a request is for the deployment's config.json (beside index.html, wherever the app is
 * served). Workbox copies this function's source into the service worker: it must use nothing
 * from outside itself.
 */
export function isConfigRequest({ url, sameOrigin }: { url: URL; sameOrigin: boolean }): boolean {
  return sameOrigin && url.pathname.endsWith('/config.json')
}

/** The theme colour and the home-screen icon for browsers that read them from the page, not the manifest. */
function installMeta(): Plugin {
  return {
    name: 'anamnesis:install-meta',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { name: 'theme-color', content: THEME_COLOR }, injectTo: 'head' },
      { tag: 'link', attrs: { rel: 'apple-touch-icon', href: './icons/icon-192.png' }, injectTo: 'head' }
    ]
  }
}

export function pwa(): Plugin[] {
  return [
    ...VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false,
      // The dev server (npm start) serves modules one by one: no service worker there.
      devOptions: { enabled: false },
      // The icons are in the precache by globPatterns below; listed twice, Workbox would cache them twice.
      includeManifestIcons: false,
      manifest: {
        id: './',
        name: 'Anamnesis',
        short_name: 'Anamnesis',
        description: 'Your medical history, held by you: encrypted in your browser, shared peer to peer under consent you give on-chain.',
        lang: 'en',
        start_url: './',
        scope: './',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: PAPER,
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      workbox: {
        // Every file the app may load (the plugin adds the manifest); not the source maps, and not
        // config.json, which is the deployment's.
        globPatterns: ['**/*.{js,css,html,svg,png}'],
        // Routes live in the URL's hash: the only document is index.html, which the precache serves
        // for './' itself. No fallback, so nothing else on the origin is answered with the app.
        navigateFallback: null,
        // The first visit's page comes under the worker as soon as it is active, so config.json
        // passes through it (and is cached) in that same visit.
        clientsClaim: true,
        cleanupOutdatedCaches: true,
        // public/sw-routes.js: what is not the app's own files bypasses the worker (why: in that file).
        importScripts: ['sw-routes.js'],
        runtimeCaching: [
          {
            // The deployment's settings change when it does (the local stack writes new ones at every
            // start): always from the network, the last copy only when the network fails.
            urlPattern: isConfigRequest,
            handler: 'NetworkFirst',
            options: { cacheName: 'anamnesis-config', cacheableResponse: { statuses: [200] } }
          }
        ]
      }
    }),
    installMeta()
  ]
}
