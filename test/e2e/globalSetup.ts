// Starts the local stack (chain, relay, keeper) once for the suite and serves the built app at the root, under a
// sub-path of its own origin, and under an IPFS path gateway's /ipfs/<cid>/ (where the app must
// refuse to open keys). Tests read what they need from the environment. A Content-Security-Policy
// violation reported by any page of the suite fails the run.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { startLocalStack } from '../../scripts/stack/localStack.ts'
import { freePort } from '../../scripts/stack/ports.ts'
import { serveStatic } from '../../scripts/stack/serveStatic.ts'

const SUBPATH_PREFIX = '/anamnesis/'
const GATEWAY_PREFIX = '/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/'

export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = path.resolve(import.meta.dirname, '../..')
  const dist = path.join(root, 'dist')
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error("dist/ has no build: run 'npm run build' first ('npm test' does).")
  // The keeper binds identities to the app's origin: the app's port is chosen first.
  const appPort = await freePort()
  const stack = await startLocalStack({
    chainPort: await freePort(),
    relayPort: await freePort(),
    compile: false,
    relayKeyFile: path.join(root, '.stack', 'e2e-relay.key'),
    keeper: { origin: `http://127.0.0.1:${appPort}` }
  })
  const violations: string[] = []
  const server = await serveStatic({ root: dist, port: appPort, prefixes: ['/', SUBPATH_PREFIX, GATEWAY_PREFIX], config: stack.config, onPolicyViolation: (v) => violations.push(v) })
  process.env.E2E_APP_URL = `${server.url}/`
  process.env.E2E_SUBPATH_URL = `${server.url}${SUBPATH_PREFIX}`
  process.env.E2E_GATEWAY_URL = `${server.url}${GATEWAY_PREFIX}`
  process.env.E2E_CONFIG = JSON.stringify(stack.config)
  return async () => {
    await server.stop()
    await stack.stop()
    if (violations.length > 0) throw new Error(`The app's Content-Security-Policy refused what a page of the suite did:\n${violations.join('\n')}`)
  }
}
