// The app's state in one place: deployment config, chain status, the wallet in use,
// and the browser's peer-to-peer node. Components read it; they do not fetch or dial.
import { createSignal, onCleanup, type Accessor } from 'solid-js'
import { chainFromSettings, createChainClient, watchChainStatus, type ChainStatus, type ConnectedWallet } from '../../chain/index.ts'
import { LOCAL_CHAIN_ID, loadConfig, sharedGatewayPath, type AppConfig, type DevelopmentAccountSetting } from '../../config/index.ts'
import { errorMessage } from '../../errors/index.ts'
import type { P2PNode, P2PStatus } from '../../p2p/index.ts'
import { createWriteGate, type WriteGate } from '../../session/index.ts'
import type { ChainClient } from '../../chain/index.ts'

export type ConfigState =
  | { state: 'loading' }
  | { state: 'ready'; config: AppConfig }
  | { state: 'failed'; error: string }
  /** Opened through a shared path gateway (`gatewayPath`, such as /ipfs/<cid>): nothing starts and no key is opened. */
  | { state: 'shared-origin'; gatewayPath: string }

export type WalletState =
  | { state: 'none' }
  | { state: 'connecting'; name: string }
  | { state: 'connected'; wallet: ConnectedWallet }

export interface AppStore {
  config: Accessor<ConfigState>
  chainStatus: Accessor<ChainStatus | undefined>
  publicClient: Accessor<ChainClient | undefined>
  wallet: Accessor<WalletState>
  walletError: Accessor<string | undefined>
  p2pStatus: Accessor<P2PStatus | undefined>
  p2pNode: Accessor<P2PNode | undefined>
  /** The development wallet's accounts: those the local stack's config.json names, on the local chain only. */
  developmentAccounts: Accessor<readonly DevelopmentAccountSetting[]>
  /** The keepers the deployment's config.json names (multiaddrs): offered for enrolment, and tried for a patient whose keepers are not known here. */
  defaultKeepers: Accessor<readonly string[]>
  /** The writes under way on this page: a new version of the app reloads only when there are none. */
  writes: WriteGate
  connectDevelopmentWallet(accountIndex: number): Promise<void>
  connectBrowserWallet(id: string, name: string): Promise<void>
  disconnectWallet(): void
}

const WALLET_CHOICE_KEY = 'anamnesis.wallet'

type WalletChoice = { kind: 'development'; index: number } | { kind: 'browser'; id: string; name: string }

function readWalletChoice(): WalletChoice | undefined {
  try {
    const raw = localStorage.getItem(WALLET_CHOICE_KEY)
    if (raw === null) return undefined
    const parsed = JSON.parse(raw) as Partial<{ kind: string; index: number; id: string; name: string }>
    if (parsed.kind === 'development' && typeof parsed.index === 'number') return { kind: 'development', index: parsed.index }
    if (parsed.kind === 'browser' && typeof parsed.id === 'string') return { kind: 'browser', id: parsed.id, name: parsed.name ?? 'Browser wallet' }
  } catch {
    // A damaged preference is not worth an error: fall back to the default.
  }
  return undefined
}

