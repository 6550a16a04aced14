// "Emergency: scan a card": a clinician (or anyone who finds the card) reads an emergency card's QR
// code with the camera, or from a photo of it, and sees at once what anyone may read, large and
// plain, allergies first. No network is needed: the words are in the code. The full summary needs
// a break-glass on the ledger (the clinician's wallet), then the patient's keeper releases it.
import { A } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { breakGlassReasons, describeBreakGlassReason, type BreakGlassReason } from '../../chain/index.ts'
import { cardLinkExpired, readCard, type CardLink, type ReadCard } from '../../emergency/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { formatDayAndTime } from '../../format/index.ts'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { usePageTitle } from '../ui/usePageTitle.ts'
import { createQrScanner, QrScanControls } from '../ui/QrScanner.tsx'
import { createBreakGlass, type BreakGlassStep } from './createBreakGlass.ts'
import { OfflineTierView } from './OfflineTierView.tsx'
import { SummarySections } from './SummarySections.tsx'
import { DECODED_MARK, SCAN_TO_TIER_MEASURE } from './scanTiming.ts'

const INSTEAD = "Read the card's printed words instead, or choose a photo of its code."

const REASONS = (Object.entries(breakGlassReasons) as [BreakGlassReason, number][]).map(([reason, code]) => ({ reason, words: describeBreakGlassReason(code) }))

/** The summary a keeper released, section by section, allergies first, in plain words. */
function ReleasedSummary(props: { opened: Extract<BreakGlassStep, { step: 'opened' }> }): JSX.Element {
  return (
    <section aria-labelledby="released-summary-heading" class="emergency-summary">
      <h3 id="released-summary-heading">{props.opened.summary.title}</h3>
      <p class="hint">
        Released by the patient's keeper {props.opened.keeper} for your emergency access of {formatDayAndTime(props.opened.brokenAt * 1000)} (
        {describeBreakGlassReason(props.opened.reasonCode)}).
        {props.opened.summary.date === undefined ? '' : ` Composed ${formatDayAndTime(new Date(props.opened.summary.date))}.`}
      </p>
      <SummarySections sections={props.opened.summary.sections} />
    </section>
  )
}

function OpenFullTier(props: { link: CardLink }): JSX.Element {
  // eslint-disable-next-line solid/reactivity -- keyed on the card by the page: a new card mounts it anew
  const model = createBreakGlass(useApp(), props.link)
  const [reason, setReason] = createSignal<BreakGlassReason | ''>('')
  const busy = (): boolean => ['recording', 'reading'].includes(model.step().step)
  const submit = (event: SubmitEvent): void => {
    event.preventDefault()
    const chosen = reason()
    if (chosen !== '') void model.open(chosen)
  }
  return (
    <>
      <p>
        Opening it records your access on a public ledger (break-glass), with your reason and your wallet's address, and the patient will see who opened it,
        why and when.
      </p>
      <Show
        when={model.hasWallet()}
        fallback={
          <p class="notice">
            The full summary needs a wallet: your emergency access is recorded on the ledger with it before the patient's keeper releases anything. Connect one
            in <A href="/settings">Settings</A>. What the card says above needs none.
          </p>
        }
      >
        <Show when={model.step().step !== 'opened'}>
          <form onSubmit={submit}>
            <p>
              <label for="break-glass-reason">Reason for opening the full summary</label>{' '}
              <select id="break-glass-reason" required value={reason()} onChange={(e) => setReason(e.currentTarget.value as BreakGlassReason | '')}>
                <option value="">Choose a reason</option>
                <For each={REASONS}>{(r) => <option value={r.reason}>{r.words.charAt(0).toUpperCase() + r.words.slice(1)}</option>}</For>
              </select>
            </p>
            <p>
              <button type="submit" class="primary" disabled={busy() || reason() === ''}>
                Open the full emergency summary
              </button>
            </p>
          </form>
        </Show>
      </Show>
      <p role="status">
        {model.step().step === 'recording'
          ? 'Recording your emergency access on the ledger…'
          : model.step().step === 'reading'
            ? "Asking the patient's keeper for the summary…"
            : model.step().step === 'opened'
              ? 'The full summary is open.'
              : ''}
      </p>
      <Show when={(() => { const s = model.step(); return s.step === 'failed' ? s : undefined })()}>
        {(failed) => (
          <>
            <ErrorBanner message={failed().error} />
            <Show when={failed().recorded}>
              <p>
                <button type="button" disabled={busy()} onClick={() => void model.retry()}>
                  Ask the keeper again
                </button>
              </p>
            </Show>
          </>
        )}
      </Show>
      <Show when={(() => { const s = model.step(); return s.step === 'opened' ? s : undefined })()}>{(opened) => <ReleasedSummary opened={opened()} />}</Show>
    </>
  )
}

