// The keepers' copy of the patient's emergency summary follows the history, on whatever page the
// patient is: a few seconds after the own history changes (a record added here, on another device,
// or by a doctor), the summary is composed again from the history and the saved profile and, when
// its items differ from those this page last left with the keepers, left again under the card in
// use. The card's link stays valid; only the ciphertext the keepers hold changes. The summary's code
// loads only once a history with a card in use is open, never with the first screen.
import { createEffect, createRoot, createSignal, on, type Accessor } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import type { HistorySession } from '../session/createHistorySession.ts'

/** How long after the history's last change the summary is composed again: a sync's many entries make one refresh. */
export const SUMMARY_REFRESH_MS = 5_000

/** When this page last left the summary with the keepers by itself, and why the last try failed. */
export interface SummaryRefresh {
  refreshedAt: Accessor<number | undefined>
  error: Accessor<string | undefined>
}

const [refreshedAt, setRefreshedAt] = createSignal<number>()
const [error, setError] = createSignal<string>()

/** What the page's own refreshes did; read by the Emergency page. */
export const summaryRefresh: SummaryRefresh = { refreshedAt, error }

/** Keeps the keepers' summary current for the session's own history, for as long as the app runs. */
export function keepSummaryCurrent(session: HistorySession, now: () => number = Date.now): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  /** The items last left with the keepers, under which card: the same again is not sent. */
  let last: string | undefined
  /** Whether a refresh runs, and how many were asked for: one asked while it runs makes one more after it. */
  let running = false
  let asked = 0

  const refresh = async (): Promise<void> => {
    const own = session.own()
    const keepers = session.keepers()
    if (own === undefined || keepers === undefined || keepers.list().length === 0) return
    const emergency = await import('../../emergency/index.ts')
    const patient = own.history.patient
    const stored = emergency.storedProfile(own.history.entries(), patient)
    const card = stored.card
    if (card === undefined || emergency.cardLinkExpired(card, now())) return
    const summary = emergency.emergencySummary({ patient, entries: own.history.entries(), profile: stored.profile, now: now() })
    const state = JSON.stringify({ card: Array.from(emergency.cardIdOf(card.key)), items: summary.items })
    if (state === last) return
    try {
      await keepers.publishCard(new TextEncoder().encode(JSON.stringify(summary.bundle)), card, now())
      last = state
      setRefreshedAt(now())
      setError(undefined)
    } catch (cause) {
      setError(`Your keepers' copy of your emergency summary could not be brought up to date: ${errorMessage(cause)}`)
    }
  }

  /** One refresh at a time; a change while one runs gets one more after it. */
  const start = async (): Promise<void> => {
    asked++
    if (running) return
    running = true
    try {
      let done = 0
      while (done < asked) {
        done = asked
        await refresh().catch((cause: unknown) => setError(errorMessage(cause)))
      }
    } finally {
      running = false
    }
  }

  createRoot(() => {
    createEffect(
      on(
        () => {
          const own = session.own()
          return [own, own?.version(), session.keepers()?.list().length] as const
        },
        ([own]) => {
          clearTimeout(timer)
          if (own === undefined) {
            last = undefined
            return
          }
          timer = setTimeout(() => void start(), SUMMARY_REFRESH_MS)
        }
      )
    )
  })
}
