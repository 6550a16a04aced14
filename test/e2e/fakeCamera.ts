// A fake camera for Chromium: a short YUV4MPEG2 video of a QR code, which Chromium started with
// these flags plays, in a loop, as the device's only camera.
import { writeFile } from 'node:fs/promises'
import encodeQR, { type QrOpts } from 'qr'
import { VISIT_QR_OPTIONS } from '../../src/app/visit/visitQrCode.ts'

/** Chromium's flags for a camera that shows `videoPath` and is allowed without asking. */
export function fakeCameraArgs(videoPath: string): string[] {
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${videoPath}`]
}

/**
 * Writes a .y4m video of `text`'s QR code, black on white, centred with a quiet zone, as large
 * as whole pixels per module allow. The frames are identical: Chromium loops the file.
 */
export async function writeQrVideo(
  videoPath: string,
  text: string,
  { width = 800, height = 600, frames = 3, qr = VISIT_QR_OPTIONS }: { width?: number; height?: number; frames?: number; qr?: QrOpts } = {}
): Promise<void> {
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error('4:2:0 video needs an even width and height')
  // Encoded as the app encodes it (a visit link's code by default), with a wider quiet zone: the screen or the desk around the code.
  const modules = encodeQR(text, 'raw', { ...qr, border: 4 })
  const scale = Math.floor(Math.min(width, height) / modules.length)
  if (scale < 2) throw new Error(`a ${modules.length}-module code does not fit in ${width}×${height} at two pixels a module`)
  const left = Math.floor((width - modules.length * scale) / 2)
  const top = Math.floor((height - modules.length * scale) / 2)
  // Luma only carries the picture; video levels run from 16 (black) to 235 (white).
  const luma = Buffer.alloc(width * height, 235)
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return
      for (let dy = 0; dy < scale; dy++) {
        const start = (top + y * scale + dy) * width + left + x * scale
        luma.fill(16, start, start + scale)
      }
    })
  )
  // 4:2:0 chroma: one byte per 2×2 pixels and plane, 128 for no colour.
  const chroma = Buffer.alloc(2 * (width / 2) * (height / 2), 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma])
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`)
  await writeFile(videoPath, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]))
}
