// The doctor's way into a visit from the Visit page: scan the QR code on the patient's screen
// with this device's camera, or paste the link the patient sent. Either opens the join screen,
// exactly as opening the link would.
import { useNavigate } from '@solidjs/router'
import { createSignal, onCleanup, Show, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { describeCameraError, grabFrame, openCamera, releaseCamera } from './camera.ts'
import type { Frame } from './qrScan.ts'
import { readVisitLink } from './readVisitLink.ts'
import { joinPath } from './visitLink.ts'

/** A few frames a second find a code held still in front of the camera, and leave the page responsive. */
const SCAN_INTERVAL_MS = 250

const NOT_A_VISIT_CODE = "This QR code is not an Anamnesis visit link. Scan the code on the patient's Visit page, or paste the link instead."


interface Scan {
  stream?: MediaStream
  timer?: ReturnType<typeof setInterval>
}

export function JoinByCode(): JSX.Element {
  const navigate = useNavigate()
  const [camera, setCamera] = createSignal<'off' | 'starting' | 'on'>('off')
  const [status, setStatus] = createSignal('')
  const [scanError, setScanError] = createSignal<string>()
  const [pasted, setPasted] = createSignal('')
  const [pasteError, setPasteError] = createSignal<string>()
  let video: HTMLVideoElement | undefined
  // The scan under way. Stopping clears it, so a camera that opens after the doctor stopped, or
  // after the page was left, is released at once.
  let current: Scan | undefined

  const stop = (): void => {
    const scan = current
    current = undefined
    if (scan === undefined) return
    clearInterval(scan.timer)
    if (scan.stream !== undefined) releaseCamera(scan.stream)
    if (video !== undefined) video.srcObject = null
    setCamera('off')
  }
  onCleanup(stop)

  const fail = (text: string): void => {
    stop()
    setStatus('')
    setScanError(text)
  }

  const join = (invite: string): void => {
    stop()
    navigate(joinPath(invite))
  }

  const onCode = (text: string): void => {
    const link = readVisitLink(text)
    if (link.ok) join(link.invite)
    // A wrong code is said once and scanning goes on: the doctor may point at the right one next.
    else setScanError(link.code === 'INVITE_MALFORMED' ? link.message : NOT_A_VISIT_CODE)
  }

  const start = async (): Promise<void> => {
    stop()
    setScanError(undefined)
    const scan: Scan = {}
    current = scan
    setCamera('starting')
    setStatus('Asking the browser for the camera…')
    // The decoder loads while the browser asks for the camera.
    const decoder = import('./qrScan.ts').then(
      (module) => ({ read: module.readQrCode }),
      (error: unknown) => ({ error })
    )
    try {
      scan.stream = await openCamera()
    } catch (error) {
      if (current === scan) fail(describeCameraError(error))
      return
    }
    if (current !== scan) {
      releaseCamera(scan.stream)
      return
    }
    const loaded = await decoder
    if (current !== scan) return
    if ('error' in loaded) {
      fail(`The QR code reader could not be loaded: ${errorMessage(loaded.error)}. Paste the visit link instead.`)
      return
    }
    const view = video
    if (view === undefined) {
      fail("The camera's picture cannot be shown here. Paste the visit link instead.")
      return
    }
    view.muted = true
    view.srcObject = scan.stream
    try {
      await view.play()
    } catch (error) {
      if (current === scan) fail(`The camera's picture cannot be shown: ${errorMessage(error)}. Paste the visit link instead.`)
      return
    }
    if (current !== scan) return
    setCamera('on')
    setStatus("Scanning: hold the camera to the QR code on the patient's screen.")
    const canvas = document.createElement('canvas')
    scan.timer = setInterval(() => {
      let text: string | undefined
      try {
        const frame: Frame | undefined = grabFrame(view, canvas)
        text = frame === undefined ? undefined : loaded.read(frame)
      } catch (error) {
        fail(`Scanning stopped: ${errorMessage(error)}. Paste the visit link instead.`)
        return
      }
      if (text !== undefined) onCode(text)
    }, SCAN_INTERVAL_MS)
  }

  const stopByDoctor = (): void => {
    stop()
    setScanError(undefined)
    setStatus('Scanning stopped; the camera is off.')
  }
  // No camera runs in a tab nobody is looking at.
  const onVisibility = (): void => {
    if (document.visibilityState !== 'hidden' || current === undefined) return
    stop()
    setStatus('Scanning stopped while the page was hidden; the camera is off.')
  }
  document.addEventListener('visibilitychange', onVisibility)
  onCleanup(() => document.removeEventListener('visibilitychange', onVisibility))

  const joinPasted = (): void => {
    const link = readVisitLink(pasted())
    if (link.ok) join(link.invite)
    else setPasteError(link.message)
  }

  return (
    <section aria-labelledby="join-by-code-heading">
      <h2 id="join-by-code-heading">Join as the doctor</h2>
      <p class="hint">If you are the doctor: scan the QR code on the patient's screen, or paste the visit link they sent you.</p>
      <p>
        {/* One button that changes its name keeps the keyboard focus where it is. */}
        <button type="button" class={camera() === 'off' ? 'primary' : undefined} onClick={() => (camera() === 'off' ? void start() : stopByDoctor())}>
          {camera() === 'off' ? "Scan the patient's QR code" : 'Stop scanning'}
        </button>
      </p>
      <Show when={camera() !== 'off'}>
        <video ref={(element) => (video = element)} class="scan-video" aria-label="Camera view for scanning the patient's QR code" muted playsinline />
      </Show>
      <p role="status">{status()}</p>
      <ErrorBanner message={scanError()} />
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          joinPasted()
        }}
      >
        <label for="pasted-visit-link">Or paste the link the patient sent</label>
        <input
          id="pasted-visit-link"
          class="pasted-visit-link"
          type="text"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          value={pasted()}
          aria-invalid={pasteError() !== undefined}
          aria-describedby={pasteError() === undefined ? undefined : 'pasted-visit-link-error'}
          onInput={(event) => {
            setPasted(event.currentTarget.value)
            setPasteError(undefined)
          }}
        />
        <button type="submit">Join</button>
      </form>
      <ErrorBanner message={pasteError()} id="pasted-visit-link-error" />
    </section>
  )
}
