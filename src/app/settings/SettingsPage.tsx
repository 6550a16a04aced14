// Settings: the wallet, the encryption key, guardians, this device's storage, the encrypted backup and the peer-to-peer network.
import { createSignal, For, Match, onCleanup, Show, Switch, type JSX } from 'solid-js'
import { watchBrowserWallets, type BrowserWalletInfo } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { connectToPeer } from '../../session/index.ts'
import { useApp } from '../shell/AppContext.ts'
import { GuardiansSection } from '../consent/GuardiansSection.tsx'
import { createKeyRegistration, type ReplacementStep } from '../session/createKeyRegistration.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { KeepersSection } from './KeepersSection.tsx'
import { BackupSection } from './BackupSection.tsx'
import { StorageSection } from './StorageSection.tsx'
import { shortAddress } from '../ui/format.ts'
import { usePageTitle } from '../ui/usePageTitle.ts'

export default function SettingsPage(): JSX.Element {
  usePageTitle('Settings')
  const app = useApp()
  // The deployment's default keepers, offered for enrolment (the patient still chooses).
  return (
    <article>
      <h1>Settings</h1>
      <WalletSection />
      <EncryptionKeySection />
      <GuardiansSection />
      <StorageSection />
      <KeepersSection defaults={app.defaultKeepers()} />
      <BackupSection />
      <PeerSection />
    </article>
  )
}

function WalletSection(): JSX.Element {
  const app = useApp()
  const [browserWallets, setBrowserWallets] = createSignal<BrowserWalletInfo[]>([])
  onCleanup(watchBrowserWallets(setBrowserWallets))
  const [choice, setChoice] = createSignal('')

  const connect = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    const value = choice()
    if (value.startsWith('dev:')) await app.connectDevelopmentWallet(Number(value.slice(4)))
    else if (value.startsWith('browser:')) {
      const id = value.slice(8)
      await app.connectBrowserWallet(id, browserWallets().find((w) => w.id === id)?.name ?? 'Browser wallet')
    }
  }

  return (
    <section aria-labelledby="wallet-heading">
      <h2 id="wallet-heading">Wallet</h2>
      <p>
        <Switch>
          <Match when={app.wallet().state === 'connected' && app.wallet()}>
            {(w) => {
              const wallet = () => (w() as Extract<ReturnType<typeof app.wallet>, { state: 'connected' }>).wallet
              return (
                <>
                  Connected: <code>{wallet().address}</code> —{' '}
                  {wallet().kind === 'development' ? `development wallet, test account “${wallet().name}”` : `browser wallet ${wallet().name}`}
                </>
              )
            }}
          </Match>
          <Match when={app.wallet().state === 'connecting'}>Connecting…</Match>
          <Match when={app.wallet().state === 'none'}>No wallet connected.</Match>
        </Switch>
      </p>
      <form class="inline-form" onSubmit={(event) => void connect(event)}>
        <label for="wallet-choice">Account</label>
        <select id="wallet-choice" value={choice()} onChange={(event) => setChoice(event.currentTarget.value)}>
          <option value="">Choose a wallet…</option>
          <Show when={app.developmentAccounts().length > 0}>
            <optgroup label="Development wallet (local test chain only)">
              <For each={app.developmentAccounts()}>
                {(account, index) => (
                  <option value={`dev:${index()}`}>
                    {account.label} ({shortAddress(account.address)})
                  </option>
                )}
              </For>
            </optgroup>
          </Show>
          <optgroup label="Browser wallets">
            <For each={browserWallets()} fallback={<option disabled>No browser wallet found</option>}>
              {(wallet) => <option value={`browser:${wallet.id}`}>{wallet.name}</option>}
            </For>
          </optgroup>
        </select>
        <button type="submit" disabled={choice() === '' || app.wallet().state === 'connecting'}>
          Connect
        </button>
        <Show when={app.wallet().state === 'connected'}>
          <button type="button" onClick={() => app.disconnectWallet()}>
            Disconnect
          </button>
        </Show>
      </form>
      <Show when={app.developmentAccounts().length > 0}>
        <p class="hint">
          The development wallet signs with the local test chain's public test keys, inside this page. It exists only on the local chain
          (31337) and must never hold anything of value.
        </p>
      </Show>
      <ErrorBanner message={app.walletError()} />
    </section>
  )
}

/** What the replacement is doing, in words; nothing while idle or failed. */
function replacementWords(step: ReplacementStep): string | undefined {
  switch (step.step) {
    case 'signing-keys':
      return 'Waiting for your wallet to sign for your new keys…'
    case 'signing-binding':
      return 'Waiting for your wallet to vouch for your new signing key…'
    case 'registering':
      return 'Registering your new key on-chain…'
    case 'moving-history':
      return 'Moving your history to your new keys…'
    case 'done':
      return `Your keys were replaced: version ${step.version} is registered (block ${String(step.blockNumber)}), and your history now uses a new key (epoch ${step.epoch}). What is written from now on is sealed under your new keys.`
    default:
      return undefined
  }
}

