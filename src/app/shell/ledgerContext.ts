// What every chain-backed view needs once the app is ready: the read client, the connected
// wallet, and the deployment's contracts.
import type { Address } from 'viem'
import type { ConnectedWallet } from '../../chain/index.ts'
import type { AppConfig } from '../../config/index.ts'
import type { AppStore } from './createAppStore.ts'
import type { ChainClient } from '../../chain/index.ts'

export interface LedgerContext {
  client: ChainClient
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
