// A browser wallet for the tests: an EIP-1193 provider injected into the page and announced
// through EIP-6963, whose requests are answered in Node by a viem account, or refused. It signs
// transactions itself, as a wallet does, so any funded key works (not only the node's own).
import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Page } from '@playwright/test'
import { BaseError, bytesToHex, createWalletClient, defineChain, hashTypedData, hexToBytes, http, type Address, type Hex, type TypedDataDefinition } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

export interface InjectedWalletOptions {
  name: string
  privateKey: Hex
  rpcUrl: string
  chainId: number
  /** Methods the wallet refuses as a user would, with EIP-1193 error 4001. */
  refuse?: string[]
  /** Resolves when the person signs: until then a signature request waits, as a wallet waits for its user. */
  signing?: () => Promise<void>
  /**
   * How it signs typed data: `deterministic` (RFC 6979, as most wallets) by default; `random-nonce`
   * gives a valid signature of the same account that differs every time, as some hardware and
   * smart-contract wallets do.
   */
  typedDataSigning?: 'deterministic' | 'random-nonce'
  /** Every typed data it signed, as the page sent it, for the test to read. */
  signedTypedData?: TypedDataDefinition[]
}

type BridgeAnswer = { result: unknown } | { error: { code: number; message: string } }

export async function injectWallet(page: Page, { name, privateKey, rpcUrl, chainId, refuse = [], signing, typedDataSigning = 'deterministic', signedTypedData }: InjectedWalletOptions): Promise<void> {
  const account = privateKeyToAccount(privateKey)
  const chain = defineChain({ id: chainId, name: 'Test chain', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
  const signer = createWalletClient({ account, chain, transport: http(rpcUrl) })
  await page.exposeFunction('__testWalletRequest', async (method: string, params: unknown[] | undefined): Promise<BridgeAnswer> => {
    if (refuse.includes(method)) return { error: { code: 4001, message: 'User rejected the request.' } }
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return { result: [account.address] }
      case 'eth_chainId':
        return { result: `0x${chainId.toString(16)}` }
      case 'personal_sign': {
        await signing?.()
        const [message] = (params ?? []) as [Hex]
        return { result: await account.signMessage({ message: { raw: message } }) }
      }
      case 'eth_sendTransaction': {
        const [transaction] = (params ?? []) as [{ to?: Address; data?: Hex; value?: Hex; gas?: Hex }]
        const value = transaction.value === undefined ? undefined : BigInt(transaction.value)
        const gas = transaction.gas === undefined ? undefined : BigInt(transaction.gas)
        try {
          return { result: await signer.sendTransaction({ to: transaction.to ?? null, data: transaction.data, value, gas }) }
        } catch (error) {
          return { error: { code: -32000, message: error instanceof BaseError ? error.shortMessage : String(error) } }
        }
      }
      case 'eth_signTypedData_v4': {
        // As a wallet does: the typed data as the page sent it (JSON), signed by the account it names.
        const [from, json] = (params ?? []) as [string, string]
        if (from.toLowerCase() !== account.address.toLowerCase()) return { error: { code: 4100, message: `This wallet does not hold ${from}.` } }
        await signing?.()
        const typed = JSON.parse(json) as TypedDataDefinition
        signedTypedData?.push(typed)
        if (typedDataSigning === 'deterministic') return { result: await account.signTypedData(typed) }
        // The same digest, signed with a fresh random nonce: valid, this account's, never the same twice.
        const signature = secp256k1.sign(hexToBytes(hashTypedData(typed)), hexToBytes(privateKey), { prehash: false, extraEntropy: true, format: 'recovered' })
        return { result: bytesToHex(Uint8Array.from([...signature.subarray(1), (signature[0] ?? 0) + 27])) }
      }
      default: {
        // Everything else goes to the node, as a real wallet's RPC would.
        const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }) })
        const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } }
        return body.error === undefined ? { result: body.result } : { error: body.error }
      }
    }
  })
  await page.addInitScript(
    ({ name }) => {
      const bridge = (window as unknown as { __testWalletRequest: (m: string, p?: unknown[]) => Promise<{ result?: unknown; error?: { code: number; message: string } }> }).__testWalletRequest
      const provider = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          const answer = await bridge(method, params)
          if (answer.error !== undefined) throw Object.assign(new Error(answer.error.message), { code: answer.error.code })
          return answer.result
        },
        on() {},
        removeListener() {}
      }
      const info = { uuid: '6f3c1d2e-0000-4000-8000-000000000001', name, icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg"/%3E', rdns: 'org.anamnesis.test-wallet' }
      const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }))
      window.addEventListener('eip6963:requestProvider', announce)
      announce()
    },
    { name }
  )
}