export function createAppStore(): AppStore {
  const [config, setConfig] = createSignal<ConfigState>({ state: 'loading' })
  const [chainStatus, setChainStatus] = createSignal<ChainStatus>()
  const [publicClient, setChainClient] = createSignal<ChainClient>()
  const [wallet, setWallet] = createSignal<WalletState>({ state: 'none' })
  const [walletError, setWalletError] = createSignal<string>()
  const [p2pStatus, setP2PStatus] = createSignal<P2PStatus>()
  const [p2pNode, setP2PNode] = createSignal<P2PNode>()
  const cleanups: (() => void)[] = []
  onCleanup(() => {
    for (const cleanup of cleanups) cleanup()
    void p2pNode()?.stop()
  })

  const developmentAccounts = (): readonly DevelopmentAccountSetting[] => {
    const c = config()
    return c.state === 'ready' && c.config.chain.id === LOCAL_CHAIN_ID ? (c.config.developmentAccounts ?? []) : []
  }

  const defaultKeepers = (): readonly string[] => {
    const c = config()
    return c.state === 'ready' ? (c.config.keepers ?? []) : []
  }

  // Start loading the p2p code at once, in parallel with config.json.
  const p2pModule = import('../../p2p/index.ts')

  const useWallet = async (name: string, connect: (config: AppConfig) => Promise<ConnectedWallet>, choice: WalletChoice): Promise<void> => {
    const c = config()
    if (c.state !== 'ready') return
    const previous = wallet()
    setWalletError(undefined)
    setWallet({ state: 'connecting', name })
    try {
      const connected = await connect(c.config)
      setWallet({ state: 'connected', wallet: connected })
      localStorage.setItem(WALLET_CHOICE_KEY, JSON.stringify(choice))
    } catch (error) {
      setWallet(previous.state === 'connecting' ? { state: 'none' } : previous)
      setWalletError(errorMessage(error))
    }
  }

  const store: AppStore = {
    config,
    chainStatus,
    publicClient,
    wallet,
    walletError,
    p2pStatus,
    p2pNode,
    developmentAccounts,
    defaultKeepers,
    writes: createWriteGate(),
    async connectDevelopmentWallet(index) {
      const account = developmentAccounts()[index]
      if (account === undefined) {
        setWalletError(`There is no development account number ${index} on this chain.`)
        return
      }
      const { connectDevelopmentWallet } = await import('../../chain/index.ts')
      await useWallet('development wallet', (c) => connectDevelopmentWallet(account, chainFromSettings(c.chain), LOCAL_CHAIN_ID), { kind: 'development', index })
    },
    async connectBrowserWallet(id, name) {
      const { connectBrowserWallet } = await import('../../chain/index.ts')
      await useWallet(name, (c) => connectBrowserWallet(id, chainFromSettings(c.chain)), { kind: 'browser', id, name })
    },
    disconnectWallet() {
      setWallet({ state: 'none' })
      setWalletError(undefined)
      localStorage.removeItem(WALLET_CHOICE_KEY)
    }
  }

  const start = async (): Promise<void> => {
    let appConfig: AppConfig
    try {
      appConfig = await loadConfig()
    } catch (error) {
      setConfig({ state: 'failed', error: errorMessage(error) })
      return
    }
    // On a shared path gateway every site there shares this origin's storage: no chain, node,
    // wallet or key is started here, so no key is ever created or opened where others can use it.
    const gatewayPath = sharedGatewayPath(location.pathname)
    if (gatewayPath !== undefined && appConfig.dedicatedGateway !== true) {
      setConfig({ state: 'shared-origin', gatewayPath })
      return
    }
    setConfig({ state: 'ready', config: appConfig })

    const client = createChainClient(appConfig.chain)
    setChainClient(client)
    cleanups.push(watchChainStatus({ client, rpcUrl: appConfig.chain.rpcUrl, expectedChainId: appConfig.chain.id, onStatus: setChainStatus }))

    void startP2P(appConfig)

    // On the local chain the development wallet is the default; elsewhere the user picks a wallet.
    const choice = readWalletChoice()
    if (choice?.kind === 'browser') {
      // Browser wallets announce themselves shortly after load; reconnecting asks the wallet, which may refuse.
      setTimeout(() => void store.connectBrowserWallet(choice.id, choice.name), 300)
    } else if (developmentAccounts().length > 0) {
      void store.connectDevelopmentWallet(choice?.index ?? 0)
    }
  }

  const startP2P = async (appConfig: AppConfig): Promise<void> => {
    setP2PStatus({ state: 'starting', relay: { state: 'none' }, connections: { total: 0, direct: 0, relayed: 0 } })
    try {
      const { startP2PNode } = await p2pModule
      const node = await startP2PNode({ relays: appConfig.relays, iceServers: appConfig.iceServers, onStatus: setP2PStatus })
      setP2PNode(node)
    } catch (error) {
      setP2PStatus({
        state: 'failed',
        error: errorMessage(error),
        relay: { state: 'none' },
        connections: { total: 0, direct: 0, relayed: 0 }
      })
    }
  }

  void start()
  return store
}
