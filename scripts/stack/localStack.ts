// The local stack in one call: anvil, the deployed contracts, the project's relay and (when the
// app's origin is given) a keeper, with the config.json the app reads. Used by `npm start`, the end-to-end tests and the benchmark.
// Its config names anvil's test accounts for the development wallet: the app's build holds no key.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { AppConfig } from '../../src/config/index.ts'
import { deployerAccount, developmentAccounts } from '../../src/chain/devAccounts.ts'
import { startAnvil } from './anvil.ts'
import { deployContracts } from './deploy.ts'
import { startKeeperProcess } from './keeper.ts'
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
  /**
   * Starts a keeper for the app at this origin (identities are bound to it), named in the config
   * as the default keeper. Without it, no keeper runs and the config names none.
   */
  keeper?: {
    origin: string
    /** Its WebSockets port; 0 (the default) lets the system choose. */
    port?: number
    /** The HTTP port of its SMART Health Link manifests; 0 (the default) lets the system choose. */
    linksPort?: number
    /** Its data folder; by default a temporary one, deleted when the stack stops. */
    dataDir?: string
  }
  log?: (line: string) => void
}

export async function startLocalStack({ chainPort, relayPort, compile = true, relayKeyFile, keeper: keeperOptions, log = () => {} }: StartLocalStackOptions): Promise<LocalStack> {
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
    let keepers: string[] | undefined
    if (keeperOptions !== undefined) {
      log('Starting the keeper…')
      let dataDir = keeperOptions.dataDir
      if (dataDir === undefined) {
        const temporary = await mkdtemp(path.join(tmpdir(), 'anamnesis-stack-keeper-'))
        stops.push(() => rm(temporary, { recursive: true, force: true }))
        dataDir = temporary
      }
      const keeper = await startKeeperProcess({ dataDir, port: keeperOptions.port ?? 0, linksPort: keeperOptions.linksPort ?? 0, rpcUrl: anvil.rpcUrl, origin: keeperOptions.origin, contracts })
      stops.push(async () => {
        await keeper.stop()
      })
      keepers = [keeper.multiaddr]
    }
    return {
      config: {
        chain: { id: anvil.chainId, name: 'Local chain (anvil)', rpcUrl: anvil.rpcUrl },
        contracts,
        relays: [relay.multiaddr],
        iceServers: [],
        ...(keepers === undefined ? {} : { keepers }),
        developmentAccounts: developmentAccounts.map(({ label, address, privateKey }) => ({ label, address, privateKey }))
      },
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
