// Wallets: browser wallets found through EIP-6963, and on the local chain only, a
// development wallet over the node's funded test accounts, labelled as such.
import { createStore, type EIP6963ProviderDetail } from 'mipd'
import { createWalletClient, custom, getAddress, http, type Address, type Chain, type WalletClient } from 'viem'
import { ChainError, toChainError } from './ChainError.ts'
import { developmentAccounts } from './devAccounts.ts'

export type WalletKind = 'development' | 'browser'

export interface ConnectedWallet {
  kind: WalletKind
  /** The wallet's name: the browser wallet's own, or the test account's label. */
  name: string
  address: Address
  client: WalletClient
}

export interface BrowserWalletInfo {
  id: string
  name: string
  icon: string
}

/** Watches for EIP-6963 announcements; calls back with the full list on every change. Returns an unsubscribe function. */
export function watchBrowserWallets(onChange: (wallets: BrowserWalletInfo[]) => void): () => void {
  const store = getStore()
  const emit = (providers: readonly EIP6963ProviderDetail[]): void =>
    onChange(providers.map((p) => ({ id: p.info.uuid, name: p.info.name, icon: p.info.icon })))
  emit(store.getProviders())
  return store.subscribe((providers) => emit(providers))
}

let mipdStore: ReturnType<typeof createStore> | undefined
function getStore(): ReturnType<typeof createStore> {
  mipdStore ??= createStore()
  return mipdStore
}

/** Asks the browser wallet for an account and makes sure it is on the deployment's chain. */
export async function connectBrowserWallet(id: string, chain: Chain): Promise<ConnectedWallet> {
  const detail = getStore().getProviders().find((p) => p.info.uuid === id)
  if (detail === undefined) throw new ChainError('WALLET_UNAVAILABLE', 'That wallet is no longer available in this browser. Reload the page or pick another wallet.')
  const client = createWalletClient({ chain, transport: custom(detail.provider) })
  let addresses: Address[]
  try {
    addresses = await client.requestAddresses()
  } catch (error) {
    throw toChainError(error, 'share an account')
  }
  const first = addresses[0]
  if (first === undefined) throw new ChainError('WALLET_UNAVAILABLE', `${detail.info.name} shared no account. Unlock it and try again.`)
  let walletChainId: number
  try {
    walletChainId = await client.getChainId()
  } catch (error) {
    throw toChainError(error, 'tell which chain it is on')
  }
  if (walletChainId !== chain.id) {
    try {
      await client.switchChain({ id: chain.id })
    } catch (error) {
      throw new ChainError('WRONG_CHAIN', `${detail.info.name} is on chain ${walletChainId}; switch it to ${chain.name} (chain ${chain.id}) and connect again.`, { cause: error })
    }
  }
  return { kind: 'browser', name: detail.info.name, address: getAddress(first), client: createWalletClient({ account: getAddress(first), chain, transport: custom(detail.provider) }) }
}

/** The development wallet signs in the page with a well-known test key: only ever on the local chain. */
export async function connectDevelopmentWallet(accountIndex: number, chain: Chain, localChainId: number): Promise<ConnectedWallet> {
  if (chain.id !== localChainId) throw new ChainError('WALLET_UNAVAILABLE', `The development wallet exists only on the local chain (${localChainId}).`)
  // Local signing is loaded on demand: it is not part of the first screen.
  const { privateKeyToAccount } = await import('viem/accounts')
  const entry = developmentAccounts[accountIndex]
  if (entry === undefined) throw new ChainError('INVALID_INPUT', `There is no development account number ${accountIndex}.`)
  const account = privateKeyToAccount(entry.privateKey)
  const rpcUrl = chain.rpcUrls.default.http[0]
  return {
    kind: 'development',
    name: entry.label,
    address: account.address,
    client: createWalletClient({ account, chain, transport: http(rpcUrl, { retryCount: 0 }) })
  }
}
