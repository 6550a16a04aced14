// `npm start`: the whole app on an embedded local stack, bound to 127.0.0.1 only:
// a local Ethereum node (anvil), the contracts compiled and deployed, the project's
// libp2p relay, a keeper (its data in .stack/keeper) and the app (vite). Ctrl-C stops every part.
// scripts/run.mjs runs it on Node 22 with the dependencies installed.
import path from 'node:path'
import { createServer, type Plugin } from 'vite'
import type { AppConfig } from '../src/config/index.ts'
import { startLocalStack } from './stack/localStack.ts'
import { assertPortFree } from './stack/ports.ts'

const root = path.resolve(import.meta.dirname, '..')
const ports = {
  chain: Number(process.env.ANAMNESIS_CHAIN_PORT ?? 8545),
  relay: Number(process.env.ANAMNESIS_RELAY_PORT ?? 9090),
  keeper: Number(process.env.ANAMNESIS_KEEPER_PORT ?? 9092),
  app: Number(process.env.ANAMNESIS_APP_PORT ?? 5173)
}

function fail(message: string): never {
  console.error(`\nnpm start: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  for (const [port, what, variable] of [
    [ports.chain, 'local Ethereum node', 'ANAMNESIS_CHAIN_PORT'],
    [ports.relay, 'libp2p relay', 'ANAMNESIS_RELAY_PORT'],
    [ports.keeper, 'keeper', 'ANAMNESIS_KEEPER_PORT'],
    [ports.app, 'app server', 'ANAMNESIS_APP_PORT']
  ] as const) {
    try {
      await assertPortFree(port, what)
    } catch (error) {
      fail(`${error instanceof Error ? error.message : String(error)}\nOr use another port: ${variable}=<port> npm start`)
    }
  }

  const stack = await startLocalStack({
    chainPort: ports.chain,
    relayPort: ports.relay,
    keeper: { origin: `http://127.0.0.1:${ports.app}`, port: ports.keeper, dataDir: path.join(root, '.stack', 'keeper') },
    log: (line) => console.log(line)
  })

  const vite = await createServer({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    plugins: [serveConfig(stack.config)],
    server: { host: '127.0.0.1', port: ports.app, strictPort: true },
    logLevel: 'warn'
  })
  await vite.listen()

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    console.log('\nStopping the app, the keeper, the relay and the local chain…')
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
      `  Keeper     ${(stack.config.keepers ?? []).join(', ')} (data in .stack/keeper)`,
      "  Wallet     a development wallet over anvil's funded test accounts, named in config.json (local chain only)",
      '',
      'Press Ctrl-C to stop everything.',
      ''
    ].join('\n')
  )
}

// config.json is answered from memory, never written to public/: a later `npm run build` would copy
// it, with the development wallet's keys, into dist/.
function serveConfig(config: AppConfig): Plugin {
  const body = JSON.stringify(config, null, 2)
  return {
    name: 'anamnesis:local-config',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/config.json') return next()
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body)
      })
    }
  }
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error))
})
