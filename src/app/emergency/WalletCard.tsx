// The wallet card, front and back at credit-card size (85.6 × 54 mm) on screen and on paper:
// the front says in plain words what anyone who finds it may read, the back holds the same words
// and the link to the full summary in a QR code. Printing shows the card alone; "Save an image for
// my lock screen" makes a PNG of the same.
import { createMemo, createSignal, For, Show, type JSX } from 'solid-js'
import { CARD_QR_OPTIONS, cardQrModules, cardQrVersion, type FittedCard } from '../../emergency/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { qrModulesImage } from '../visit/visitQrCode.ts'
import { cardLines } from './cardLines.ts'
import { canvasPng, drawLockScreen } from './lockScreenImage.ts'

export function WalletCard(props: { card: FittedCard }): JSX.Element {
  const modules = createMemo(() => cardQrModules(props.card.text))
  const image = createMemo(() => qrModulesImage(modules()))
  const [status, setStatus] = createSignal('')
  const [error, setError] = createSignal<string>()

  const saveImage = async (): Promise<void> => {
    setError(undefined)
    try {
      const canvas = document.createElement('canvas')
      drawLockScreen(canvas, props.card.tier, modules())
      const url = URL.createObjectURL(await canvasPng(canvas))
      const link = document.createElement('a')
      link.href = url
      link.download = 'emergency-lock-screen.png'
      link.click()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
      setStatus('Saved emergency-lock-screen.png. Set it as your lock screen in your phone\'s settings.')
    } catch (cause) {
      setStatus('')
      setError(`The image could not be made: ${errorMessage(cause)}.`)
    }
  }

  return (
    <section aria-labelledby="wallet-card-heading">
      <h2 id="wallet-card-heading">Your wallet card</h2>
      <p class="hint">
        Print it at 100 % (not "fit to page"), cut out both sides and fold them back to back, or keep the image on your phone's lock screen. Whoever
        finds it reads the front; the QR code holds the same words (QR version {cardQrVersion(props.card.text)}, error correction {CARD_QR_OPTIONS.ecc}).
      </p>
      <Show when={props.card.leftOff.length > 0}>
        <p class="notice" role="note">
          Not on the card for want of room (they stay in your summary): {props.card.leftOff.join('; ')}. Untick less urgent items to make room.
        </p>
      </Show>
      <div class="wallet-cards">
        <div class="wallet-card wallet-card-front" role="group" aria-label="Front of the card">
          <p class="wallet-card-title">EMERGENCY MEDICAL INFORMATION</p>
          <ul class="wallet-card-lines">
            <For each={cardLines(props.card.tier)}>
              {(line) => (
                <li classList={{ alert: line.alert === true }}>
                  <span class="wallet-card-label">{line.label}:</span> {line.text}
                </li>
              )}
            </For>
          </ul>
        </div>
        <div class="wallet-card wallet-card-back" role="group" aria-label="Back of the card">
          <img class="wallet-card-qr" src={image()} alt="QR code of your emergency card" />
          <p class="wallet-card-help">
            Scan: any QR reader shows these words. In Anamnesis: Emergency, scan a card.
            {props.card.tier.link === undefined ? '' : ' A clinician can open the full summary; the access is recorded and the patient is told.'}
          </p>
        </div>
      </div>
      <p class="actions">
        <button type="button" onClick={() => window.print()}>
          Print the card
        </button>{' '}
        <button type="button" onClick={() => void saveImage()}>
          Save an image for my lock screen
        </button>
      </p>
      <p role="status">{status()}</p>
      <ErrorBanner message={error()} />
    </section>
  )
}
