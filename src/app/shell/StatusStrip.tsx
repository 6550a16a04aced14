// The live status strip on every page: chain, wallet and peer-to-peer node, as they are now.
import { createMemo, type JSX } from 'solid-js'
import { useApp } from './AppContext.ts'
import { plural, shortAddress, shortPeerId } from '../ui/format.ts'

export function StatusStrip(): JSX.Element {
  const app = useApp()

  const chainText = createMemo(() => {
    const config = app.config()
    if (config.state === 'failed') return 'not configured'
    if (config.state === 'shared-origin') return 'not started on a shared gateway'
    const status = app.chainStatus()
    if (status === undefined) return 'starting'
    switch (status.state) {
      case 'connecting':
        return `connecting to ${status.rpcUrl}`
      case 'connected':
        return `connected · chain ${status.chainId} · block ${status.blockNumber}`
      case 'wrong-chain':
        return `wrong chain at ${status.rpcUrl}: chain ${status.chainId}, expected ${status.expected}`
      case 'unreachable':
        return `chain unreachable at ${status.rpcUrl}, retrying`
    }
  })
  const chainOk = () => app.chainStatus()?.state === 'connected'

  const walletText = createMemo(() => {
    const wallet = app.wallet()
    if (wallet.state === 'connecting') return `connecting to ${wallet.name}`
    if (wallet.state === 'none') return 'none connected'
    const w = wallet.wallet
    return w.kind === 'development' ? `${shortAddress(w.address)} · development wallet (${w.name})` : `${shortAddress(w.address)} · browser wallet (${w.name})`
  })

  const walletAddress = () => {
    const wallet = app.wallet()
    return wallet.state === 'connected' ? wallet.wallet.address : undefined
  }

  const p2pText = createMemo(() => {
    if (app.config().state === 'shared-origin') return 'not started on a shared gateway'
    const status = app.p2pStatus()
    if (status === undefined || status.state === 'starting') return 'starting'
    if (status.state === 'failed') return `failed to start: ${status.error ?? 'unknown error'}`
    const relay =
      status.relay.state === 'reserved'
        ? 'relay reserved'
        : status.relay.state === 'connecting'
          ? 'connecting to relay'
          : status.relay.state === 'unreachable'
            ? 'relay unreachable, retrying'
            : 'no relay configured'
    const { total, direct, relayed } = status.connections
    const kinds = direct + relayed > 0 ? ` (${direct} direct, ${relayed} relayed)` : ''
    return `started · peer ${shortPeerId(status.peerId ?? '')} · ${relay} · ${plural(total, 'connection')}${kinds}`
  })
  const p2pOk = () => app.p2pStatus()?.state === 'started' && app.p2pStatus()?.relay.state === 'reserved'

  // Only changes of state are announced, not every new block.
  const announcement = createMemo(() => {
    const chain = app.chainStatus()?.state ?? 'starting'
    const relay = app.p2pStatus()?.relay.state ?? 'none'
    return `Chain ${chain === 'unreachable' ? 'unreachable' : chain}. Relay ${relay}.`
  })

  return (
    <section class="status-strip" aria-label="Connection status">
      <p class="status-item" data-ok={chainOk()}>
        <span class="status-label">Chain:</span> <span title={app.chainStatus()?.rpcUrl}>{chainText()}</span>
      </p>
      <p class="status-item" data-ok={app.wallet().state === 'connected'}>
        <span class="status-label">Wallet:</span> <span title={walletAddress()}>{walletText()}</span>
      </p>
      <p class="status-item" data-ok={p2pOk()}>
        <span class="status-label">Peer-to-peer:</span> <span title={app.p2pStatus()?.peerId}>{p2pText()}</span>
      </p>
      <p class="visually-hidden" aria-live="polite">
        {announcement()}
      </p>
    </section>
  )
}
