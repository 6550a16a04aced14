// One build serves any deployment: relative asset paths so dist/ works from any sub-path of its
// own origin, and settings come from config.json at run time.
import { defineConfig } from 'vitest/config'
import solid from 'vite-plugin-solid'
import { pwa } from './scripts/build/pwa.ts'
import { webrtcInitChannel } from './scripts/build/webrtcInitChannel.ts'
import { contentSecurityPolicy } from './scripts/build/contentSecurityPolicy.ts'

export default defineConfig({
  base: './',
  plugins: [solid(), webrtcInitChannel(), contentSecurityPolicy(), pwa()],
  // The dev server bundles dependencies apart from the plugins above: the fix goes there too.
  optimizeDeps: { rolldownOptions: { plugins: [webrtcInitChannel()] } },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500
  },
  test: {
    // The projects do not extend this config: vite-plugin-solid adds the 'browser' resolve
    // condition in test mode, and Node tests would then get the browser builds of ws and libp2p.
    environment: 'node',
    projects: [
      {
        extends: false,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/fhir/**/*.test.ts', 'test/conformance/**/*.test.ts'], environment: 'node', testTimeout: 30_000 }
      },
      {
        extends: false,
        test: { name: 'contracts', include: ['test/contracts/**/*.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 60_000 }
      },
      {
        extends: false,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false }
      }
    ]
  }
})
