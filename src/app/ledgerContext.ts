// What every chain-backed view needs once the app is ready: the read client, the connected
// wallet, and the deployment's contracts; and a resource's state in the shape the pages show.
import type { Resource } from 'solid-js'
import type { Address, PublicClient } from 'viem'
import type { ConnectedWallet } from '../chain/index.ts'
import type { AppConfig } from '../config/index.ts'
import type { AppStore } from './createAppStore.ts'

export interface LedgerContext {
  client: PublicClient
  wallet: ConnectedWallet
  config: AppConfig
  ledger: Address
  registry: Address
  /** Where log scans start: the block the contracts were deployed in. */
  fromBlock: bigint
}

/** The context when config, chain client and wallet are all there; undefined before. */
export function ledgerContext(app: AppStore): LedgerContext | undefined {
  const config = app.config()
  const wallet = app.wallet()
  const client = app.publicClient()
  if (config.state !== 'ready' || wallet.state !== 'connected' || client === undefined) return undefined
  const { contracts } = config.config
  return {
    client,
    wallet: wallet.wallet,
    config: config.config,
    ledger: contracts.consentLedger,
    registry: contracts.keyRegistry,
    fromBlock: BigInt(contracts.deploymentBlock ?? 0)
  }
}

export type LoadState<T> = { state: 'no-wallet' } | { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: string }

/** A resource's state without reading an errored resource's value (which throws). */
export function loadState<T>(resource: Resource<T>, connected: boolean): LoadState<T> {
  if (!connected) return { state: 'no-wallet' }
  switch (resource.state) {
    case 'errored': {
      const error: unknown = resource.error
      return { state: 'failed', error: error instanceof Error ? error.message : String(error) }
    }
    case 'ready':
    case 'refreshing':
      return { state: 'ready', value: resource.latest }
    default:
      return { state: 'loading' }
  }
}

/** The loaded value, for `<Match when={ready(state)}>`. */
export function ready<T>(state: LoadState<T>): T | undefined {
  return state.state === 'ready' ? state.value : undefined
}

/** The error message, for `<Match when={failed(state)}>`. */
export function failed<T>(state: LoadState<T>): string | undefined {
  return state.state === 'failed' ? state.error : undefined
}
