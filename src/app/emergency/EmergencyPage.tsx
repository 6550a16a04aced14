// The Emergency page. For the patient: an emergency summary (an International Patient Summary)
// composed from their history and what they say about themself, item by item as they choose, kept
// current as the history changes, and a wallet card (and lock-screen image) whose QR code holds
// what anyone may read. For a clinician: the way to scan a card.
import { A } from '@solidjs/router'
import { Match, Show, Switch, type JSX } from 'solid-js'
import type { FittedCard } from '../../emergency/index.ts'
import { formatDayAndTime } from '../../format/index.ts'
import type { OwnHistory } from '../session/createHistorySession.ts'
import { useHistorySession } from '../session/HistorySessionContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { usePageTitle } from '../ui/usePageTitle.ts'
import { EmergencyOpenings } from './EmergencyOpenings.tsx'
import { createEmergencyCard, type EmergencyCardModel } from './createEmergencyCard.ts'
import { summaryRefresh } from './summaryRefresh.ts'
import { ProfileForm } from './ProfileForm.tsx'
import { SummaryChoices, SummaryView } from './SummaryReview.tsx'
import { WalletCard } from './WalletCard.tsx'

/** The card's full tier: the summary sealed on the patient's keepers, and the link to it in the card's QR code. */
function FullTier(props: { model: EmergencyCardModel }): JSX.Element {
  const session = useHistorySession()
  const hasKeepers = (): boolean => (session.keepers()?.list().length ?? 0) > 0
  const step = () => props.model.publishStep()
  const busy = (): boolean => step().step === 'publishing'
  return (
    <section aria-labelledby="full-tier-heading">
      <h2 id="full-tier-heading">The full summary, for a clinician</h2>
      <p>
        Your keepers hold your full summary encrypted; the key is in your card's QR code only. A clinician opens it by recording an emergency access on the
        public ledger, which you will see.
      </p>
      <Show
        when={hasKeepers()}
        fallback={
          <p class="notice">
            The full summary needs a keeper, which holds it while you cannot answer: enrol one in <A href="/settings">Settings → Keepers</A>. Until then your card
            carries what anyone may read, and no link.
          </p>
        }
      >
        <p class="actions">
          <Show
            when={props.model.published()}
            fallback={
              <button type="button" class="primary" disabled={busy()} onClick={() => void props.model.publish()}>
                Publish my card
              </button>
            }
          >
            <button type="button" class="primary" disabled={busy()} onClick={() => void props.model.publish()}>
              Refresh my summary on my keepers
            </button>{' '}
            <button type="button" disabled={busy()} onClick={() => void props.model.publish(true)}>
              Replace my card
            </button>
          </Show>
        </p>
      </Show>
      <p role="status">
        {(() => {
          const s = step()
          if (s.step === 'publishing') return s.replacing ? 'Making a new card and leaving its summary with your keepers…' : 'Leaving your summary, encrypted, with your keepers…'
          const refreshed = summaryRefresh.refreshedAt()
          if (s.step !== 'published' || (refreshed !== undefined && refreshed > s.at)) {
            if (!props.model.published()) return ''
            return refreshed === undefined
              ? 'Your card links to your full summary on your keepers. It follows your history: when a record changes, this app leaves the new summary with them.'
              : `Your keepers hold your current summary, refreshed ${formatDayAndTime(new Date(refreshed))} when your history changed.`
          }
          return s.replaced
            ? `Your new card is ready: print it and save its image again. Your keepers dropped the old card's summary, so its link opens nothing now; the old printed card still shows what is printed on it, and its offline part in the code. (${formatDayAndTime(new Date(s.at))})`
            : `Your keepers hold your current summary, refreshed ${formatDayAndTime(new Date(s.at))}.`
        })()}
      </p>
      <ErrorBanner message={(() => { const s = step(); return s.step === 'failed' ? s.error : summaryRefresh.error() })()} />
    </section>
  )
}

/** The patient's side, for one own history: a new history (another wallet) mounts it anew. */
function PatientEmergency(props: { own: OwnHistory }): JSX.Element {
  const session = useHistorySession()
  // eslint-disable-next-line solid/reactivity -- keyed on the own history by the page: it never changes under this component
  const model = createEmergencyCard(props.own, { keepers: session.keepers })
  const step = () => model.saveStep()
  const cardMade = (): FittedCard | undefined => {
    const card = model.card()
    return 'error' in card ? undefined : card
  }
  const cardProblem = (): string | undefined => {
    const card = model.card()
    return 'error' in card ? `The card cannot be made: ${card.error}` : undefined
  }
  return (
    <>
      <Show when={model.stored().problem}>
        {(problem) => <p class="notice">Your saved emergency profile could not be read ({problem()}); you start from an empty one. Saving replaces it.</p>}
      </Show>
      <ProfileForm model={model} />
      <Show when={model.draftProblem()}>{(problem) => <p class="field-problem" aria-live="polite">{problem()}</p>}</Show>
      <SummaryChoices model={model} />
      <p class="actions">
        <button type="button" class="primary" disabled={step().step === 'saving'} onClick={() => void model.save()}>
          Save my emergency profile and choices
        </button>{' '}
        <Show when={model.unsaved()}>
          <button type="button" onClick={() => model.revert()}>
            Undo my changes
          </button>
        </Show>
      </p>
      <p role="status">
        {step().step === 'saving'
          ? 'Saving into your history…'
          : step().step === 'saved'
            ? 'Saved into your history, encrypted: your other devices and your keepers get it like any record.'
            : model.unsaved()
              ? 'You have changes that are not saved yet: the summary and the card below already show them.'
              : ''}
      </p>
      <ErrorBanner message={(() => { const s = step(); return s.step === 'failed' ? s.error : undefined })()} />
      <SummaryView model={model} />
      <Show when={cardMade()} fallback={<ErrorBanner message={cardProblem()} />}>
        {(card) => <WalletCard card={card()} />}
      </Show>
      <FullTier model={model} />
    </>
  )
}

export default function EmergencyPage(): JSX.Element {
  usePageTitle('Emergency')
  const session = useHistorySession()
  return (
    <article class="emergency-page">
      <h1>Emergency</h1>
      <EmergencyOpenings />
      <p>
        Prepare the summary a hospital needs if you arrive unable to speak (allergies, medicines, conditions, blood group, whom to call) and carry it as a card
        with a QR code. Or, as a clinician, read someone's card.
      </p>
      <p>
        <A href="/emergency/scan" class="button-link">
          Emergency: scan a card
        </A>
      </p>
      <Switch>
        <Match when={session.own()} keyed>
          {(own) => <PatientEmergency own={own} />}
        </Match>
        <Match when={session.state().state === 'no-wallet'}>
          <p class="notice">
            Connect a wallet in <A href="/settings">Settings</A>, then open your history, to prepare your emergency card.
          </p>
        </Match>
        <Match when>
          <p class="notice">
            Open your history in <A href="/">My history</A> first: your emergency summary is composed from it.
          </p>
        </Match>
      </Switch>
    </article>
  )
}
