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
  resolve: {
    // One copy of each in the browser bundle. npm nests a second (up to fifteenth) copy when two
    // packages ask for different majors: libp2p's packages protons-runtime 7 beside bitswap's 8
    // (the same code, new types), OrbitDB multiformats 13, p-queue 8 and dag-cbor 9 with cborg 5
    // beside the 14, 9, 10 and 6 the rest use. The code those call is unchanged between the
    // majors, and the block bytes dag-cbor writes with cborg 6 are the same (its changes concern
    // map keys that are not strings, which dag-cbor refuses). The e2e tests sync these builds
    // with Node peers (keepers, the relay) that keep npm's copies.
    dedupe: ['protons-runtime', 'multiformats', 'cborg', '@ipld/dag-cbor', 'p-queue', 'p-timeout']
  },
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
        // Dates are shown in the reader's own time zone: the tests read them in one zone, whatever the machine's.
        test: { name: 'unit', include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/fhir/**/*.test.ts', 'test/conformance/**/*.test.ts'], environment: 'node', testTimeout: 30_000, env: { TZ: 'UTC' } }
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
