// The connected patient's audit trail, newest first: the first page from the ledger's logs,
// older pages on demand, and new entries as they land, without a reload.
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js'
import { readAuditTrail, watchAuditTrail, type AuditEntry } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'

export type AuditTrailState = { state: 'no-wallet' } | { state: 'loading' } | { state: 'ready' } | { state: 'failed'; error: string }

export interface AuditTrail {
  state: Accessor<AuditTrailState>
  patient: Accessor<string | undefined>
  entries: Accessor<AuditEntry[]>
  /** Entries that arrived live since the page was opened. */
  arrived: Accessor<number>
  watchError: Accessor<string | undefined>
  hasOlder: Accessor<boolean>
  loadingOlder: Accessor<boolean>
  loadOlder(): Promise<void>
}

const PAGE_SIZE = 20
const keyOf = (entry: AuditEntry): string => `${entry.blockNumber}:${entry.logIndex}`

export function createAuditTrail(app: AppStore): AuditTrail {
  const [state, setState] = createSignal<AuditTrailState>({ state: 'no-wallet' })
  const [entries, setEntries] = createSignal<AuditEntry[]>([])
  const [arrived, setArrived] = createSignal(0)
  const [watchError, setWatchError] = createSignal<string>()
  const [cursor, setCursor] = createSignal<string | null>(null)
  const [loadingOlder, setLoadingOlder] = createSignal(false)

  const source = () => {
    const context = ledgerContext(app)
    return context === undefined ? undefined : { client: context.client, ledger: context.ledger, patient: context.wallet.address, fromBlock: context.fromBlock }
  }
  const patient = () => source()?.patient

  /** Adds entries, skipping any already shown, and keeps the list newest first. */
  const merge = (incoming: AuditEntry[]): number => {
    const seen = new Set(entries().map(keyOf))
    const fresh = incoming.filter((entry) => !seen.has(keyOf(entry)))
    if (fresh.length > 0) {
      setEntries((current) => [...current, ...fresh].sort((a, b) => (a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : a.blockNumber > b.blockNumber ? -1 : 1)))
    }
    return fresh.length
  }

  createEffect(
    on(source, (s) => {
      setEntries([])
      setArrived(0)
      setWatchError(undefined)
      setCursor(null)
      if (s === undefined) {
        setState({ state: 'no-wallet' })
        return
      }
      setState({ state: 'loading' })
      // Written by the cleanup while the reads below are awaited.
      const run: { cancelled: boolean; stop?: () => void } = { cancelled: false }
      onCleanup(() => {
        run.cancelled = true
        run.stop?.()
      })
      void (async () => {
        try {
          // Watch from just after the head seen now; the first page reads at least up to it, and merge() drops overlaps.
          const head = await s.client.getBlockNumber({ cacheTime: 0 })
          const page = await readAuditTrail(s.client, { ledger: s.ledger, patient: s.patient, pageSize: PAGE_SIZE, fromBlock: s.fromBlock })
          if (run.cancelled) return
          merge(page.entries)
          setCursor(page.nextCursor)
          setState({ state: 'ready' })
          run.stop = watchAuditTrail(s.client, {
            ledger: s.ledger,
            patient: s.patient,
            fromBlock: head + 1n,
            onEntries: (newEntries) => {
              setWatchError(undefined)
              setArrived((n) => n + merge(newEntries))
            },
            onError: (error) => setWatchError(error.message)
          })
        } catch (error) {
          if (!run.cancelled) setState({ state: 'failed', error: errorMessage(error) })
        }
      })()
    })
  )

  const loadOlder = async (): Promise<void> => {
    const s = source()
    const next = cursor()
    if (s === undefined || next === null || loadingOlder()) return
    setLoadingOlder(true)
    try {
      const page = await readAuditTrail(s.client, { ledger: s.ledger, patient: s.patient, pageSize: PAGE_SIZE, cursor: next, fromBlock: s.fromBlock })
      merge(page.entries)
      setCursor(page.nextCursor)
    } catch (error) {
      setState({ state: 'failed', error: errorMessage(error) })
    } finally {
      setLoadingOlder(false)
    }
  }

  return { state, patient, entries, arrived, watchError, hasOlder: () => cursor() !== null, loadingOlder, loadOlder }
}
