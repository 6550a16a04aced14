// The local stack in one call: anvil, the deployed contracts and the project's relay,
// with the config.json the app reads. Used by `npm start`, the end-to-end tests and the benchmark.
// Its config names anvil's test accounts for the development wallet: the app's build holds no key.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import type { AppConfig } from '../../src/config/index.ts'
import { deployerAccount, developmentAccounts } from '../../src/chain/devAccounts.ts'
import { startAnvil } from './anvil.ts'
import { deployContracts } from './deploy.ts'
import { startRelay } from './relay.ts'

const root = path.resolve(import.meta.dirname, '../..')

export interface LocalStack {
  config: AppConfig
  stop(): Promise<void>
}

export interface StartLocalStackOptions {
  chainPort: number
  relayPort: number
  /** Compile the contracts and regenerate their ABI module first (npm start); tests use the committed one. */
  compile?: boolean
  relayKeyFile?: string
  log?: (line: string) => void
}

export async function startLocalStack({ chainPort, relayPort, compile = true, relayKeyFile, log = () => {} }: StartLocalStackOptions): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = []
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => {})
  }
  try {
    if (compile) {
      log('Compiling the contracts…')
      const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'abi.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
      if (result.status !== 0) throw new Error(`compiling the contracts failed:\n${result.stdout}${result.stderr}`)
    }
    log('Starting the local chain (anvil)…')
    const anvil = await startAnvil({ port: chainPort })
    stops.push(() => anvil.stop())
    log('Deploying the contracts…')
    const contracts = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    log('Starting the libp2p relay…')
    const relay = await startRelay({ port: relayPort, ...(relayKeyFile === undefined ? {} : { keyFile: relayKeyFile }) })
    stops.push(() => relay.stop())
    return {
      config: {
        chain: { id: anvil.chainId, name: 'Local chain (anvil)', rpcUrl: anvil.rpcUrl },
        contracts,
        relays: [relay.multiaddr],
        iceServers: [],
        developmentAccounts: developmentAccounts.map(({ label, address, privateKey }) => ({ label, address, privateKey }))
      },
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
