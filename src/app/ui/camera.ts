// The device's camera for scanning a QR code (a visit's, an emergency card's): opened on the doctor's request, read a
// frame at a time into a canvas, and released as soon as the scan ends.
import { errorMessage } from '../../errors/index.ts'

/** Frames are scaled down to this many pixels on their longer side: a QR code on a screen needs no more. */
const MAX_FRAME_SIDE = 1024

/** Opens a camera, the rear one where there is a choice (a phone held up to the patient's screen). */
export async function openCamera(): Promise<MediaStream> {
  // Only secure pages (https:, or the local machine) get navigator.mediaDevices.
  const devices = navigator.mediaDevices as MediaDevices | undefined
  if (devices === undefined) throw new DOMException('this browser gives this page no camera; a camera needs an https: address', 'NotSupportedError')
  return devices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
}

/** Stops every track, which turns the camera (and its light) off. */
export function releaseCamera(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop()
}

/** What went wrong when opening the camera, in words the doctor can act on; `instead` says what else to do. */
export function describeCameraError(error: unknown, instead = 'Paste the visit link instead.'): string {
  const name = error instanceof DOMException ? error.name : ''
  const reason = errorMessage(error).replace(/\.$/, '')
  if (name === 'NotAllowedError' || name === 'SecurityError') return `The browser refused the camera: ${reason}. ${instead}`
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return `No camera was found on this device: ${reason}. ${instead}`
  if (name === 'NotReadableError' || name === 'AbortError') return `The camera is busy or could not be read: ${reason}. ${instead}`
  if (name === 'NotSupportedError') return `No camera here: ${reason}. ${instead}`
  return `The camera could not be started: ${reason}. ${instead}`
}

/** The video's current frame as RGBA pixels, or undefined while it has none yet. */
export function grabFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): ImageData | undefined {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0 || video.videoHeight === 0) return undefined
  const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight))
  const width = Math.round(video.videoWidth * scale)
  const height = Math.round(video.videoHeight * scale)
  if (canvas.width !== width) canvas.width = width
  if (canvas.height !== height) canvas.height = height
  const context = canvas.getContext('2d', { willReadFrequently: true })
  if (context === null) throw new Error('this browser cannot draw camera frames')
  context.drawImage(video, 0, 0, width, height)
  return context.getImageData(0, 0, width, height)
}
