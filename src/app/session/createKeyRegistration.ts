// Registering the user's encryption key: one wallet signature derives the X25519 key
// on this device; only its public half goes on-chain, in the key registry. And replacing it
// when it may be exposed: the next version, registered, and the history moved under it.
import { createMemo, createResource, createSignal, type Accessor } from 'solid-js'
import type { Hex } from 'viem'
import { readEncryptionKey } from '../../chain/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { loadState } from '../ui/loadState.ts'
import { appSigningDomain } from './appSigningDomain.ts'
import { errorMessage } from '../../errors/index.ts'
import { registerEncryptionKey } from '../../session/index.ts'
import type { HistorySession, KeyReplacement, ReplaceStep } from './createHistorySession.ts'

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
  | { state: 'registered'; key: Hex; version: number }
  | { state: 'failed'; error: string }

export type ReplacementStep = { step: 'idle' } | { step: ReplaceStep } | ({ step: 'done' } & KeyReplacement) | { step: 'failed'; error: string }

export interface KeyRegistration {
  /** What the chain says about the connected wallet's key. */
  registered: Accessor<RegisteredKey>
  step: Accessor<RegistrationStep>
  register(): Promise<void>
  replacement: Accessor<ReplacementStep>
  /** Replaces the keys, which may be exposed, with the next version, and moves the history under them. */
  replace(): Promise<void>
}

export function createKeyRegistration(app: AppStore, history: Pick<HistorySession, 'replaceKeys'>): KeyRegistration {
  const [replacement, setReplacement] = createSignal<ReplacementStep>({ step: 'idle' })
  const [step, setStep] = createSignal<RegistrationStep>({ step: 'idle' })

  const source = () => {
    const context = ledgerContext(app)
    return context === undefined ? undefined : { client: context.client, registry: context.registry, user: context.wallet.address, domain: appSigningDomain(context) }
  }
  const [registeredKey, { refetch }] = createResource(source, ({ client, registry, user }) => readEncryptionKey(client, { registry, user }))
  const registered = createMemo<RegisteredKey>(() => {
    const state = loadState(registeredKey, source() !== undefined)
    switch (state.state) {
      case 'no-wallet':
        return { state: 'unknown' }
      case 'ready':
        return state.value === null ? { state: 'none' } : { state: 'registered', key: state.value.key, version: state.value.version }
      default:
        return state
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
      const result = await app.writes.track(() => registerEncryptionKey(s.client, wallet.wallet, s.registry, s.domain, () => setStep({ step: 'sending' })))
      setStep({ step: 'done', blockNumber: result.blockNumber, transactionHash: result.transactionHash })
      await refetch()
    } catch (error) {
      setStep({ step: 'failed', error: error instanceof Error ? error.message : String(error) })
    }
  }

  const replace = async (): Promise<void> => {
    try {
      const done = await history.replaceKeys((next) => setReplacement({ step: next }))
      setReplacement({ step: 'done', ...done })
    } catch (error) {
      setReplacement({ step: 'failed', error: errorMessage(error) })
    }
    await refetch()
  }

  return { registered, step, register, replacement, replace }
}
