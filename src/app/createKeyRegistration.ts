// Registering the user's encryption key: one wallet signature derives the X25519 key
// on this device; only its public half goes on-chain, in the key registry.
import { createMemo, createResource, createSignal, type Accessor } from 'solid-js'
import type { Hex } from 'viem'
import { readEncryptionKey } from '../chain/index.ts'
import type { AppStore } from './createAppStore.ts'
import { registerEncryptionKey } from './registerEncryptionKey.ts'

export type RegistrationStep =
  | { step: 'idle' }
  | { step: 'signing' }
  | { step: 'sending' }
  | { step: 'done'; blockNumber: bigint; transactionHash: Hex }
  | { step: 'failed'; error: string }

export type RegisteredKey =
  | { state: 'unknown' }
  | { state: 'loading' }
  | { state: 'none' }
  | { state: 'registered'; key: Hex }
  | { state: 'failed'; error: string }

export interface KeyRegistration {
  /** What the chain says about the connected wallet's key. */
  registered: Accessor<RegisteredKey>
  step: Accessor<RegistrationStep>
  register(): Promise<void>
}

export function createKeyRegistration(app: AppStore): KeyRegistration {
  const [step, setStep] = createSignal<RegistrationStep>({ step: 'idle' })

  const source = () => {
    const config = app.config()
    const wallet = app.wallet()
    const client = app.publicClient()
    if (config.state !== 'ready' || wallet.state !== 'connected' || client === undefined) return undefined
    return { client, registry: config.config.contracts.keyRegistry, user: wallet.wallet.address }
  }
  const [registeredKey, { refetch }] = createResource(source, ({ client, registry, user }) => readEncryptionKey(client, { registry, user }))
  // Read the resource's value only once it is ready: reading an errored resource throws.
  const registered = createMemo<RegisteredKey>(() => {
    switch (registeredKey.state) {
      case 'unresolved':
        return { state: 'unknown' }
      case 'pending':
        return { state: 'loading' }
      case 'errored': {
        const error: unknown = registeredKey.error
        return { state: 'failed', error: error instanceof Error ? error.message : String(error) }
      }
      case 'ready':
      case 'refreshing': {
        const key = registeredKey.latest
        return key === null ? { state: 'none' } : { state: 'registered', key }
      }
    }
  })

  const register = async (): Promise<void> => {
    const s = source()
    const wallet = app.wallet()
    if (s === undefined || wallet.state !== 'connected') {
      setStep({ step: 'failed', error: 'Connect a wallet first.' })
      return
    }
    try {
      setStep({ step: 'signing' })
      const result = await registerEncryptionKey(s.client, wallet.wallet, s.registry, () => setStep({ step: 'sending' }))
      setStep({ step: 'done', blockNumber: result.blockNumber, transactionHash: result.transactionHash })
      await refetch()
    } catch (error) {
      setStep({ step: 'failed', error: error instanceof Error ? error.message : String(error) })
    }
  }

  return { registered, step, register }
}
