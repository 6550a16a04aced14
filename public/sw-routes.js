// Loaded by the app's service worker (scripts/build/pwa.ts) before Workbox's code. The worker
// answers only the app's own files: every other request (the chain's RPC, which the app polls
// every second or so) goes straight to the network without waking the worker. A worker woken by
// every poll is never idle, and a new version told to take over waits for the old worker to be
// idle: with the chain polled, it waited until the page was reloaded, and that reload could hang.
// Static routes are Chromium's (InstallEvent.addRoutes); elsewhere the worker sees every request
// as before.
self.addEventListener('install', (event) => {
  if (typeof event.addRoutes !== 'function' || typeof URLPattern !== 'function') return
  const ownFiles = new URLPattern({ origin: self.location.origin })
  event.waitUntil(
    event
      .addRoutes([
        { condition: { not: { urlPattern: ownFiles } }, source: 'network' },
        { condition: { not: { requestMethod: 'GET' } }, source: 'network' }
      ])
      .catch((error) => console.warn('The app’s service worker could not route past itself:', error))
  )
})
