// Scanning a QR code with the device's camera (a visit's code, an emergency card's): one lifecycle
// for every page that scans. The camera opens on the person's request, a few frames a second are
// read, and the camera is released as soon as the scan ends: stopped by the person, by the page
// (a code was read), by the page being left, or by the tab being hidden.
import { createSignal, onCleanup, Show, type Accessor, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { describeCameraError, grabFrame, openCamera, releaseCamera } from './camera.ts'

/** A few frames a second find a code held still in front of the camera, and leave the page responsive. */
const SCAN_INTERVAL_MS = 250

export interface QrScannerOptions {
  /** What the person can do when the camera cannot be used, e.g. "Paste the visit link instead." */
  instead: string
  /** The status while scanning: what to hold in front of the camera. */
  scanning: string
  /** A code was read. The scan goes on unless the page calls `stop` (a wrong code: the next may be right). */
  onCode: (text: string) => void
  /** A new scan begins: what the last one showed may be cleared. */
  onStart?: () => void
}

export interface QrScanner {
  camera: Accessor<'off' | 'starting' | 'on'>
  status: Accessor<string>
  setStatus: (status: string) => void
  /** Why scanning stopped or a code was refused; the page may set its own (a photo that has no code). */
  error: Accessor<string | undefined>
  setError: (error: string | undefined) => void
  start: () => Promise<void>
  /** Ends the scan and releases the camera, saying nothing. */
  stop: () => void
  /** The camera's picture is shown in this element while scanning. */
  video: (element: HTMLVideoElement) => void
}

interface Scan {
  stream?: MediaStream
  timer?: ReturnType<typeof setInterval>
}

/** A camera scanner owned by the calling component: it stops when the component is cleaned up. */
export function createQrScanner(options: QrScannerOptions): QrScanner {
  const [camera, setCamera] = createSignal<'off' | 'starting' | 'on'>('off')
  const [status, setStatus] = createSignal('')
  const [error, setError] = createSignal<string>()
  let video: HTMLVideoElement | undefined
  // The scan under way. Stopping clears it, so a camera that opens after the person stopped, or
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
    setError(text)
  }

  const start = async (): Promise<void> => {
    stop()
    setError(undefined)
    options.onStart?.()
    const scan: Scan = {}
    current = scan
    setCamera('starting')
    setStatus('Asking the browser for the camera…')
    // The decoder loads while the browser asks for the camera.
    const decoder = import('./qrScan.ts').then(
      (module) => ({ read: module.readQrCode }),
      (cause: unknown) => ({ cause })
    )
    try {
      scan.stream = await openCamera()
    } catch (cause) {
      if (current === scan) fail(describeCameraError(cause, options.instead))
      return
    }
    if (current !== scan) {
      releaseCamera(scan.stream)
      return
    }
    const loaded = await decoder
    if (current !== scan) return
    if ('cause' in loaded) return fail(`The QR code reader could not be loaded: ${errorMessage(loaded.cause)}. ${options.instead}`)
    const view = video
    if (view === undefined) return fail(`The camera's picture cannot be shown here. ${options.instead}`)
    view.muted = true
    view.srcObject = scan.stream
    try {
      await view.play()
    } catch (cause) {
      if (current === scan) fail(`The camera's picture cannot be shown: ${errorMessage(cause)}. ${options.instead}`)
      return
    }
    if (current !== scan) return
    setCamera('on')
    setStatus(options.scanning)
    const canvas = document.createElement('canvas')
    scan.timer = setInterval(() => {
      let text: string | undefined
      try {
        const frame = grabFrame(view, canvas)
        text = frame === undefined ? undefined : loaded.read(frame)
      } catch (cause) {
        fail(`Scanning stopped: ${errorMessage(cause)}. ${options.instead}`)
        return
      }
      if (text !== undefined) options.onCode(text)
    }, SCAN_INTERVAL_MS)
  }

  // No camera runs in a tab nobody is looking at.
  const onVisibility = (): void => {
    if (document.visibilityState !== 'hidden' || current === undefined) return
    stop()
    setStatus('Scanning stopped while the page was hidden; the camera is off.')
  }
  document.addEventListener('visibilitychange', onVisibility)
  onCleanup(() => document.removeEventListener('visibilitychange', onVisibility))

  return { camera, status, setStatus, error, setError, start, stop, video: (element) => (video = element) }
}

/** The scan button (one button that changes its name keeps the keyboard focus where it is) and, while scanning, the camera's picture. */
export function QrScanControls(props: { scanner: QrScanner; startLabel: string; videoLabel: string }): JSX.Element {
  const stopByPerson = (): void => {
    props.scanner.stop()
    props.scanner.setError(undefined)
    props.scanner.setStatus('Scanning stopped; the camera is off.')
  }
  return (
    <>
      <p>
        <button type="button" class={props.scanner.camera() === 'off' ? 'primary' : undefined} onClick={() => (props.scanner.camera() === 'off' ? void props.scanner.start() : stopByPerson())}>
          {props.scanner.camera() === 'off' ? props.startLabel : 'Stop scanning'}
        </button>
      </p>
      <Show when={props.scanner.camera() !== 'off'}>
        <video ref={props.scanner.video} class="scan-video" aria-label={props.videoLabel} muted playsinline />
      </Show>
    </>
  )
}
