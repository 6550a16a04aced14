// The Visit page: the patient invites a doctor and approves their request; the doctor, arriving
// through the invite link, asks for access and reads the history.
import { useParams } from '@solidjs/router'
import { createSignal, For, onCleanup, Show, type JSX } from 'solid-js'
import { CurrentGrants } from '../consent/CurrentGrants.tsx'
import { GuardianSection } from '../consent/GuardianSection.tsx'
import { MyPatients } from '../consent/MyPatients.tsx'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { usePageTitle } from '../ui/usePageTitle.ts'
import { DoctorJoin } from './DoctorJoin.tsx'
import { InviteQrCode } from './InviteQrCode.tsx'
import { JoinByCode } from './JoinByCode.tsx'
import { RequestCard } from './RequestCard.tsx'
import { useVisits } from './VisitsContext.ts'

export default function VisitPage(): JSX.Element {
  usePageTitle('Visit')
  const params = useParams<{ invite?: string }>()
  return (
    <article>
      <h1>Visit</h1>
      <Show when={params.invite} fallback={<PatientVisit />}>
        {(invite) => <DoctorJoin invite={invite()} />}
      </Show>
    </article>
  )
}

function PatientVisit(): JSX.Element {
  const visits = useVisits()
  const [now, setNow] = createSignal(Date.now())
  const timer = setInterval(() => setNow(Date.now()), 1000)
  onCleanup(() => clearInterval(timer))
  const [copied, setCopied] = createSignal(false)

  const secondsLeft = (expires: number): number => Math.max(0, expires - Math.floor(now() / 1000))

  return (
    <>
      <p>
        Show your doctor this QR code, or send them the link. Their browser connects directly to yours; you then choose what they may see
        and for how long. The grant is recorded on-chain, and you can revoke it at any time.
      </p>
      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite a doctor</h2>
        <Show
          when={visits.openInvite()}
          fallback={
            <button type="button" class="primary" onClick={() => void visits.startVisit()}>
              Start a visit
            </button>
          }
        >
          {(open) => (
            <div class="invite">
              <InviteQrCode link={open().link} />
              <div>
                <label for="visit-link">Visit link</label>
                <input id="visit-link" readOnly value={open().link} />
                <p>
                  <button
                    type="button"
                    onClick={() => {
                      void navigator.clipboard.writeText(open().link).then(() => setCopied(true), () => setCopied(false))
                    }}
                  >
                    Copy link
                  </button>{' '}
                  <button type="button" onClick={() => visits.cancelInvite()}>
                    Cancel invite
                  </button>
                </p>
                <p aria-live="polite">{copied() ? 'Link copied.' : ''}</p>
                <p>
                  <Show when={secondsLeft(open().invite.expires) > 0} fallback={<strong>This invite has expired. Start a new visit.</strong>}>
                    Valid for one doctor, for {Math.ceil(secondsLeft(open().invite.expires) / 60)} more minutes.
                  </Show>
                </p>
              </div>
            </div>
          )}
        </Show>
        <ErrorBanner message={visits.inviteError()} />
      </section>
      <For each={visits.requests()}>{(request) => <RequestCard request={request} />}</For>
      <CurrentGrants />
      <JoinByCode />
      <MyPatients />
      <GuardianSection />
    </>
  )
}