function EncryptionKeySection(): JSX.Element {
  const app = useApp()
  const history = useHistorySession()
  const registration = createKeyRegistration(app, history)
  const busy = () => ['signing', 'sending'].includes(registration.step().step)
  const replacing = () => !['idle', 'done', 'failed'].includes(registration.replacement().step)

  return (
    <section aria-labelledby="key-heading">
      <h2 id="key-heading">Encryption key</h2>
      <p class="hint">
        Others encrypt what they share with you to your public encryption key, published on-chain under your address. The key is derived on
        this device from one signature of your wallet: the same wallet recovers it on any device, and no private key leaves this browser.
      </p>
      <Show when={app.wallet().state === 'connected'} fallback={<p>Connect a wallet to see or register your key.</p>}>
        <p>
          <Switch>
            <Match when={registration.registered().state === 'failed' && registration.registered()}>
              {(r) => <span role="alert">Could not read your registration: {(r() as { error: string }).error}</span>}
            </Match>
            <Match when={registration.registered().state === 'loading'}>Checking your registration…</Match>
            <Match when={registration.registered().state === 'none'}>Not registered: nobody can share records with you yet.</Match>
            <Match when={registration.registered().state === 'registered' && registration.registered()}>
              {(r) => (
                <>
                  Registered key: <code>{(r() as { key: string }).key}</code> (version {(r() as { version: number }).version})
                </>
              )}
            </Match>
          </Switch>
        </p>
        <button type="button" disabled={busy()} onClick={() => void registration.register()}>
          {registration.registered().state === 'registered' ? 'Register my encryption key again' : 'Register my encryption key'}
        </button>
        <p aria-live="polite">
          <Switch>
            <Match when={registration.step().step === 'signing'}>Waiting for your wallet to sign…</Match>
            <Match when={registration.step().step === 'sending'}>Publishing your key on-chain…</Match>
            <Match when={registration.step().step === 'done' && registration.step()}>
              {(s) => <>Your key was registered in block {String((s() as { blockNumber: bigint }).blockNumber)}.</>}
            </Match>
          </Switch>
        </p>
        <ErrorBanner message={registration.step().step === 'failed' ? (registration.step() as { error: string }).error : undefined} />
        <Show when={registration.registered().state === 'registered'}>
          <section aria-labelledby="replace-heading">
            <h3 id="replace-heading">Replace your keys</h3>
            <p class="hint">
              If your keys may be exposed (you signed the Anamnesis unlock message on a page you do not trust, or someone copied this browser's storage), replace
              them: your wallet signs for new keys, which are registered on-chain (one transaction), and everything written from now on is sealed under them. What
              others already read cannot be unread.
            </p>
            <button type="button" disabled={replacing() || history.own() === undefined} onClick={() => void registration.replace()}>
              My keys may be exposed: replace them
            </button>
            <Show when={history.own() === undefined && !replacing()}>
              <p class="hint">Open your history on this device first (My history): replacing your keys moves it to the new ones.</p>
            </Show>
            <p aria-live="polite">{replacementWords(registration.replacement())}</p>
            <ErrorBanner message={registration.replacement().step === 'failed' ? (registration.replacement() as { error: string }).error : undefined} />
          </section>
        </Show>
      </Show>
    </section>
  )
}

function PeerSection(): JSX.Element {
  const app = useApp()
  const [address, setAddress] = createSignal('')
  const [result, setResult] = createSignal<{ ok: boolean; text: string }>()
  const [dialing, setDialing] = createSignal(false)

  const connect = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    setDialing(true)
    setResult(undefined)
    try {
      const { text } = await connectToPeer(app.p2pNode(), address())
      setResult({ ok: true, text })
    } catch (error) {
      setResult({ ok: false, text: `Could not connect: ${errorMessage(error)}` })
    } finally {
      setDialing(false)
    }
  }

  return (
    <section aria-labelledby="peer-heading">
      <h2 id="peer-heading">Peer-to-peer network</h2>
      <dl class="facts">
        <dt>Peer id</dt>
        <dd>
          <code>{app.p2pStatus()?.peerId ?? 'not started'}</code>
        </dd>
        <dt>Relay</dt>
        <dd>
          <code>{app.p2pStatus()?.relay.address ?? 'none'}</code> ({app.p2pStatus()?.relay.state ?? 'none'})
        </dd>
      </dl>
      <p>
        <label for="own-address">This device's address for a direct connection</label>
        <input id="own-address" readOnly value={app.p2pStatus()?.relay.circuitAddress ?? ''} placeholder="Available once the relay has reserved a slot" />
      </p>
      <form class="inline-form" onSubmit={(event) => void connect(event)}>
        <label for="peer-address">Peer address</label>
        <input id="peer-address" value={address()} onInput={(event) => setAddress(event.currentTarget.value)} placeholder="/ip4/…/p2p-circuit/webrtc/p2p/12D3Koo…" />
        <button type="submit" disabled={dialing() || address().trim() === ''}>
          Connect to peer
        </button>
      </form>
      <Show when={dialing()}>
        <p aria-live="polite">Connecting…</p>
      </Show>
      <Show when={result()}>
        {(r) => (
          <p role={r().ok ? 'status' : 'alert'} class={r().ok ? 'banner' : 'banner banner-error'}>
            {r().text}
          </p>
        )}
      </Show>
    </section>
  )
}