function FullTier(props: { card: ReadCard }): JSX.Element {
  return (
    <section aria-labelledby="full-tier-heading">
      <h2 id="full-tier-heading">The full emergency summary</h2>
      <Show
        when={props.card.link}
        fallback={<p>{props.card.linkProblem ?? 'This card carries no link to a full summary: what it says above is all it holds.'}</p>}
      >
        {(link) => (
          <Show
            when={!cardLinkExpired(link(), Date.now())}
            fallback={<p>This card's link to the full summary expired on {formatDayAndTime(link().expires * 1000)}: the patient has a newer card.</p>}
          >
            <OpenFullTier link={link()} />
          </Show>
        )}
      </Show>
    </section>
  )
}

export default function EmergencyScanPage(): JSX.Element {
  usePageTitle('Emergency: scan a card')
  const [scanned, setScanned] = createSignal<ReadCard>()

  /** A code was read: its card is shown, or why it is not one (and scanning goes on, for the right code). */
  const onCode = (text: string): void => {
    performance.mark(DECODED_MARK)
    const read = readCard(text)
    if ('error' in read) {
      scanner.setError(read.error)
      return
    }
    scanner.stop()
    scanner.setError(undefined)
    scanner.setStatus('Card read.')
    setScanned(read.card)
    // Drawn once the frame after this one starts: the words were painted in between.
    requestAnimationFrame(() => requestAnimationFrame(() => performance.measure(SCAN_TO_TIER_MEASURE, DECODED_MARK)))
  }
  const scanner = createQrScanner({ instead: INSTEAD, scanning: "Scanning: hold the card's QR code in front of the camera.", onCode, onStart: () => setScanned(undefined) })

  const readImage = async (file: File | undefined): Promise<void> => {
    if (file === undefined) return
    scanner.stop()
    scanner.setError(undefined)
    setScanned(undefined)
    try {
      const [{ readQrCode }, bitmap] = await Promise.all([import('../ui/qrScan.ts'), createImageBitmap(file)])
      const canvas = document.createElement('canvas')
      canvas.width = bitmap.width
      canvas.height = bitmap.height
      const context = canvas.getContext('2d', { willReadFrequently: true })
      if (context === null) throw new Error('this browser cannot read images')
      context.drawImage(bitmap, 0, 0)
      const text = readQrCode(context.getImageData(0, 0, bitmap.width, bitmap.height))
      if (text === undefined) scanner.setError(`No QR code could be read in ${file.name}. Choose a sharper photo of the card's code, or read its printed words.`)
      else onCode(text)
    } catch (cause) {
      scanner.setError(`${file.name} could not be read as an image: ${errorMessage(cause)}. ${INSTEAD}`)
    }
  }

  return (
    <article class="emergency-scan-page">
      <h1>Emergency: scan a card</h1>
      <p>Read a patient's emergency card: what it says shows here at once, with no network needed.</p>
      <QrScanControls scanner={scanner} startLabel="Scan a card with the camera" videoLabel="Camera view for scanning an emergency card" />
      <p>
        <label for="card-image">Or read the code from a photo of the card</label>{' '}
        <input id="card-image" type="file" accept="image/*" onChange={(e) => void readImage(e.currentTarget.files?.[0])} />
      </p>
      <p role="status">{scanner.status()}</p>
      <ErrorBanner message={scanner.error()} />
      <Show when={scanned()} keyed>
        {(card) => (
          <>
            <OfflineTierView tier={card.tier} heading="What the card says" />
            <FullTier card={card} />
          </>
        )}
      </Show>
    </article>
  )
}
