// Tabs of one user share a log's storage and one of them writes it (writerLock.ts): a reader
// tab hands its appends to the writer tab, and every tab loads what another one committed.
import { errorMessage } from '../errors/index.ts'
import { P2PError } from './p2pError.ts'
import type { StoredEntry } from './patientLogApi.ts'
import type { WriterRole } from './writerLock.ts'

const APPEND_FORWARD_TIMEOUT_MS = 15_000

/** A log's traffic between the tabs of one browser, over the writer role's channel. */
export interface TabForwarding {
  /**
   * A reader tab's append: the writer tab stores the payloads; resolves with the hashes it stored.
   * @throws {P2PError} `WRITE_NOT_ALLOWED` with the writer tab's message when it failed to append;
   *   `LOG_CLOSED` when it did not answer within 15 s, or this log was closed.
   */
  forward(payloads: readonly Uint8Array[]): Promise<string[]>
  /** Tells the other tabs that this one committed a batch. */
  committed(): void
  /** Stores other tabs' appends with `appendHere` while this tab is the writer. */
  serveAppends(appendHere: (payloads: readonly Uint8Array[]) => Promise<StoredEntry[]>): void
  /** Refuses the appends still waiting for the writer tab. */
  close(): void
}

/**
 * Forwards appends from reader tabs to the writer tab and tells reader tabs of each commit.
 * Messages from other tabs (same origin) are checked for their form only: a string id, byte payloads, string hashes.
 * @param role - This tab's role for the log: whether it writes, and the channel to the other tabs.
 * @param reloadFromTab - Loads the batches another tab committed.
 */
export function forwardBetweenTabs(role: WriterRole, reloadFromTab: () => Promise<unknown>): TabForwarding {
  let appendHere: ((payloads: readonly Uint8Array[]) => Promise<StoredEntry[]>) | undefined
  let forwardId = 0
  const pending = new Map<string, { resolve: (hashes: string[]) => void; reject: (error: Error) => void }>()
  const tabId = globalThis.crypto.randomUUID()

  role.onMessage((message) => {
    const m = message as { type?: unknown; id?: unknown; payloads?: unknown; hashes?: unknown; error?: unknown }
    if (m.type === 'committed' && !role.writer) {
      reloadFromTab().catch(() => undefined)
    } else if (m.type === 'append' && role.writer && appendHere !== undefined && typeof m.id === 'string' && Array.isArray(m.payloads)) {
      const id = m.id
      const payloads = m.payloads.filter((p): p is Uint8Array => p instanceof Uint8Array)
      appendHere(payloads).then(
        (stored) => role.post({ type: 'appended', id, hashes: stored.map((entry) => entry.hash) }),
        (error: unknown) => role.post({ type: 'appended', id, error: errorMessage(error) })
      )
    } else if (m.type === 'appended' && typeof m.id === 'string') {
      const waiting = pending.get(m.id)
      pending.delete(m.id)
      if (waiting === undefined) return
      if (Array.isArray(m.hashes)) waiting.resolve(m.hashes.filter((h): h is string => typeof h === 'string'))
      else waiting.reject(new P2PError('WRITE_NOT_ALLOWED', typeof m.error === 'string' ? m.error : 'The writer tab refused the entries'))
    }
  })

  return {
    forward: (payloads) => {
      const id = `${tabId}/${forwardId++}`
      return new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new P2PError('LOG_CLOSED', 'Another tab writes this history and did not answer: close other Anamnesis tabs and try again'))
        }, APPEND_FORWARD_TIMEOUT_MS)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          }
        })
        role.post({ type: 'append', id, payloads: [...payloads] })
      })
    },
    committed: () => role.post({ type: 'committed' }),
    serveAppends: (append) => {
      appendHere = append
    },
    close: () => {
      for (const waiting of pending.values()) waiting.reject(new P2PError('LOG_CLOSED', 'This history was closed'))
    }
  }
}
