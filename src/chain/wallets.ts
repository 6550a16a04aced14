// Wallets: browser wallets found through EIP-6963, and on the local chain only, a
// development wallet over the node's funded test accounts (named by the local stack's config.json),
// labelled as such.
import { createStore, type EIP6963ProviderDetail } from 'mipd'
import { createWalletClient, custom, getAddress, http, isAddressEqual, type Address, type Chain, type WalletClient } from 'viem'
import type { DevelopmentAccountSetting } from '../config/index.ts'
import { ChainError, toChainError } from './ChainError.ts'

/** Where a wallet comes from: a browser wallet, or the development wallet of the local chain. */
export type WalletKind = 'development' | 'browser'

/** A connected wallet: its account, and the client that signs with it. */
export interface ConnectedWallet {
  kind: WalletKind
  /** The wallet's name: the browser wallet's own, or the test account's label. */
  name: string
  address: Address
  client: WalletClient
}

/** A browser wallet as it announces itself (EIP-6963): its id for {@link connectBrowserWallet}, its name and its icon. */
export interface BrowserWalletInfo {
  id: string
  name: string
  icon: string
}

/**
 * Watches for browser wallets announcing themselves (EIP-6963): calls `onChange` at once with
 * the wallets known so far, then with the full list on every change.
 *
 * @returns The function that stops watching.
 */
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

/**
 * Asks the browser wallet `id` for an account and makes sure it is on the deployment's chain,
 * asking it to switch when it is not.
 *
 * @throws {ChainError} `WALLET_UNAVAILABLE` when the wallet is gone or shares no account,
 *   `WALLET_REJECTED` when the person declines, `WRONG_CHAIN` when it will not switch, or what
 *   else the wallet reports.
 */
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

/**
 * Connects the development wallet: it signs in the page with a well-known test key, only ever on the local chain.
 *
 * @param account - A test account the local stack's config.json names.
 * @param localChainId - The local chain's id; any other chain is refused.
 * @throws {ChainError} `WALLET_UNAVAILABLE` on any chain but the local one, `INVALID_INPUT` for
 *   an account whose key is not its address's.
 */
export async function connectDevelopmentWallet(account: DevelopmentAccountSetting, chain: Chain, localChainId: number): Promise<ConnectedWallet> {
  if (chain.id !== localChainId) throw new ChainError('WALLET_UNAVAILABLE', `The development wallet exists only on the local chain (${localChainId}).`)
  // Local signing is loaded on demand: it is not part of the first screen.
  const { privateKeyToAccount } = await import('viem/accounts')
  const signer = privateKeyToAccount(account.privateKey)
  if (!isAddressEqual(signer.address, account.address)) {
    throw new ChainError('INVALID_INPUT', `config.json: the development account “${account.label}” has a key that is not the key of ${account.address}.`)
  }
  const rpcUrl = chain.rpcUrls.default.http[0]
  return {
    kind: 'development',
    name: account.label,
    address: signer.address,
    client: createWalletClient({ account: signer, chain, transport: http(rpcUrl, { retryCount: 0 }) })
  }
}
